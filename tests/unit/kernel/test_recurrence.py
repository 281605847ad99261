"""Recurrence: RFC 5545 examples our two kinds can express, short months, leap days, DST."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.errors import InvalidInput
from core.kernel.recurrence import (
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
LONDON = ZoneInfo("Europe/London")


# --- RFC 5545 examples ---------------------------------------------------------------------------


def test_rfc5545_every_other_week_on_tuesday_and_thursday() -> None:
    # RFC 5545 3.8.5.3: DTSTART 1997-09-02, FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU,TH. Our weeks
    # start on Monday; for Tuesday and Thursday that makes no difference.
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
    assert got == [date(2025, m, 31) for m in (1, 3, 5, 7, 8, 10, 12)]


def test_the_last_day_of_each_month_follows_leap_years() -> None:
    got = occurrences(
        Monthly(LAST_DAY, EVERY_MONTH), anchor=date(2024, 1, 1), start=date(2024, 1, 1), end=date(2025, 3, 31)
    )
    lengths_2024 = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    assert got == [date(2024, m, n) for m, n in zip(EVERY_MONTH, lengths_2024, strict=True)] + [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_the_last_day_of_chosen_months_only() -> None:
    got = occurrences(
        Monthly(LAST_DAY, (2, 9)), anchor=date(2024, 1, 1), start=date(2024, 2, 29), end=date(2025, 12, 31)
    )
    assert got == [date(2024, 2, 29), date(2024, 9, 30), date(2025, 2, 28), date(2025, 9, 30)]


def test_day_29_of_february_exists_only_in_leap_years() -> None:
    got = occurrences(
        Monthly(29, (2,)), anchor=date(2023, 1, 1), start=date(2023, 1, 1), end=date(2028, 12, 31)
    )
    assert got == [date(2024, 2, 29), date(2028, 2, 29)]
    assert (
        occurrences(
            Monthly(29, (2,)), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 12, 31)
        )
        == []
    )


# --- weekly anchoring and windows ----------------------------------------------------------------


def test_weekly_intervals_count_from_the_anchor_week_not_the_window() -> None:
    rule = Weekly(2, (0,))  # every other Monday, from the week of 1 January 2025 (a Wednesday)
    got = occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 10), end=date(2025, 2, 10))
    assert got == [date(2025, 1, 13), date(2025, 1, 27), date(2025, 2, 10)]
    # A window starting in an "off" week must not shift the phase onto its own week.
    got = occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 6), end=date(2025, 1, 26))
    assert got == [date(2025, 1, 13)]


def test_weekly_phase_holds_years_after_the_anchor() -> None:
    # Anchor week: Monday 2024-12-30. Wednesday 2027-01-06 is 105 weeks on, a multiple of 3; the
    # window starts a week later, in an off week, so the next dates are 3 and 6 weeks after it.
    rule = Weekly(3, (2,))
    got = occurrences(rule, anchor=date(2025, 1, 1), start=date(2027, 1, 11), end=date(2027, 2, 20))
    assert got == [date(2027, 1, 27), date(2027, 2, 17)]
    got = occurrences(rule, anchor=date(2025, 1, 1), start=date(2027, 1, 4), end=date(2027, 1, 10))
    assert got == [date(2027, 1, 6)]


def test_occurrences_before_the_anchor_day_in_its_week_are_not_lost_to_the_window() -> None:
    got = occurrences(
        Weekly(1, (0, 4)), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 1, 7)
    )
    assert got == [date(2025, 1, 3), date(2025, 1, 6)]


def test_a_window_of_one_day_and_a_backwards_window() -> None:
    rule = Weekly(1, (2,))
    assert occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 8), end=date(2025, 1, 8)) == [
        date(2025, 1, 8)
    ]
    assert occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 9), end=date(2025, 1, 9)) == []
    with pytest.raises(ValueError, match="after its end"):
        occurrences(rule, anchor=date(2025, 1, 1), start=date(2025, 1, 9), end=date(2025, 1, 8))


def _sorted_tuple(values: set[int]) -> tuple[int, ...]:
    return tuple(sorted(values))


weekly_rules = st.builds(
    Weekly, st.integers(1, 52), st.sets(st.integers(0, 6), min_size=1).map(_sorted_tuple)
)
monthly_rules = st.builds(
    Monthly,
    st.one_of(st.integers(1, 31), st.just(LAST_DAY)),
    st.sets(st.integers(1, 12), min_size=1).map(_sorted_tuple),
).filter(lambda rule: not validate(rule))
rules = st.one_of(weekly_rules, monthly_rules)
small_interval_rules = st.one_of(
    st.builds(Weekly, st.integers(1, 5), st.sets(st.integers(0, 6), min_size=1).map(_sorted_tuple)),
    monthly_rules,
)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(
    rule=small_interval_rules,
    anchor=days,
    lead=st.integers(-60, 400),
    first=st.integers(0, 400),
    second=st.integers(0, 400),
)
def test_a_window_split_in_two_gives_the_same_dates(
    rule: Recurrence, anchor: date, lead: int, first: int, second: int
) -> None:
    a = anchor + timedelta(days=lead)
    b = a + timedelta(days=first)
    c = b + timedelta(days=1 + second)
    whole = occurrences(rule, anchor=anchor, start=a, end=c)
    assert whole == occurrences(rule, anchor=anchor, start=a, end=b) + occurrences(
        rule, anchor=anchor, start=b + timedelta(days=1), end=c
    )


def _expected(rule: Recurrence, anchor: date, day: date) -> bool:
    """Whether `day` is a date of `rule`, worked out without rrule."""
    if isinstance(rule, Weekly):
        anchor_week = anchor - timedelta(days=anchor.weekday())
        weeks = (day - timedelta(days=day.weekday()) - anchor_week).days // 7
        return weeks >= 0 and weeks % rule.interval == 0 and day.weekday() in rule.weekdays
    last = calendar.monthrange(day.year, day.month)[1]
    return day.month in rule.months and day.day == (last if rule.day == LAST_DAY else rule.day)


@given(rule=small_interval_rules, anchor=days, lead=st.integers(-30, 800), length=st.integers(0, 120))
def test_occurrences_are_exactly_the_dates_of_the_rule(
    rule: Recurrence, anchor: date, lead: int, length: int
) -> None:
    start = anchor + timedelta(days=lead)
    end = start + timedelta(days=length)
    window = [start + timedelta(days=i) for i in range(length + 1)]
    assert occurrences(rule, anchor=anchor, start=start, end=end) == [
        d for d in window if _expected(rule, anchor, d)
    ]


# --- local times across daylight saving ----------------------------------------------------------


def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    got = at_local_time(date(2025, 3, 9), time(2, 30), NEW_YORK)
    assert got.astimezone(UTC) == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert (got.date(), got.time(), got.tzinfo) == (date(2025, 3, 9), time(3, 30), NEW_YORK)
    assert got.utcoffset() == timedelta(hours=-4) and got.tzname() == "EDT"


def test_a_time_in_the_london_gap_moves_to_british_summer_time() -> None:
    got = at_local_time(date(2025, 3, 30), time(1, 30), LONDON)
    assert got.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert got.time() == time(2, 30) and got.tzname() == "BST"


@pytest.mark.parametrize("fold", [0, 1])
def test_a_time_that_happens_twice_takes_the_first(fold: int) -> None:
    got = at_local_time(date(2025, 11, 2), time(1, 30, fold=fold), NEW_YORK)
    assert got.astimezone(UTC) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert got.time() == time(1, 30) and got.tzname() == "EDT"


def test_an_ordinary_time_is_unchanged() -> None:
    got = at_local_time(date(2025, 6, 2), time(9, 0), NEW_YORK)
    assert got == datetime(2025, 6, 2, 9, 0, tzinfo=NEW_YORK)
    assert got.tzinfo is NEW_YORK and got.astimezone(UTC) == datetime(2025, 6, 2, 13, 0, tzinfo=UTC)


def test_a_weekly_service_across_the_spring_change_keeps_its_local_time() -> None:
    dates = occurrences(
        Weekly(1, (6,)), anchor=date(2025, 3, 1), start=date(2025, 3, 1), end=date(2025, 3, 16)
    )
    assert dates == [date(2025, 3, 2), date(2025, 3, 9), date(2025, 3, 16)]
    instants = [at_local_time(d, time(9, 0), NEW_YORK) for d in dates]
    assert [i.utcoffset() for i in instants] == [
        timedelta(hours=-5),
        timedelta(hours=-4),
        timedelta(hours=-4),
    ]
    assert [i.astimezone(UTC).hour for i in instants] == [14, 13, 13]
    assert {i.astimezone(NEW_YORK).time() for i in instants} == {time(9, 0)}


# --- validation and the stored form --------------------------------------------------------------


def test_validation_names_each_bad_field() -> None:
    assert [e.message for e in validate(Weekly(1, ()))] == ["Choose at least one weekday."]
    assert {e.field for e in validate(Weekly(0, ()))} == {"interval", "weekdays"}
    assert [e.field for e in validate(Weekly(53, (1,)))] == ["interval"]
    assert [e.field for e in validate(Weekly(1, (1, 1)))] == ["weekdays"]
    assert [e.field for e in validate(Weekly(1, (7,)))] == ["weekdays"]
    assert {e.field for e in validate(Monthly(32, ()))} == {"day", "months"}
    assert {e.field for e in validate(Monthly(0, (13,)))} == {"day", "months"}
    assert [e.field for e in validate(Monthly(1, (3, 3)))] == ["months"]
    assert [e.field for e in validate(Monthly(-2, (3,)))] == ["day"]
    assert [e.field for e in validate(Monthly(30, (2,)))] == ["day"]  # would never happen
    assert [e.field for e in validate(Monthly(31, (4, 6, 9, 11)))] == ["day"]
    assert validate(Monthly(LAST_DAY, (2,))) == []
    assert validate(Monthly(29, (2,))) == []  # leap years
    assert validate(Weekly(52, tuple(range(7)))) == []
    assert all(e.message.endswith(".") for e in validate(Monthly(0, ())) + validate(Weekly(0, ())))


def test_occurrences_refuses_an_invalid_rule() -> None:
    with pytest.raises(ValueError, match="weekday"):
        occurrences(Weekly(1, ()), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 2, 1))
    with pytest.raises(ValueError, match="never comes"):
        occurrences(Monthly(31, (2,)), anchor=date(2025, 1, 1), start=date(2025, 1, 1), end=date(2025, 2, 1))


def test_the_order_days_are_given_in_does_not_matter() -> None:
    assert Weekly(2, (3, 1)) == Weekly(2, (1, 3))
    assert Weekly(2, (3, 1)).weekdays == (1, 3)
    assert Monthly(LAST_DAY, (10, 1)).months == (1, 10)


def test_the_stored_form() -> None:
    assert to_dict(Weekly(2, (3, 1))) == {"kind": "weekly", "interval": 2, "weekdays": ["tue", "thu"]}
    assert to_dict(Monthly(LAST_DAY, (1, 12))) == {"kind": "monthly", "day": "last", "months": ["jan", "dec"]}
    assert to_dict(Monthly(31, (3,))) == {"kind": "monthly", "day": 31, "months": ["mar"]}


@given(rule=rules)
def test_to_dict_and_back_is_the_same_rule(rule: Recurrence) -> None:
    assert from_dict(to_dict(rule)) == rule


@given(rule=rules, data=st.data())
def test_rules_given_in_any_order_survive_the_round_trip(rule: Recurrence, data: st.DataObject) -> None:
    if isinstance(rule, Weekly):
        shuffled: Recurrence = Weekly(rule.interval, tuple(data.draw(st.permutations(rule.weekdays))))
    else:
        shuffled = Monthly(rule.day, tuple(data.draw(st.permutations(rule.months))))
    assert from_dict(to_dict(shuffled)) == rule


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "weekly", "interval": "two", "weekdays": ["tue", "funday"]}, ["interval", "weekdays"]),
        ({"kind": "weekly", "weekdays": ["tue"]}, ["interval"]),  # no default interval
        ({"kind": "weekly", "interval": True, "weekdays": ["tue"]}, ["interval"]),
        ({"kind": "weekly", "interval": 0, "weekdays": []}, ["interval", "weekdays"]),
        ({"kind": "weekly", "interval": 1, "weekdays": ["Tue"]}, ["weekdays"]),  # names are exact
        ({"kind": "weekly", "interval": 1, "weekdays": ["tue", "tue"]}, ["weekdays"]),
        ({"kind": "weekly", "interval": 1, "weekdays": "tue"}, ["weekdays"]),
        ({"kind": "monthly", "day": 40, "months": "march", "colour": "red"}, ["colour", "day", "months"]),
        ({"kind": "monthly", "day": "31", "months": ["jan", 2]}, ["day", "months"]),
        ({"kind": "monthly", "day": 15, "months": "every"}, ["months"]),  # no shorthand
        ({"kind": "monthly", "day": 31, "months": ["feb"]}, ["day"]),
        ({"kind": "monthly", "day": 1, "months": ["jan"], "interval": 2}, ["interval"]),
        ({"kind": "yearly"}, ["kind"]),
        ({"interval": 1, "weekdays": ["mon"]}, ["kind"]),
        ({"kind": ["weekly"]}, ["kind"]),
        ("weekly", ["kind"]),
        (None, ["kind"]),
    ],
)
def test_from_dict_reports_every_bad_field(data: object, fields: list[str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        from_dict(data)
    assert sorted(e.field for e in raised.value.errors) == fields
    assert all(e.message for e in raised.value.errors)


# --- descriptions --------------------------------------------------------------------------------


def test_descriptions_read_like_the_settings_screen() -> None:
    assert describe(Weekly(1, (0,))) == "Every week on Mon"
    assert describe(Weekly(2, (3, 1))) == "Every 2 weeks on Tue, Thu"
    assert describe(Monthly(15, EVERY_MONTH)) == "Monthly on day 15 of every month"
    assert describe(Monthly(LAST_DAY, (1, 4, 7, 10))) == "Monthly on the last day of Jan, Apr, Jul, Oct"
    assert (
        describe(Monthly(31, EVERY_MONTH))
        == "Monthly on day 31 of every month (months without day 31 are skipped)"
    )
    assert describe(Monthly(31, (1, 3))) == "Monthly on day 31 of Jan, Mar"  # nothing to skip
    assert describe(Monthly(29, (2,))) == "Monthly on day 29 of Feb (months without day 29 are skipped)"
