"""Standings and tie-breaks: each criterion among the tied only, restarting when a tie shrinks."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import DrawError
from scheduling.results import Played
from scheduling.standings import (
    BWF_TEAM,
    FIBA,
    FIDE_ROUND_ROBIN,
    ITTF,
    SWISS,
    TUG_OF_WAR,
    PointsScheme,
    Standing,
    TieBreakRules,
    rank,
)

A, B, C, D, E, F = 1, 2, 3, 4, 5, 6


def order(standings: list[Standing]) -> list[int]:
    return [s.entrant for s in standings]


def test_ittf_three_way_tie_is_resolved_by_the_game_ratio_among_the_three() -> None:
    records = [
        Played(A, B, winner=A, games=(3, 0)),
        Played(B, C, winner=B, games=(3, 1)),
        Played(C, A, winner=C, games=(3, 2)),
        Played(A, D, winner=A, games=(3, 0)),
        Played(B, D, winner=B, games=(3, 0)),
        Played(C, D, winner=C, games=(3, 0)),
    ]
    standings = rank([A, B, C, D], records, ITTF)
    # Among A, B, C: A 5:3, C 4:5, B 3:4. Over all matches B (6:4) would be ahead of C (7:5).
    assert order(standings) == [A, C, B, D]
    assert [s.match_points for s in standings] == [5, 5, 5, 3]
    assert standings[0].decided_by == "head_to_head_game_ratio"
    assert standings[0].games == (8, 3) and standings[0].won == 2 and standings[0].lost == 1


def test_fiba_two_way_tie_goes_to_the_winner_of_their_game_whatever_the_point_difference() -> None:
    records = [
        Played(A, B, winner=A, points=(60, 59)),
        Played(A, C, winner=C, points=(50, 80)),
        Played(A, D, winner=A, points=(60, 50)),
        Played(B, C, winner=B, points=(80, 50)),
        Played(B, D, winner=B, points=(70, 40)),
        Played(D, C, winner=D, points=(66, 65)),
    ]
    standings = rank([A, B, C, D], records, FIBA)
    assert order(standings) == [A, B, D, C]
    assert standings[0].points == (170, 189) and standings[1].points == (209, 150)
    assert standings[0].decided_by == "head_to_head"


def test_a_pair_split_off_a_four_way_tie_restarts_from_the_first_criterion() -> None:
    records = [
        Played(A, B, winner=A, games=(3, 2)),
        Played(A, C, winner=A, games=(3, 2)),
        Played(D, A, winner=D, games=(3, 0)),
        Played(B, C, winner=B, games=(3, 0)),
        Played(B, D, winner=B, games=(3, 0)),
        Played(C, D, winner=C, games=(3, 2)),
        Played(E, A, winner=E, games=(3, 0)),
        Played(E, B, winner=E, games=(3, 0)),
        Played(C, F, winner=C, games=(3, 0)),
        Played(D, F, winner=D, games=(3, 0)),
    ]
    standings = rank([A, B, C, D, E, F], records, ITTF)
    # Among the four, A and B have 5 points, C and D 4. Re-ranked from the top, A beat B and
    # C beat D; the game ratios among the four (B 8:3 over A 6:7, D 5:6 over C 5:8) would
    # have said the opposite.
    assert order(standings) == [A, B, C, D, E, F]
    assert [s.place for s in standings] == [1, 2, 3, 4, 5, 6]
    assert standings[0].decided_by == "head_to_head"


def test_lots_settle_a_complete_tie_the_same_way_for_the_same_seed() -> None:
    records = [
        Played(A, B, winner=A, games=(2, 1)),
        Played(B, C, winner=B, games=(2, 1)),
        Played(C, A, winner=C, games=(2, 1)),
    ]
    first = rank([A, B, C], records, ITTF, seed=2026)
    assert order(rank([C, B, A], records, ITTF, seed=2026)) == order(first)
    assert all(s.decided_by == "lots" for s in first)
    assert len({tuple(order(rank([A, B, C], records, ITTF, seed=s))) for s in range(20)}) > 1


def test_without_lots_a_complete_tie_shares_the_place() -> None:
    rules = TieBreakRules("仅积分", PointsScheme(win=2, loss=1), ("match_points",))
    records = [Played(A, B, winner=A), Played(B, C, winner=B), Played(C, A, winner=C), Played(A, D, winner=A)]
    assert [s.place for s in rank([A, B, C, D], records, rules)] == [1, 2, 2, 4]


def test_a_forfeit_earns_nothing_while_a_lost_match_earns_a_point() -> None:
    records = [Played(A, B, winner=A, games=(3, 1)), Played(C, D, winner=C, forfeited=(D,), games=(3, 0))]
    points = {s.entrant: s.match_points for s in rank([A, B, C, D], records, ITTF)}
    assert points == {A: 2, B: 1, C: 2, D: 0}


def test_a_double_forfeit_is_a_loss_for_both_and_not_a_draw() -> None:
    standings = rank([A, B], [Played(A, B, forfeited=(A, B))], FIDE_ROUND_ROBIN)
    assert [(s.match_points, s.lost, s.drawn) for s in standings] == [(0, 1, 0), (0, 1, 0)]


def test_fide_round_robin_goes_to_direct_encounter_then_number_of_wins() -> None:
    records = [
        Played(A, B),
        Played(A, C, winner=A),
        Played(D, A, winner=D),
        Played(B, C),
        Played(B, D),
        Played(D, C, winner=D),
    ]
    standings = rank([A, B, C, D], records, FIDE_ROUND_ROBIN)
    assert order(standings) == [D, A, B, C]
    assert [s.match_points for s in standings] == [2.5, 1.5, 1.5, 0.5]
    assert standings[1].decided_by == "wins"


def test_fide_direct_encounter_puts_the_winner_of_the_game_first() -> None:
    records = [
        Played(A, B, winner=A),
        Played(C, A, winner=C),
        Played(A, D, winner=A),
        Played(B, C, winner=B),
        Played(B, D, winner=B),
        Played(D, C, winner=D),
    ]
    standings = rank([A, B, C, D], records, FIDE_ROUND_ROBIN)
    assert order(standings) == [A, B, D, C]
    assert standings[0].decided_by == "head_to_head" and standings[2].decided_by == "head_to_head"


def test_swiss_standings_use_buchholz_cut_one_then_buchholz() -> None:
    records = [
        Played(A, B, winner=A),
        Played(C, D, winner=C),
        Played(E, F, winner=E),
        Played(A, C, winner=C),
        Played(E, B, winner=E),
        Played(D, F, winner=D),
    ]
    standings = rank([A, B, C, D, E, F], records, SWISS)
    assert order(standings)[:2] == [C, E]
    assert standings[0].decided_by == "buchholz_cut1"


def test_bwf_team_three_level_teams_go_by_rubber_difference() -> None:
    records = [
        Played(A, B, winner=A, rubbers=(2, 1), games=(4, 3)),
        Played(B, C, winner=B, rubbers=(2, 0), games=(4, 0)),
        Played(C, A, winner=C, rubbers=(2, 1), games=(4, 2)),
        Played(A, D, winner=A, rubbers=(2, 0), games=(4, 0)),
        Played(B, D, winner=B, rubbers=(2, 0), games=(4, 0)),
        Played(C, D, winner=C, rubbers=(2, 1), games=(4, 3)),
    ]
    # Rubbers: A 5:3 (+2), B 5:2 (+3), C 4:4 (0): the three-way tie goes by rubber difference.
    standings = rank([A, B, C, D], records, BWF_TEAM)
    assert order(standings) == [B, A, C, D]
    assert standings[0].decided_by == "rubber_difference"


def test_bwf_team_pair_left_level_is_decided_by_their_own_tie() -> None:
    records = [
        Played(A, B, winner=B, rubbers=(1, 2)),
        Played(A, C, winner=A, rubbers=(2, 0)),
        Played(B, C, winner=C, rubbers=(0, 2)),
        Played(A, D, winner=A, rubbers=(2, 0)),
        Played(B, D, winner=B, rubbers=(2, 0)),
        Played(C, D, winner=D, rubbers=(1, 2)),
    ]
    # A and B have two ties won each; A's rubbers are better, but B won their tie.
    standings = rank([A, B, C, D], records, BWF_TEAM)
    assert order(standings)[:2] == [B, A]
    assert standings[0].decided_by == "head_to_head_of_two"


def test_tug_of_war_gives_two_for_a_win_and_one_for_a_loss() -> None:
    standings = rank([A, B], [Played(A, B, winner=A, games=(2, 1))], TUG_OF_WAR)
    assert [(s.entrant, s.match_points) for s in standings] == [(A, 2), (B, 1)]


def test_unknown_criteria_and_strangers_are_refused() -> None:
    with pytest.raises(DrawError, match="未知的排名规则"):
        rank([A], [], TieBreakRules("x", PointsScheme(win=1, loss=0), ("match_points", "charm")))
    with pytest.raises(DrawError, match="不在本组"):
        rank([A, B], [Played(A, C, winner=A)], ITTF)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 8), st.integers(0, 10_000), st.sampled_from([ITTF, FIBA, FIDE_ROUND_ROBIN, BWF_TEAM]))
def test_places_follow_match_points_and_lots_leave_no_shared_place(n: int, seed: int, rules: TieBreakRules) -> None:
    chance = random.Random(seed)
    ids = list(range(1, n + 1))
    records = []
    for i in ids:
        for j in ids[i:]:
            a_games = chance.randint(0, 3)
            winner = i if a_games == 3 else j
            b_games = 3 if winner == j else chance.randint(0, 2)
            points = (chance.randint(0, 99), chance.randint(0, 99))
            records.append(Played(i, j, winner=winner, games=(a_games, b_games), points=points))
    standings = rank(ids, records, rules, seed=seed)
    assert sorted(s.entrant for s in standings) == ids
    assert [s.place for s in standings] == list(range(1, n + 1))
    points = [s.match_points for s in standings]
    assert points == sorted(points, reverse=True)
