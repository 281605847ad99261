"""Recurrence: RFC 5545 examples our two kinds can express, short months, leap days, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.recurrence import (
    LAST_DAY,
    Monthly,
    Recurrence,
    Weekly,
    at_local_time,
    describe,
    from_dict,
    occurrences,
    to_dict,
    validate,
)

EVERY_MONTH = tuple(range(1, 13))
NEW_YORK = ZoneInfo("America/New_York")


def test_rfc5545_every_other_week_on_tuesday_and_thursday() -> None:
    # RFC 5545 3.8.5.3: DTSTART 1997-09-02, FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH
    got = occurrences(
        Weekly(2, (1, 3)), anchor=date(1997, 9, 2), start=date(1997, 9, 2), end=date(1997, 10, 24)
    )
    assert got == [
        date(1997, 9, 2),
        date(1997, 9, 4),
        date(1997, 9, 16),
        date(1997, 9, 18),
        date(1997, 9, 30),
        date(1997, 10, 2),
        date(1997, 10, 14),
        date(1997, 10, 16),
    ]


def test_monthly_on_the_31st_skips_short_months() -> None:
    got = occurrences(
        Monthly(31, EVERY_MONTH), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    assert [d.month for d in got] == [1, 3, 5, 7, 8, 10, 12]
    assert all(d.day == 31 for d in got)


def test_the_last_day_of_each_month_follows_leap_years() -> None:
    got = occurrences(
        Monthly(LAST_DAY, EVERY_MONTH), anchor=date(2024, 1, 1), start=date(2024, 1, 1), end=date(2025, 3, 31)
    )
    assert got[:4] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    assert date(2025, 2, 28) in got and len(got) == 15


def test_day_29_of_february_exists_only_in_leap_years() -> None:
    got = occurrences(
        Monthly(29, (2,)), anchor=date(2023, 1, 1), start=date(2023, 1, 1), end=date(2028, 12, 31)
    )
    assert got == [date(2024, 2, 29), date(2028, 2, 29)]


def test_weekly_intervals_count_from_the_anchor_week_not_the_window() -> None:
    rule = Weekly(2, (0,))  # every other Monday, from the week of 1 January 2025 (a Wednesday)
    got = occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 10), end=date(2025, 2, 10))
    assert got == [date(2025, 1, 13), date(2025, 1, 27), date(2025, 2, 10)]


def test_occurrences_before_the_anchor_day_in_its_week_are_not_lost_to_the_window() -> None:
    got = occurrences(
        Weekly(1, (0, 4)), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 1, 7)
    )
    assert got == [date(2025, 1, 3), date(2025, 1, 6)]


rules = st.one_of(
    st.builds(
        Weekly, st.integers(1, 5), st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
    ),
    st.builds(
        Monthly,
        st.sampled_from([1, 15, 28, 29, 30, 31, LAST_DAY]),
        st.sets(st.integers(1, 12), min_size=1).map(lambda s: tuple(sorted(s))),
    ),
).filter(lambda rule: not validate(rule))
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(
    rule=rules, anchor=days, offsets=st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))
)
def test_a_window_split_in_two_gives_the_same_dates(
    rule: Recurrence, anchor: date, offsets: tuple[int, int, int]
) -> None:
    a = anchor + timedelta(days=offsets[0])
    b = a + timedelta(days=offsets[1])
    c = b + timedelta(days=offsets[2])
    whole = occurrences(rule, anchor=anchor, start=a, end=c)
    assert (
        whole
        == occurrences(rule, anchor=anchor, start=a, end=b)
        + occurrences(rule, anchor=anchor, start=b + timedelta(days=1), end=c)
        if b < c
        else whole == occurrences(rule, anchor=anchor, start=a, end=c)
    )
    assert whole == sorted(set(whole)) and all(a <= d <= c for d in whole)


@given(rule=rules)
def test_to_dict_and_back_is_the_same_rule(rule: Recurrence) -> None:
    assert from_dict(to_dict(rule)) == rule


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected_utc"),
    [
        (date(2025, 3, 9), time(2, 30), "America/New_York", datetime(2025, 3, 9, 7, 30, tzinfo=UTC)),  # gap
        (
            date(2025, 11, 2),
            time(1, 30),
            "America/New_York",
            datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
        ),  # twice
        (date(2025, 3, 30), time(1, 30), "Europe/London", datetime(2025, 3, 30, 1, 30, tzinfo=UTC)),  # gap
        (date(2025, 6, 2), time(9, 0), "America/New_York", datetime(2025, 6, 2, 13, 0, tzinfo=UTC)),
    ],
)
def test_local_times_across_daylight_saving(day: date, at: time, tz: str, expected_utc: datetime) -> None:
    got = at_local_time(day, at, ZoneInfo(tz))
    assert got.astimezone(UTC) == expected_utc
    assert got.astimezone(ZoneInfo(tz)).date() == day


def test_a_weekly_service_across_the_spring_change_keeps_its_local_time() -> None:
    dates = occurrences(
        Weekly(1, (6,)), anchor=date(2025, 3, 1), start=date(2025, 3, 1), end=date(2025, 3, 16)
    )
    instants = [at_local_time(d, time(9, 0), NEW_YORK) for d in dates]
    assert [i.astimezone(UTC).hour for i in instants] == [14, 13, 13]  # EST, then EDT
    assert {i.astimezone(NEW_YORK).time() for i in instants} == {time(9, 0)}


def test_validation_names_each_bad_field() -> None:
    assert {e.field for e in validate(Weekly(0, ()))} == {"interval", "weekdays"}
    assert {e.field for e in validate(Weekly(1, (1, 1)))} == {"weekdays"}
    assert {e.field for e in validate(Monthly(32, ()))} == {"day", "months"}
    assert {e.field for e in validate(Monthly(0, (13,)))} == {"day", "months"}
    assert validate(Monthly(LAST_DAY, (2,))) == []
    assert [e.field for e in validate(Monthly(30, (2,)))] == ["day"]  # would never happen
    assert [e.field for e in validate(Monthly(31, (4, 6, 9, 11)))] == ["day"]
    assert validate(Monthly(29, (2,))) == []  # leap years
    with pytest.raises(ValueError, match="weekday"):
        occurrences(Weekly(1, ()), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 2, 1))


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "weekly", "interval": "two", "weekdays": ["tue", "funday"]}, {"interval", "weekdays"}),
        ({"kind": "monthly", "day": 40, "months": "march", "colour": "red"}, {"colour", "day", "months"}),
        ({"kind": "yearly"}, {"kind"}),
        ("weekly", {"kind"}),
    ],
)
def test_from_dict_reports_every_bad_field(data: object, fields: set[str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        from_dict(data)
    assert {e.field for e in raised.value.errors} == fields


def test_descriptions_read_like_the_settings_screen() -> None:
    assert describe(Weekly(1, (0,))) == "Every week on Mon"
    assert describe(Weekly(2, (3, 1))) == "Every 2 weeks on Tue, Thu"
    assert describe(Monthly(15, EVERY_MONTH)) == "Monthly on day 15 of every month"
    assert describe(Monthly(LAST_DAY, (1, 4, 7, 10))) == "Monthly on the last day of Jan, Apr, Jul, Oct"
    assert (
        describe(Monthly(31, EVERY_MONTH))
        == "Monthly on day 31 of every month (months without day 31 are skipped)"
    )
