"""Marks: reading times, distances and counts as people type them, and printing them back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.marks import (
    COUNT,
    DISTANCE,
    HAND_TIME,
    HEIGHT,
    TIME,
    Mark,
    MarkError,
    Measure,
    format_mark,
    parse_mark,
    sort_key,
    status_mark,
    time_mark,
)

FAST = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    "typed",
    ["11.23", '11"23', "11″23", "１１．２３", " 11 . 23 ", "11秒23", "11.23s", "11。23", "11.221"],
)
def test_a_sprint_time_is_read_however_it_is_written(typed: str) -> None:
    assert parse_mark(typed).value == 11230


@pytest.mark.parametrize(
    ("typed", "thousandths"),
    [
        ("4:05.67", 245_670),
        ("4'05\"67", 245_670),
        ("4′05″67", 245_670),
        ("４：０５．６７", 245_670),
        ("4分05秒67", 245_670),
        ("4:05", 245_000),
        ("4'05\"", 245_000),
        ("1:02:03.4", 3_723_400),
        ("1时02分03秒4", 3_723_400),
        ("58", 58_000),
    ],
)
def test_minutes_and_hours_are_read_in_every_usual_notation(typed: str, thousandths: int) -> None:
    assert parse_mark(typed).value == thousandths


def test_hand_times_are_rounded_up_to_the_tenth_and_electronic_ones_to_the_hundredth() -> None:
    assert parse_mark("10.11", HAND_TIME).value == 10_200
    assert parse_mark("10.10", HAND_TIME).value == 10_100
    assert parse_mark("10.111", TIME).value == 10_120
    assert parse_mark("10.110", TIME).value == 10_110
    assert format_mark(parse_mark("10.11", HAND_TIME)) == "10.2"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("4:65.2", "成绩「4:65.2」无法识别:秒数不能超过 59"),
        ("1:60:00", "分钟数不能超过 59"),
        ("11.2345", "千分秒"),
        ("abc", "成绩「abc」无法识别"),
        ("11..2", "无法识别"),
        ("0", "不能为零"),
        ("", "不能为空"),
    ],
)
def test_an_unreadable_time_is_refused_naming_what_was_typed(typed: str, why: str) -> None:
    with pytest.raises(MarkError, match=why):
        parse_mark(typed)


@pytest.mark.parametrize("typed", ["5.23", "5.23m", "5.23 米", "523cm", "523 厘米", "5230mm", "５．２３米", "5.238", "523"])
def test_a_distance_is_read_in_metres_or_centimetres_and_measured_down(typed: str) -> None:
    assert parse_mark(typed, DISTANCE).value == 523


def test_counts_are_whole_numbers() -> None:
    assert parse_mark("36", COUNT).value == 36
    assert parse_mark("３６次", COUNT).value == 36
    with pytest.raises(MarkError, match="成绩「3.5」无法识别:应为整数"):
        parse_mark("3.5", COUNT)
    with pytest.raises(MarkError, match="成绩「-2」无法识别:不能为负数"):  # an integer, but no count is below zero
        parse_mark("-2", COUNT)


@pytest.mark.parametrize(
    ("typed", "status", "label"),
    [("DNS", "DNS", "未出发"), ("dnf", "DNF", "未完成"), ("犯规", "DQ", "犯规"), ("未出发", "DNS", "未出发")],
)
def test_statuses_are_read_in_english_or_chinese_and_printed_in_chinese(typed: str, status: str, label: str) -> None:
    mark = parse_mark(typed)
    assert mark.status == status and not mark.valid
    assert format_mark(mark) == label


def test_marks_print_as_a_results_sheet_shows_them() -> None:
    assert format_mark(parse_mark("11.23")) == "11.23"
    assert format_mark(parse_mark("4:05.67")) == "4:05.67"
    assert format_mark(parse_mark("1:02:03.4", HAND_TIME)) == "1:02:03.4"
    assert format_mark(parse_mark("62.5")) == "1:02.50"
    assert format_mark(parse_mark("523cm", DISTANCE)) == "5.23 米"
    assert format_mark(parse_mark("1.85", HEIGHT), with_unit=False) == "1.85"


def test_times_sort_lower_first_distances_higher_first_and_statuses_after_every_mark() -> None:
    times = [parse_mark(t) for t in ("DNS", "12.00", "DQ", "11.50", "DNF")]
    assert [format_mark(m) for m in sorted(times, key=sort_key)] == ["11.50", "12.00", "犯规", "未完成", "未出发"]
    jumps = [parse_mark(t, DISTANCE) for t in ("NM", "4.80", "5.10")]
    assert [format_mark(m) for m in sorted(jumps, key=sort_key)] == ["5.10 米", "4.80 米", "无有效成绩"]


def test_an_event_can_turn_the_direction_round() -> None:
    fewest = Measure("count", lower_is_better=True)
    assert sort_key(parse_mark("3", fewest)) < sort_key(parse_mark("5", fewest))


def marks() -> st.SearchStrategy[Mark]:
    times = st.builds(time_mark, st.integers(1, 5 * 3600 * 1000), st.sampled_from([TIME, HAND_TIME]))
    lengths = st.builds(lambda v, m: parse_mark(f"{v}cm", m), st.integers(1, 99_999), st.sampled_from([DISTANCE, HEIGHT]))
    counts = st.builds(lambda v: parse_mark(str(v), COUNT), st.integers(0, 10_000))
    statuses = st.builds(status_mark, st.sampled_from(["DNS", "DNF", "DQ", "NM"]), st.sampled_from([TIME, DISTANCE]))
    return st.one_of(times, lengths, counts, statuses)


@FAST
@given(marks())
def test_a_printed_mark_reads_back_as_the_same_mark(mark: Mark) -> None:
    assert parse_mark(format_mark(mark), mark.measure) == mark


@FAST
@given(st.integers(1, 3 * 3600 * 1000), st.sampled_from([TIME, HAND_TIME]))
def test_rounding_never_makes_a_time_faster_and_adds_less_than_one_step(raw: int, measure: Measure) -> None:
    step = 100 if measure.timing == "hand" else 10
    assert 0 <= time_mark(raw, measure).value - raw < step  # type: ignore[operator]
