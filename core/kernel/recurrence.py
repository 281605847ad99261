"""Recurrence of a plan's services: weekly (every N weeks on chosen weekdays) or monthly (day D of
chosen months). Pure rules on business dates; python-dateutil's rrule does the counting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from core.kernel.errors import FieldError, InvalidInput

LAST_DAY = -1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_SHORTEST = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class Weekly:
    """Every `interval` weeks on the chosen weekdays (0 = Monday … 6 = Sunday)."""

    interval: int
    weekdays: tuple[int, ...]

    def __post_init__(self) -> None:
        # Order carries no meaning, so equal schedules compare equal; duplicates are kept for
        # validate() to report.
        object.__setattr__(self, "weekdays", tuple(sorted(self.weekdays)))


@dataclass(frozen=True)
class Monthly:
    """Day `day` (1..31, or LAST_DAY) of each chosen month (1..12); all twelve means every month."""

    day: int
    months: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "months", tuple(sorted(self.months)))


Recurrence = Weekly | Monthly


def validate(rule: Recurrence) -> list[FieldError]:
    """What is wrong with `rule`, per field; empty when it is usable."""
    errors: list[FieldError] = []
    if isinstance(rule, Weekly):
        if not 1 <= rule.interval <= 52:
            errors.append(FieldError("interval", "Repeat every 1 to 52 weeks."))
        if not rule.weekdays:
            errors.append(FieldError("weekdays", "Choose at least one weekday."))
        elif any(not 0 <= d <= 6 for d in rule.weekdays) or len(set(rule.weekdays)) != len(rule.weekdays):
            errors.append(FieldError("weekdays", "Choose each weekday at most once, Monday to Sunday."))
    else:
        if rule.day != LAST_DAY and not 1 <= rule.day <= 31:
            errors.append(FieldError("day", "The day must be 1 to 31, or the last day of the month."))
        if not rule.months:
            errors.append(FieldError("months", "Choose at least one month."))
        elif any(not 1 <= m <= 12 for m in rule.months) or len(set(rule.months)) != len(rule.months):
            errors.append(FieldError("months", "Choose each month at most once, January to December."))
        elif 1 <= rule.day <= 31 and rule.day > max(_LONGEST[m - 1] for m in rule.months):
            # Such a rule never happens, and rrule would search for it until its `until`.
            errors.append(
                FieldError("day", f"Day {rule.day} never comes in the chosen months; choose the last day.")
            )
    return errors


def occurrences(rule: Recurrence, *, anchor: date, start: date, end: date) -> list[date]:
    """The dates of `rule` in [start, end], ascending.

    Weekly intervals count from the Monday-based week that holds `anchor` (the membership's start),
    so the dates do not depend on which window is asked for: the horizon can grow a piece at a time.
    A monthly day a month lacks (the 31st in April) is skipped, as RFC 5545's BYMONTHDAY does.
    Raises ValueError for an invalid rule or a window that ends before it starts.
    """
    problems = validate(rule)
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    if start > end:
        raise ValueError(f"window start {start} is after its end {end}")
    if isinstance(rule, Weekly):
        anchor_week = _monday(anchor)
        # Start rrule at the last week of the anchor's cycle on or before the window, not at the
        # anchor itself: same phase, but a years-old membership does not replay every week since.
        weeks = max(0, (_monday(start) - anchor_week).days // 7)
        first_week = anchor_week + timedelta(weeks=weeks - weeks % rule.interval)
        dates = rrule(
            WEEKLY,
            interval=rule.interval,
            byweekday=rule.weekdays,
            wkst=0,
            dtstart=_midnight(first_week),
            until=_midnight(end),
        )
    else:
        dates = rrule(
            MONTHLY,
            bymonthday=rule.day,
            bymonth=rule.months,
            dtstart=_midnight(start.replace(day=1)),
            until=_midnight(end),
        )
    return [d.date() for d in dates if d.date() >= start]


def at_local_time(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of wall-clock time `at` on `day` in `tz` (an aware datetime in `tz`).

    zoneinfo (like rrule) builds wall times that do not exist, such as 02:30 on a spring-forward
    day; those move forward by the length of the gap (02:30 -> 03:30), as calendars do. A time that
    happens twice on a fall-back day takes its first occurrence (fold=0).
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    round_trip = local.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        # Inside a gap fold=0 reads the wall time with the offset from before the change, so the
        # round trip lands exactly one gap later, in the offset after it.
        return round_trip
    return local


def describe(rule: Recurrence) -> str:
    """A one-line English summary, as shown on a plan's settings screen."""
    if isinstance(rule, Weekly):
        every = "Every week" if rule.interval == 1 else f"Every {rule.interval} weeks"
        return f"{every} on {', '.join(WEEKDAYS[d].capitalize() for d in rule.weekdays)}"
    months = (
        "every month"
        if len(rule.months) == 12
        else ", ".join(MONTHS[m - 1].capitalize() for m in rule.months)
    )
    if rule.day == LAST_DAY:
        return f"Monthly on the last day of {months}"
    text = f"Monthly on day {rule.day} of {months}"
    if any(rule.day > _SHORTEST[m - 1] for m in rule.months):
        text += f" (months without day {rule.day} are skipped)"
    return text


def to_dict(rule: Recurrence) -> dict[str, object]:
    """The JSON/YAML form stored with a plan; `from_dict` reads it back."""
    if isinstance(rule, Weekly):
        return {
            "kind": "weekly",
            "interval": rule.interval,
            "weekdays": [WEEKDAYS[d] for d in rule.weekdays],
        }
    day: object = "last" if rule.day == LAST_DAY else rule.day
    return {"kind": "monthly", "day": day, "months": [MONTHS[m - 1] for m in rule.months]}


def from_dict(data: object) -> Recurrence:
    """The rule a `to_dict` mapping describes; raises InvalidInput naming every malformed field."""
    kinds = {"weekly": {"kind", "interval", "weekdays"}, "monthly": {"kind", "day", "months"}}
    if not isinstance(data, dict):
        raise InvalidInput.single("kind", "A recurrence must be a mapping with a kind: weekly or monthly.")
    kind = data.get("kind")
    if kind is None:
        raise InvalidInput.single("kind", "Choose a kind of recurrence: weekly or monthly.")
    if not isinstance(kind, str) or kind not in kinds:
        raise InvalidInput.single("kind", f"{kind!r} is not a kind of recurrence; use weekly or monthly.")
    errors = [
        FieldError(key, "Unknown field.") for key in sorted(str(k) for k in data if k not in kinds[kind])
    ]
    rule: Recurrence
    if kind == "weekly":
        interval = data.get("interval")
        if not isinstance(interval, int) or isinstance(interval, bool):
            errors.append(FieldError("interval", "The interval must be a whole number of weeks, 1 to 52."))
            interval = 1
        rule = Weekly(interval, _names(errors, "weekdays", data.get("weekdays"), WEEKDAYS, first=0))
    else:
        day = data.get("day")
        if day == "last":
            day = LAST_DAY
        elif not isinstance(day, int) or isinstance(day, bool):
            errors.append(FieldError("day", "The day must be 1 to 31, or last."))
            day = 1
        rule = Monthly(day, _names(errors, "months", data.get("months"), MONTHS, first=1))
    # A field that did not parse was given a placeholder; do not report it a second time.
    reported = {e.field for e in errors}
    errors += [e for e in validate(rule) if e.field not in reported]
    if errors:
        raise InvalidInput(errors)
    return rule


def _names(
    errors: list[FieldError], field: str, value: object, names: tuple[str, ...], *, first: int
) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError(field, f"List the {field} by name, such as [{names[0]}, {names[1]}]."))
        return ()
    unknown = [v for v in value if v not in names]
    if unknown:
        errors.append(FieldError(field, f"Unknown {field}: {', '.join(unknown)}. Use {', '.join(names)}."))
        return ()
    return tuple(names.index(v) + first for v in value)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
