"""The plausibility band of a mark: wide enough for any staff member, narrow enough for a slipped digit."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scheduling.marks import COUNT, DISTANCE, HEIGHT, TIME, parse_mark
from scheduling.plausibility import Band, band, fastest_seconds, race_distance


@pytest.mark.parametrize(
    ("name", "race"),
    [("男子100米", (1, 100)), ("女子1500米", (1, 1500)), ("男子4×100米接力", (4, 100)), ("女子4x50米接力", (4, 50)),
     ("５０米托球跑", (1, 50)), ("齐心协力(8人)", None), ("踢毽(男)", None)],
)
def test_the_distance_is_read_from_the_event_name(name: str, race: tuple[int, int] | None) -> None:
    assert race_distance(name) == race


@pytest.mark.parametrize(
    ("typed", "plausible"),
    [("0.50", False), ("9.40", False), ("9.58", True), ("12.35", True), ("1:30.00", True), ("99999", False), ("6:00.00", False)],
)
def test_a_100m_refuses_what_no_one_runs(typed: str, plausible: bool) -> None:
    value = parse_mark(typed, TIME).value
    assert value is not None
    assert band(TIME, "男子100米").holds(value) is plausible  # type: ignore[union-attr]


def test_world_records_are_inside_and_a_dropped_digit_is_outside() -> None:
    # men's world records: 100 m 9.58, 1500 m 3:26.00, 10000 m 26:11.00, 4×100 m relay 36.84
    for name, record in (("100米", 9_580), ("1500米", 206_000), ("10000米", 1_571_000), ("4×100米接力", 36_840)):
        b = band(TIME, name)
        assert b is not None and b.holds(record) and not b.holds(record // 10), name
    assert not band(TIME, "女子1500米").holds(parse_mark("1:05.00", TIME).value)  # type: ignore[arg-type,union-attr]


def test_without_a_distance_the_record_bounds_and_without_a_record_the_kind() -> None:
    assert band(TIME, "齐心协力", record=25_000) == Band(12_500, 250_000, "按大会纪录")
    assert band(DISTANCE, "立定跳远", record=250) == Band(25, 375, "按大会纪录")
    assert band(COUNT, "踢毽", record=80) == Band(0, 240, "按大会纪录")
    assert band(HEIGHT, "跳高") == Band(30, 300, "按成绩类型")
    assert band(TIME, "齐心协力").holds(45_000)  # type: ignore[union-attr]


@given(metres=st.integers(10, 50_000), legs=st.integers(1, 8))
def test_a_race_band_is_ordered_and_holds_a_brisk_staff_pace(metres: int, legs: int) -> None:
    b = band(TIME, f"{legs}×{metres}米" if legs > 1 else f"{metres}米")
    assert b is not None and 0 < b.low < b.high
    brisk = legs * metres / 5.0 * 1000  # 5 m/s: a fit staff runner, any distance
    assert b.holds(int(brisk))


@given(short=st.integers(10, 49_999), extra=st.integers(1, 10_000))
def test_a_longer_race_is_never_allowed_a_faster_pace_bound_per_metre(short: int, extra: int) -> None:
    long = min(short + extra, 50_000)
    assert fastest_seconds(long) / long >= fastest_seconds(short) / short


@given(record=st.integers(1, 10_000_000), value=st.integers(0, 100_000_000))
def test_a_record_band_holds_exactly_the_marks_between_its_ends(record: int, value: int) -> None:
    b = band(TIME, "齐心协力", record=record)
    assert b is not None
    assert b.holds(value) == (record // 2 <= value <= record * 10)


@pytest.mark.parametrize(("typed", "plausible"), [("123.5", False), ("1:35.00", True), ("1:41.00", False), ("12.35", True)])
def test_an_athletics_race_is_at_worst_walked_so_a_slipped_decimal_point_is_caught(typed: str, plausible: bool) -> None:
    value = parse_mark(typed, TIME).value
    assert value is not None
    assert band(TIME, "男子100米", athletics=True).holds(value) is plausible  # type: ignore[union-attr]
    assert band(TIME, "男子100米").holds(value)  # type: ignore[union-attr]  # a sack race may take that long


@given(metres=st.integers(100, 50_000), pace=st.floats(1.1, 9.5))
def test_an_athletics_time_holds_and_the_same_digits_with_the_point_slipped_do_not(metres: int, pace: float) -> None:
    assume(pace < metres / fastest_seconds(metres))  # no one outruns the band's fast end
    b = band(TIME, f"{metres}米", athletics=True)
    assert b is not None
    thousandths = int(metres / pace * 1000)
    assert b.holds(thousandths)
    assert not b.holds(thousandths * 10) and not b.holds(thousandths // 10)


@given(metres=st.integers(10, 50_000), legs=st.integers(1, 8))
def test_an_athletics_race_band_lies_inside_the_fun_race_band(metres: int, legs: int) -> None:
    name = f"{legs}×{metres}米" if legs > 1 else f"{metres}米"
    run, fun = band(TIME, name, athletics=True), band(TIME, name)
    assert run is not None and fun is not None
    assert fun.low == run.low < run.high < fun.high
