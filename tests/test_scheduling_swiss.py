"""Swiss pairing and its tie-breaks."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import DrawError
from scheduling.results import Played
from scheduling.swiss import (
    PlayedRound,
    buchholz,
    buchholz_cut1,
    pair_next_round,
    points,
    sonneborn_berger,
)


def play(ranking: list[int], rounds: int, chance: random.Random, draws: bool = True) -> list[PlayedRound]:
    history: list[PlayedRound] = []
    for _ in range(rounds):
        rnd = pair_next_round(ranking, history)
        games = []
        for p in rnd.pairings:
            outcomes = [p.home, p.away, None] if draws else [p.home, p.away]
            games.append(Played(p.home, p.away, winner=chance.choice(outcomes)))
        history.append(PlayedRound(tuple(games), (rnd.bye,) if rnd.bye is not None else ()))
    return history


def swiss_fields() -> st.SearchStrategy[tuple[int, int]]:
    # At most half as many rounds as players, as Swiss events are played: beyond that the
    # games not yet played may no longer split into pairs at all (a round robin's job).
    return st.integers(4, 24).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, min(n // 2, 7))))


SWISS = settings(max_examples=120, deadline=None)


@SWISS
@given(swiss_fields(), st.integers(0, 10_000))
def test_nobody_meets_the_same_opponent_twice(field: tuple[int, int], seed: int) -> None:
    n, rounds = field
    history = play(list(range(1, n + 1)), rounds, random.Random(seed))
    meetings = Counter(frozenset((g.a, g.b)) for r in history for g in r.games)
    assert set(meetings.values()) == {1}


@SWISS
@given(swiss_fields(), st.integers(0, 10_000))
def test_each_round_seats_everyone_once_with_one_bye_when_odd(field: tuple[int, int], seed: int) -> None:
    n, rounds = field
    for rnd in play(list(range(1, n + 1)), rounds, random.Random(seed)):
        seated = [x for g in rnd.games for x in (g.a, g.b)] + list(rnd.byes)
        assert sorted(seated) == list(range(1, n + 1))
        assert len(rnd.byes) == n % 2


@SWISS
@given(swiss_fields(), st.integers(0, 10_000))
def test_nobody_gets_a_second_bye_while_others_have_none(field: tuple[int, int], seed: int) -> None:
    n, rounds = field
    byes = Counter(x for r in play(list(range(1, n + 1)), rounds, random.Random(seed)) for x in r.byes)
    assert all(count == 1 for count in byes.values())


@SWISS
@given(swiss_fields(), st.integers(0, 10_000))
def test_colours_stay_within_two_and_never_three_in_a_row(field: tuple[int, int], seed: int) -> None:
    n, rounds = field
    colours: dict[int, str] = {x: "" for x in range(1, n + 1)}
    for rnd in play(list(range(1, n + 1)), rounds, random.Random(seed)):
        for g in rnd.games:
            colours[g.a] += "W"
            colours[g.b] += "B"
    for history in colours.values():
        assert abs(history.count("W") - history.count("B")) <= 2
        assert "WWW" not in history and "BBB" not in history


def test_round_one_pairs_top_half_against_bottom_half_with_alternating_colours() -> None:
    first = pair_next_round([1, 2, 3, 4, 5, 6, 7, 8], [], top_board_white=True)
    assert [(p.home, p.away) for p in first.pairings] == [(1, 5), (6, 2), (3, 7), (8, 4)]


def test_round_one_bye_goes_to_the_lowest_ranked() -> None:
    assert pair_next_round([1, 2, 3, 4, 5], []).bye == 5


def test_the_bye_passes_to_the_lowest_ranked_player_without_one() -> None:
    history = [PlayedRound((Played(1, 3, winner=1), Played(4, 2, winner=2)), byes=(5,))]
    assert pair_next_round([1, 2, 3, 4, 5], history).bye == 4  # 4 and 3 have no points; 4 ranks lower


def test_winners_meet_winners_in_round_two() -> None:
    ranking = list(range(1, 9))
    first = pair_next_round(ranking, [])
    games = tuple(Played(p.home, p.away, winner=min(p.home, p.away)) for p in first.pairings)
    second = pair_next_round(ranking, [PlayedRound(games)])
    winners = {1, 2, 3, 4}
    for p in second.pairings:
        assert (p.home in winners) == (p.away in winners)
    assert {frozenset((p.home, p.away)) for p in second.pairings} >= {frozenset((1, 3)), frozenset((2, 4))}


def test_a_lone_leader_floats_down_to_the_best_of_the_next_score_group() -> None:
    history = [PlayedRound((Played(1, 2, winner=1), Played(3, 4), Played(5, 6), Played(7, 8)))]
    history.append(
        PlayedRound((Played(3, 1, winner=1), Played(2, 5), Played(6, 7, winner=6), Played(8, 4)))
    )
    scores = points(history)
    assert scores[1] == 2.0 and scores[6] == 1.5
    third = pair_next_round(list(range(1, 9)), history)
    board_one = third.pairings[0]
    assert {board_one.home, board_one.away} == {1, 6}


def test_pairing_is_impossible_when_everyone_has_met() -> None:
    history = [PlayedRound((Played(1, 2, winner=1),))]
    with pytest.raises(DrawError, match="没有不重复的对阵"):
        pair_next_round([1, 2], history)


def test_buchholz_cut_one_and_sonneborn_berger() -> None:
    games = [
        Played(1, 2, winner=1),
        Played(3, 1),  # draw
        Played(1, 4, winner=4),
        Played(2, 3, winner=2),
        Played(4, 2, winner=2),
        Played(3, 4, winner=3),
    ]
    scores = points([PlayedRound(tuple(games))])
    assert scores == {1: 1.5, 2: 2.0, 3: 1.5, 4: 1.0}
    assert buchholz(1, games, (), scores) == 2.0 + 1.5 + 1.0
    assert buchholz_cut1(1, games, (), scores) == 2.0 + 1.5
    assert sonneborn_berger(1, games, scores) == 2.0 + 0.5 * 1.5


def test_a_bye_counts_as_a_virtual_opponent_with_the_players_own_score() -> None:
    games = [Played(1, 2, winner=1)]
    scores = {1: 2.0, 2: 0.0}
    assert buchholz(1, games, byes=(1,), score=scores) == 0.0 + 2.0
    assert buchholz_cut1(1, games, byes=(1,), score=scores) == 2.0
    forfeited = [Played(1, 2, winner=1, forfeited=(2,))]
    assert buchholz(1, forfeited, (), {1: 1.0, 2: 0.0}) == 1.0
    assert sonneborn_berger(1, forfeited, {1: 1.0, 2: 0.0}) == 0.0


def test_results_naming_someone_outside_the_event_are_refused() -> None:
    with pytest.raises(DrawError, match="不在本项目"):
        pair_next_round([1, 2, 3, 4], [PlayedRound((Played(1, 9, winner=1),))])
