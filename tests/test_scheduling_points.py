"""Team points by place, shared points for ties, short fields, the medal table and team totals."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.marks import parse_mark, time_mark
from scheduling.points import (
    EventResult,
    PointsRules,
    event_points,
    medal_counts,
    medal_table,
    scored_places,
    team_table,
)
from scheduling.ranking import Performance, rank

FAST = settings(max_examples=200, deadline=None)


def event(event_id: int, typed: list[str], teams: list[int], team_event: bool = False) -> EventResult:
    placings = rank(Performance(i + 1, parse_mark(t)) for i, t in enumerate(typed))
    return EventResult(event_id, tuple(placings), {i + 1: t for i, t in enumerate(teams)}, team_event)


def test_the_first_six_score_seven_five_four_three_two_one() -> None:
    result = event(1, ["11.0", "11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7"], list(range(1, 9)))
    assert [(a.place, a.points) for a in event_points(result)] == [(1, 7), (2, 5), (3, 4), (4, 3), (5, 2), (6, 1)]


def test_two_tied_for_second_share_five_and_four_and_fourth_still_scores_three() -> None:
    result = event(1, ["11.0", "11.1", "11.1", "11.3", "11.4", "11.5", "11.6"], [1, 2, 3, 4, 5, 6, 7])
    assert [(a.entrant, a.place, a.points) for a in event_points(result)] == [
        (1, 1, 7), (2, 2, 4.5), (3, 2, 4.5), (4, 4, 3), (5, 5, 2), (6, 6, 1),
    ]


def test_a_relay_scores_double() -> None:
    result = event(1, ["50.1", "51.2", "52.3", "53.0", "54.0", "55.0", "56.0"], [1, 2, 3, 4, 5, 6, 7], team_event=True)
    assert [a.points for a in event_points(result)] == [14, 10, 8, 6, 4, 2]


def test_an_event_with_few_entrants_scores_one_place_fewer_than_it_has_entrants() -> None:
    result = event(1, ["11.0", "11.1", "11.2"], [1, 2, 3])
    assert [a.points for a in event_points(result)] == [7, 5]
    assert [a.points for a in event_points(result, PointsRules(short_field_reduction=None))] == [7, 5, 4]
    assert scored_places(PointsRules(), 20) == 6


def test_points_table_and_multiplier_are_settings() -> None:
    rules = PointsRules(points=(9, 7, 6, 5, 4, 3, 2, 1), team_event_multiplier=3)
    result = event(1, [f"11.{i}" for i in range(10)], list(range(10)), team_event=True)
    assert [a.points for a in event_points(result, rules)] == [27, 21, 18, 15, 12, 9, 6, 3]


def test_a_tie_for_gold_gives_two_golds_and_no_silver() -> None:
    result = event(1, ["11.0", "11.0", "11.2", "11.3"], [1, 2, 3, 3])
    assert medal_counts([result]) == {1: [1, 0, 0], 2: [1, 0, 0], 3: [0, 0, 1]}


def test_teams_level_on_points_are_ordered_by_more_golds_then_more_silvers() -> None:
    # Team 1: 7 + 1 = 8 points, one gold; team 2: 5 + 3 = 8, no gold; team 3: 4 + 4 = 8, no gold.
    one = event(1, ["10.0", "10.1", "10.2", "10.3", "10.4", "10.5", "10.6"], [1, 2, 3, 9, 9, 9, 9])
    two = event(2, ["10.0", "10.1", "10.2", "10.3", "10.4", "10.5", "10.6"], [9, 9, 3, 2, 9, 1, 9])
    table = team_table([one, two])
    assert [(r.team_id, r.points) for r in table][:4] == [(9, 20.0), (1, 8.0), (2, 8.0), (3, 8.0)]
    assert [r.place for r in table] == [1, 2, 3, 4]
    assert table[1].gold == 1 and table[2].silver == 1 and table[3].bronze == 2


def test_teams_level_on_everything_share_a_place_and_teams_that_scored_nothing_are_listed() -> None:
    one = event(1, ["10.0", "10.0", "10.2"], [1, 2, 3])
    table = team_table([one], teams=[4])
    # Team 3's third place scores nothing in a field of three, but still ranks it above team 4.
    assert [(r.place, r.team_id) for r in table] == [(1, 1), (1, 2), (3, 3), (4, 4)]
    assert {r.team_id: r.points for r in table} == {1: 6.0, 2: 6.0, 3: 0.0, 4: 0.0}
    assert [r.team_id for r in medal_table([one])] == [1, 2, 3]
    assert [r.place for r in medal_table([one])] == [1, 1, 3]


fields = st.lists(st.integers(10_000, 10_050).map(lambda v: v // 10 * 10), min_size=1, max_size=14)


def placings_of(raw: list[int], teams: int, event_id: int = 1) -> EventResult:
    placings = rank(Performance(i, time_mark(v)) for i, v in enumerate(raw))
    return EventResult(event_id, tuple(placings), {i: i % teams for i in range(len(raw))})


@FAST
@given(fields, st.integers(1, 5), st.booleans())
def test_a_tie_shares_exactly_the_points_of_the_places_it_covers(raw: list[int], teams: int, short: bool) -> None:
    rules = PointsRules(short_field_reduction=1 if short else None)
    result = placings_of(raw, teams)
    table = list(rules.points[: scored_places(rules, len(raw))])
    awards = event_points(result, rules)
    for place, sharers in Counter(p.place for p in result.placings).items():
        covered = sum(table[place - 1 : place - 1 + sharers])  # type: ignore[operator]
        got = [Fraction(a.points).limit_denominator(1000) for a in awards if a.place == place]
        assert sum(got) == covered
        assert len(set(got)) <= 1
    assert sum(Fraction(a.points).limit_denominator(1000) for a in awards) == sum(table[: len(raw)])


@FAST
@given(st.lists(fields, min_size=1, max_size=8), st.integers(1, 6))
def test_medal_counts_and_team_totals_add_up_over_the_meet(events: list[list[int]], teams: int) -> None:
    results = [placings_of(raw, teams, event_id=i) for i, raw in enumerate(events)]
    medals = medal_table(results)
    for k, column in enumerate(("gold", "silver", "bronze")):
        expected = sum(1 for r in results for p in r.placings if p.place == k + 1)
        assert sum(getattr(row, column) for row in medals) == expected
    table = team_table(results)
    all_points = sum(Fraction(a.points).limit_denominator(1000) for r in results for a in event_points(r))
    assert abs(sum(row.points for row in table) - float(all_points)) < 1e-9
    assert [row.points for row in table] == sorted((row.points for row in table), reverse=True)
    assert table[0].place == 1
    for before, after in zip(table, table[1:]):
        assert (after.place == before.place) == ((before.points, before.places) == (after.points, after.places))
