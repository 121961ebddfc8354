"""Recurring items as a rule plus overrides, and lunar dates (scheduling/recurrence.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from scheduling.recurrence import (
    PRESETS,
    Occurrence,
    Override,
    expand,
    lunar_dates,
    lunar_to_solar,
    validate_rule,
)

RULES = [*PRESETS.values(), "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=MONTHLY;COUNT=7",
         "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20280101T000000"]
BASE = datetime(2027, 1, 1)

minutes = st.integers(min_value=0, max_value=60 * 24 * 365 * 2)
moments = minutes.map(lambda m: BASE + timedelta(minutes=m))
durations = st.sampled_from([0, 30, 90, 120, 24 * 60, 3 * 24 * 60]).map(lambda m: timedelta(minutes=m))


def overlaps(o: Occurrence, start: datetime, end: datetime) -> bool:
    if o.start == o.end:
        return start <= o.start < end
    return o.start < end and o.end > start


@st.composite
def recurring(draw):
    rule = draw(st.sampled_from(RULES))
    dtstart = draw(moments).replace(second=0, microsecond=0)
    duration = draw(durations)
    # overrides on real occurrences of the rule
    from dateutil.rrule import rrulestr

    originals = list(rrulestr(rule, dtstart=dtstart).xafter(dtstart, count=40, inc=True))
    chosen = draw(st.lists(st.sampled_from(originals), unique=True, max_size=8)) if originals else []
    overrides = []
    for original in chosen:
        cancelled = draw(st.booleans())
        shift = draw(st.one_of(st.none(), st.integers(min_value=-200 * 24 * 60, max_value=200 * 24 * 60)))
        start = None if shift is None else original + timedelta(minutes=shift)
        overrides.append(Override(original, cancelled=cancelled, start=start))
    return rule, dtstart, duration, tuple(overrides)


windows = st.tuples(moments, st.integers(min_value=1, max_value=60 * 24 * 400)).map(
    lambda t: (t[0], t[0] + timedelta(minutes=t[1]))
)


@settings(max_examples=150, deadline=None)
@given(recurring(), windows)
def test_occurrences_are_sorted_and_each_overlaps_the_window(case, window) -> None:
    rule, dtstart, duration, overrides = case
    start, end = window
    result = expand(rule, dtstart, duration, start, end, overrides)
    assert [(o.start, o.original_start) for o in result] == sorted((o.start, o.original_start) for o in result)
    assert all(overlaps(o, start, end) for o in result)
    assert len({o.original_start for o in result}) == len(result)


@settings(max_examples=150, deadline=None)
@given(recurring(), windows)
def test_cancelled_are_kept_flagged_and_moved_appear_once_at_the_new_time_only(case, window) -> None:
    rule, dtstart, duration, overrides = case
    start, end = window
    result = expand(rule, dtstart, duration, start, end, overrides)
    by_original = {o.original_start: o for o in result}
    for override in overrides:
        new_start = override.start if override.start is not None else override.original_start
        new_end = new_start + duration
        shown = by_original.get(override.original_start)
        expected_visible = overlaps(Occurrence(override.original_start, new_start, new_end, False, False), start, end)
        assert (shown is not None) == expected_visible
        if shown is not None:
            assert shown.cancelled == override.cancelled
            assert shown.start == new_start
            assert shown.moved == (new_start != override.original_start)
    overridden = {o.original_start for o in overrides}
    for occurrence in result:
        if occurrence.original_start not in overridden:
            assert occurrence.start == occurrence.original_start and not occurrence.moved
            assert not occurrence.cancelled


@settings(max_examples=150, deadline=None)
@given(recurring(), windows, st.floats(min_value=0.0, max_value=1.0))
def test_a_window_is_the_union_of_its_halves(case, window, fraction) -> None:
    rule, dtstart, duration, overrides = case
    start, end = window
    middle = start + (end - start) * fraction
    whole = expand(rule, dtstart, duration, start, end, overrides)
    halves = {o.original_start: o for o in expand(rule, dtstart, duration, start, middle, overrides)}
    halves.update({o.original_start: o for o in expand(rule, dtstart, duration, middle, end, overrides)})
    assert whole == sorted(halves.values(), key=lambda o: (o.start, o.original_start))


REFERENCE_RULES = [*RULES, "FREQ=DAILY", "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,SA", "FREQ=MONTHLY;BYMONTHDAY=31",
                   "FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE", "FREQ=YEARLY;INTERVAL=2", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
                   "FREQ=MONTHLY;INTERVAL=5;UNTIL=20300101T000000", "FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,MO",
                   # fixed steps, computed without dateutil's walk
                   "FREQ=DAILY;COUNT=400", "FREQ=WEEKLY;COUNT=90", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20250615",
                   "FREQ=DAILY;INTERVAL=9;UNTIL=20261231T093000", "RRULE:FREQ=WEEKLY;INTERVAL=4"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REFERENCE_RULES), st.integers(min_value=0, max_value=60 * 24 * 365 * 6), durations, windows)
def test_occurrences_equal_dateutils_own_walk_from_the_first_start(rule, offset, duration, window) -> None:
    """Starting the walk later (a speed-up) never changes which occurrences a window gets."""
    from dateutil.rrule import rrulestr

    dtstart = datetime(2021, 1, 1, 9, 30) + timedelta(minutes=offset)
    start, end = window
    start, end = start + timedelta(days=365 * 3), end + timedelta(days=365 * 3)
    reference = [o for o in rrulestr(rule, dtstart=dtstart).between(start - duration, end, inc=True)
                 if overlaps(Occurrence(o, o, o + duration, False, False), start, end)]
    assert [o.start for o in expand(rule, dtstart, duration, start, end)] == reference


def test_a_move_into_the_window_from_outside_is_included_and_the_old_time_is_empty() -> None:
    first = datetime(2027, 1, 15, 9, 0)
    march = datetime(2027, 3, 15, 9, 0)
    moved_to = datetime(2027, 2, 20, 14, 30)
    result = expand("FREQ=MONTHLY", first, timedelta(hours=2), datetime(2027, 2, 1), datetime(2027, 3, 1),
                    [Override(march, start=moved_to)])
    assert [(o.original_start, o.start, o.moved) for o in result] == [
        (datetime(2027, 2, 15, 9, 0), datetime(2027, 2, 15, 9, 0), False),
        (march, moved_to, True),
    ]
    assert expand("FREQ=MONTHLY", first, timedelta(hours=2), datetime(2027, 3, 1), datetime(2027, 4, 1),
                  [Override(march, start=moved_to)]) == []


def test_quarterly_meetings_over_a_year_with_one_cancelled() -> None:
    first = datetime(2027, 1, 20, 9, 0)
    result = expand(PRESETS["quarterly"], first, timedelta(hours=2), datetime(2027, 1, 1), datetime(2028, 1, 1),
                    [Override(datetime(2027, 7, 20, 9, 0), cancelled=True)])
    assert [o.start.month for o in result] == [1, 4, 7, 10]
    assert [o.cancelled for o in result] == [False, False, True, False]


def test_overrides_for_times_the_rule_never_has_are_ignored() -> None:
    stale = Override(datetime(2027, 2, 16, 9, 0), start=datetime(2027, 2, 18, 9, 0))
    result = expand("FREQ=MONTHLY", datetime(2027, 1, 15, 9, 0), timedelta(hours=1),
                    datetime(2027, 2, 1), datetime(2027, 3, 1), [stale])
    assert [o.start for o in result] == [datetime(2027, 2, 15, 9, 0)]


def test_an_occurrence_that_started_before_the_window_but_runs_into_it_is_included() -> None:
    result = expand("FREQ=WEEKLY", datetime(2027, 1, 4, 22, 0), timedelta(hours=4),
                    datetime(2027, 1, 12), datetime(2027, 1, 13))
    assert [o.start for o in result] == [datetime(2027, 1, 11, 22, 0)]


def test_negative_duration_and_bad_rules_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="结束时间"):
        expand("FREQ=MONTHLY", BASE, timedelta(minutes=-1), BASE, BASE + timedelta(days=9))
    with pytest.raises(ValueError, match="重复"):
        expand("FREQ=SECONDLY", BASE, timedelta(0), BASE, BASE + timedelta(days=9))


@pytest.mark.parametrize("rule", [*PRESETS.values(), "RRULE:FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8"])
def test_good_rules_pass(rule: str) -> None:
    assert validate_rule(rule) is None


@pytest.mark.parametrize(
    "rule",
    ["", "FREQ=SOMETIMES", "FREQ=MINUTELY", "FREQ=HOURLY", "DTSTART:20270101T090000\nRRULE:FREQ=DAILY",
     "FREQ=MONTHLY;INTERVAL=0", "FREQ=MONTHLY;UNTIL=20270101T000000Z", "每月一次", "FREQ=MONTHLY;BYDAY=XX"],
)
def test_bad_rules_get_a_chinese_message(rule: str) -> None:
    message = validate_rule(rule)
    assert message is not None
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


# ---- lunar dates ----


def test_known_spring_festivals() -> None:
    assert lunar_to_solar(2027, 1, 1) == date(2027, 2, 6)
    assert lunar_to_solar(2026, 1, 1) == date(2026, 2, 17)
    assert lunar_to_solar(2028, 1, 1) == date(2028, 1, 26)
    assert lunar_to_solar(2027, 8, 15) == date(2027, 9, 15)  # 中秋


def test_day_30_missing_that_year_falls_back_to_day_29() -> None:
    # find a year whose twelfth month has 29 days: 除夕 is then 腊月廿九
    for year in range(2020, 2040):
        try:
            LunarDate(year, 12, 30).to_solar_date()
        except ValueError:
            assert lunar_to_solar(year, 12, 30) == lunar_to_solar(year, 12, 29)
            assert lunar_to_solar(year, 12, 30) + timedelta(days=1) == lunar_to_solar(year + 1, 1, 1)
            return
    pytest.fail("no 29-day twelfth month found")


def test_a_missing_leap_month_falls_back_to_the_ordinary_month() -> None:
    assert LunarDate.leap_month_for_year(2025) == 6
    assert lunar_to_solar(2025, 6, 10, leap=True) == LunarDate(2025, 6, 10, True).to_solar_date()
    assert lunar_to_solar(2025, 6, 10, leap=True) != lunar_to_solar(2025, 6, 10)
    assert LunarDate.leap_month_for_year(2027) != 6
    assert lunar_to_solar(2027, 6, 10, leap=True) == lunar_to_solar(2027, 6, 10)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1901, max_value=2098), st.integers(min_value=1, max_value=12),
       st.integers(min_value=1, max_value=30), st.booleans())
def test_round_trip_through_from_solar_date(year, month, day, leap) -> None:
    solar = lunar_to_solar(year, month, day, leap)
    back = LunarDate.from_solar_date(solar.year, solar.month, solar.day)
    real_leap = leap and LunarDate.leap_month_for_year(year) == month
    assert (back.year, back.month, back.is_leap_month) == (year, month, real_leap)
    assert back.day in (day, 29) and (back.day == day or day == 30)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=30), st.booleans(),
       st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 1, 1)), st.integers(min_value=0, max_value=3000))
def test_lunar_dates_lie_in_the_window_once_a_year_and_map_back(month, day, leap, start, days) -> None:
    end = start + timedelta(days=days)
    found = lunar_dates(month, day, leap, start, end)
    assert found == sorted(found)
    assert all(start <= d < end for d in found)
    lunar_years = [LunarDate.from_solar_date(d.year, d.month, d.day).year for d in found]
    assert len(set(lunar_years)) == len(lunar_years)
    for d in found:
        back = LunarDate.from_solar_date(d.year, d.month, d.day)
        assert back.month == month and back.day in (day, 29)
    # no lunar year whose date lies in the window is missed
    for year in range(max(1900, start.year - 1), min(2099, end.year) + 1):
        solar = lunar_to_solar(year, month, day, leap)
        assert (start <= solar < end) == (solar in found)


def test_lunar_birthday_dates_in_2027() -> None:
    assert lunar_dates(1, 1, False, date(2027, 1, 1), date(2028, 1, 1)) == [date(2027, 2, 6)]
    assert lunar_dates(1, 1, False, date(2027, 1, 1), date(2029, 1, 1)) == [date(2027, 2, 6), date(2028, 1, 26)]


def test_lunar_years_outside_the_table_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="农历年份"):
        lunar_to_solar(2100, 1, 1)
    with pytest.raises(ValueError, match="农历月份"):
        lunar_to_solar(2027, 13, 1)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["FREQ=WEEKLY", "FREQ=DAILY;INTERVAL=3;COUNT=50", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20280101"]),
       st.integers(min_value=0, max_value=59), st.integers(min_value=0, max_value=999_999), recurring(), windows)
def test_fixed_step_rules_match_dateutil_with_seconds_and_moves(rule, second, micro, case, window) -> None:
    """A start with seconds and microseconds (dateutil drops the microseconds) and overrides moving
    occurrences in and out of the window give the same occurrences as dateutil's own walk."""
    from dateutil.rrule import rrulestr

    _, dtstart, duration, _ = case
    dtstart = dtstart.replace(second=second, microsecond=micro)
    walk = rrulestr(rule, dtstart=dtstart)
    originals = list(walk.xafter(dtstart, count=30, inc=True))
    overrides = [Override(o, start=o + timedelta(days=(n * 37) % 300 - 150)) for n, o in enumerate(originals[::4])]
    overrides.append(Override(dtstart + timedelta(minutes=1), start=window[0]))  # not an occurrence: ignored
    start, end = window
    got = expand(rule, dtstart, duration, start, end, overrides)
    moved = {o.original_start: o.start for o in overrides}
    reference = []
    for original in walk.between(start - duration - timedelta(days=400), end + timedelta(days=400), inc=True):
        begin = moved.get(original, original)
        if overlaps(Occurrence(original, begin, begin + duration, False, False), start, end):
            reference.append((begin, original))
    assert [(o.start, o.original_start) for o in got] == sorted(reference)
