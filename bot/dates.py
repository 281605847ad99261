"""Dates as staff type them: ISO (2025-03-01), "1 Mar 2025", "March 1", "today", "tomorrow",
"in 2 weeks". Anything else is refused with a message that quotes it and shows accepted forms."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from dateutil import parser
from dateutil.relativedelta import relativedelta

from core.kernel.errors import InvalidInput

ACCEPTED = "2025-03-01, 1 Mar 2025, today, tomorrow or in 2 weeks"
# Dates this far from today are typing mistakes (9999-12-31), and the day after 9999-12-31 cannot
# be computed: a membership's end, a charge schedule or a renewal would fail later instead of here.
YEARS_AWAY = 100
_RELATIVE = re.compile(r"^in\s+(\d{1,3})\s+(day|week|month|year)s?$")


def parse_date(text: str, today: date, *, field: str = "date") -> date:
    parsed = _parsed(text, today, field)
    if abs(parsed.year - today.year) > YEARS_AWAY:
        raise InvalidInput.single(
            field, f"“{text.strip()}” is more than {YEARS_AWAY} years away; check the year."
        )
    return parsed


def _parsed(text: str, today: date, field: str) -> date:
    typed = " ".join(text.split()).lower()
    if typed == "today":
        return today
    if typed == "tomorrow":
        return today + timedelta(days=1)
    relative = _RELATIVE.match(typed)
    if relative:
        n, unit = int(relative.group(1)), relative.group(2)
        steps = {
            "day": relativedelta(days=n),
            "week": relativedelta(weeks=n),
            "month": relativedelta(months=n),
            "year": relativedelta(years=n),
        }
        try:
            return today + steps[unit]
        except (ValueError, OverflowError):  # "in 999 years" from 9100
            pass
    if re.search(r"\d", typed) or re.search(r"[a-z]{3}", typed):
        try:
            # Month names and ISO dates only: "03/04/2025" means different days to different people.
            if "/" in typed:
                raise ValueError
            base = datetime.combine(today, time(0))
            return parser.parse(typed, default=base).date()
        except (ValueError, OverflowError):
            pass
    raise InvalidInput.single(field, f"“{text.strip()}” is not a date I understand; try {ACCEPTED}.")
