"""Ranking marks: shared places, statuses last, and Q/q qualification from heats."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.heats import Competitor, draw_heats
from scheduling.marks import DISTANCE, Mark, format_mark, parse_mark, sort_key, status_mark, time_mark
from scheduling.qualification import QualifyRule, advance_order, qualify
from scheduling.ranking import Performance, rank

FAST = settings(max_examples=200, deadline=None)


def times(*typed: str, heat: int | None = None, first_id: int = 1) -> list[Performance]:
    return [Performance(first_id + i, parse_mark(t), heat) for i, t in enumerate(typed)]


def test_equal_times_share_a_place_and_the_next_place_is_skipped() -> None:
    placings = rank(times("11.50", "11.23", "11.50", "11.80", "DNF", "11.10"))
    assert [(p.entrant, p.place, p.tied) for p in placings] == [
        (6, 1, False),
        (2, 2, False),
        (1, 3, True),
        (3, 3, True),
        (4, 5, False),
        (5, None, False),
    ]


def test_longer_jumps_rank_first_and_no_valid_attempt_is_unplaced() -> None:
    jumps = [Performance(i + 1, parse_mark(t, DISTANCE)) for i, t in enumerate(["4.80", "NM", "5.10", "5.10"])]
    assert [(p.entrant, p.place) for p in rank(jumps)] == [(3, 1), (4, 1), (1, 3), (2, None)]


def test_statuses_list_disqualified_then_did_not_finish_then_did_not_start() -> None:
    placings = rank(times("DNS", "DNF", "DQ", "12.00"))
    assert [format_mark(p.mark) for p in placings] == ["12.00", "犯规", "未完成", "未出发"]
    assert [p.place for p in placings] == [1, None, None, None]


def test_top_three_of_each_heat_and_the_two_fastest_others_go_through() -> None:
    heat1 = times("11.0", "11.2", "11.4", "11.5", "11.9", heat=1)
    heat2 = times("11.1", "11.3", "11.6", "11.45", "DNF", heat=2, first_id=11)
    result = qualify(heat1 + heat2, QualifyRule(by_place=3, by_time=2))
    marks = {p.entrant: p.qualified for p in result.placings}
    assert [e for e, q in marks.items() if q == "Q"] == [1, 2, 3, 11, 12, 14]
    assert sorted(e for e, q in marks.items() if q == "q") == [4, 13]
    assert result.ties == ()
    assert advance_order(result) == [1, 11, 2, 12, 3, 14, 4, 13]


def test_a_tie_for_the_last_time_place_is_reported_not_decided() -> None:
    heat1 = times("11.0", "11.5", heat=1)
    heat2 = times("11.1", "11.5", heat=2, first_id=11)
    result = qualify(heat1 + heat2, QualifyRule(by_place=1, by_time=1))
    assert result.qualified() == [1, 11]
    (tie,) = result.ties
    assert (tie.kind, tie.entrants, tie.places) == ("q", (2, 12), 1)
    assert "并列" in tie.describe()


def test_a_tie_for_the_last_place_in_a_heat_is_reported_and_kept_out_of_the_time_places() -> None:
    result = qualify(times("11.0", "11.2", "11.2", "11.3", heat=1), QualifyRule(by_place=2, by_time=1))
    assert result.qualified() == [1, 4]
    (tie,) = result.ties
    assert (tie.kind, tie.heat, tie.entrants, tie.places) == ("Q", 1, (2, 3), 1)


marks_strategy = st.one_of(
    st.integers(9_000, 13_000).map(lambda v: time_mark(v)),
    st.sampled_from(["DNS", "DNF", "DQ"]).map(lambda s: status_mark(s)),  # type: ignore[arg-type]
)


@FAST
@given(st.lists(marks_strategy, max_size=60))
def test_places_agree_with_marks_and_ties_share_a_place(marks: list[Mark]) -> None:
    placings = rank(Performance(i, m) for i, m in enumerate(marks))
    assert sorted(p.entrant for p in placings) == list(range(len(marks)))
    valid = [p for p in placings if p.place is not None]
    assert all(p.place is None for p in placings[len(valid) :])
    for i, p in enumerate(valid):
        better = sum(1 for q in valid if sort_key(q.mark) < sort_key(p.mark))
        assert p.place == better + 1
        if i:
            before = valid[i - 1]
            assert (before.place == p.place) == (before.mark.value == p.mark.value)
    shared = Counter(p.place for p in valid)
    assert all(p.tied == (shared[p.place] > 1) for p in valid)


@FAST
@given(
    st.integers(2, 48),
    st.integers(0, 4),
    st.integers(0, 6),
    st.integers(0, 2**32),
    st.lists(st.integers(10_000, 10_400), min_size=48, max_size=48),
)
def test_q_and_q_fill_exactly_the_places_on_offer_counting_reported_ties(
    n: int, by_place: int, by_time: int, seed: int, raw: list[int]
) -> None:
    draw = draw_heats([Competitor(i) for i in range(n)], lanes=8, method="random", seed=seed)
    performances = [Performance(s.entrant, time_mark(raw[s.entrant] // 50 * 50), h.number) for h in draw.heats for s in h.slots]
    result = qualify(performances, QualifyRule(by_place, by_time))
    heats = len(draw.heats)
    on_offer = min(n, heats * min(by_place, min(len(h.slots) for h in draw.heats)) + by_time)
    filled = len(result.qualified()) + sum(t.places for t in result.ties)
    if all(len(h.slots) >= by_place for h in draw.heats):
        assert filled == min(n, heats * by_place + by_time)
    else:
        assert filled <= n and filled >= on_offer - by_time
    for h in draw.heats:
        in_heat = [p for p in result.placings if p.heat == h.number and p.qualified == "Q"]
        assert all((p.place or 0) <= by_place for p in in_heat)
        assert len(in_heat) <= by_place or all(p.tied for p in in_heat if p.place == by_place)
    best_q = [p for p in result.placings if p.qualified == "q"]
    rest = [p for p in result.placings if p.qualified is None and not any(p.entrant in t.entrants for t in result.ties)]
    if best_q and rest:
        assert max(sort_key(p.mark) for p in best_q) < min(sort_key(p.mark) for p in rest)


def test_time_places_nobody_else_can_take_settle_a_tie_for_a_heat_place() -> None:
    result = qualify(times("11.2", "11.2", heat=1), QualifyRule(by_place=1, by_time=1))
    assert sorted(result.qualified()) == [1, 2]
    assert result.ties == ()
