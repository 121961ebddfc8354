"""Knockout brackets: seed lines, byes, team separation and filling in the winners."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import DrawError, Entrant
from scheduling.knockout import (
    advance_winner,
    bracket_size,
    build_bracket,
    champion,
    clear_result,
    draw_lines,
    podium,
    seeded_lines,
    standard_order,
    team_clashes,
)

FAST = settings(max_examples=200, deadline=None)
fields = st.integers(min_value=2, max_value=130)


def meeting_round(lines: list[int | None], x: int, y: int) -> int:
    """The round in which x and y would meet if both kept winning."""
    i, j = lines.index(x), lines.index(y)
    r = 0
    while i != j:
        i, j, r = i // 2, j // 2, r + 1
    return r


def test_standard_order_for_sixteen() -> None:
    assert standard_order(16) == [1, 16, 8, 9, 4, 13, 5, 12, 2, 15, 7, 10, 3, 14, 6, 11]


@FAST
@given(fields)
def test_seeds_one_and_two_can_only_meet_in_the_final(n: int) -> None:
    lines = seeded_lines(list(range(1, n + 1)))
    rounds = bracket_size(n).bit_length() - 1
    assert meeting_round(lines, 1, 2) == rounds


@FAST
@given(fields)
def test_top_four_seeds_meet_in_the_semi_finals_at_the_earliest(n: int) -> None:
    lines = seeded_lines(list(range(1, n + 1)))
    rounds = bracket_size(n).bit_length() - 1
    for x, y in itertools.combinations(range(1, min(n, 4) + 1), 2):
        assert meeting_round(lines, x, y) >= rounds - 1


@FAST
@given(fields)
def test_every_entrant_once_and_byes_fill_up_to_the_next_power_of_two(n: int) -> None:
    lines = seeded_lines(list(range(1, n + 1)))
    size = bracket_size(n)
    assert size // 2 < n <= size
    assert lines.count(None) == size - n
    assert sorted(x for x in lines if x is not None) == list(range(1, n + 1))


@FAST
@given(fields)
def test_byes_go_to_the_top_seeds_and_never_meet_each_other(n: int) -> None:
    lines = seeded_lines(list(range(1, n + 1)))
    with_bye = {a if b is None else b for a, b in zip(lines[::2], lines[1::2]) if a is None or b is None}
    assert None not in with_bye
    assert with_bye == set(range(1, bracket_size(n) - n + 1))


@FAST
@given(fields, st.sampled_from(["match", "shared", "none"]), st.randoms(use_true_random=False))
def test_advancing_every_winner_leaves_one_champion(n: int, third: str, chance: random.Random) -> None:
    bracket = build_bracket(seeded_lines(list(range(1, n + 1))), third)  # type: ignore[arg-type]
    for match_id in range(1, len(bracket.matches) + 1):
        match = bracket.match(match_id)
        if match.bye:
            assert match.winner is not None
            continue
        assert match.a is not None and match.b is not None
        bracket = advance_winner(bracket, match_id, chance.choice([match.a, match.b]))
    winner = champion(bracket)
    assert winner is not None
    places = dict((x, p) for p, x in podium(bracket))
    assert places[winner] == 1
    assert Counter(places.values())[1] == 1 and Counter(places.values())[2] == 1
    thirds = Counter(places.values())[3]
    if n >= 4 and third == "match":
        assert thirds == 1 and Counter(places.values())[4] == 1
    elif n >= 4 and third == "shared":
        assert thirds == 2
    elif third == "none":
        assert thirds == 0


def test_byes_advance_at_once() -> None:
    bracket = build_bracket(seeded_lines([1, 2, 3, 4, 5, 6]))
    semi = bracket.round_matches(2)
    assert (semi[0].a, semi[1].a) == (1, 2)
    assert [m.bye for m in bracket.round_matches(1)] == [True, False, True, False]


def test_match_links_say_where_winners_and_semi_final_losers_go() -> None:
    bracket = build_bracket(seeded_lines(list(range(1, 9))))
    assert [m.id for m in bracket.matches] == list(range(1, 9))
    first = bracket.match(1)
    assert (first.winner_to.match, first.winner_to.side) == (5, "a")  # type: ignore[union-attr]
    semi = bracket.match(6)
    assert (semi.winner_to.match, semi.winner_to.side) == (7, "b")  # type: ignore[union-attr]
    assert (semi.loser_to.match, semi.loser_to.side) == (8, "b")  # type: ignore[union-attr]
    assert bracket.final().label == "决赛" and bracket.match(8).label == "三四名决赛"
    assert bracket.match(1).label == "1/4决赛"


def test_a_corrected_winner_clears_the_results_that_depended_on_the_old_one() -> None:
    bracket = build_bracket(seeded_lines([1, 2, 3, 4]))
    bracket = advance_winner(bracket, 1, 1)
    bracket = advance_winner(bracket, 2, 2)
    bracket = advance_winner(bracket, 3, 1)
    bracket = advance_winner(bracket, 4, 3)
    assert podium(bracket) == [(1, 1), (2, 2), (3, 3), (4, 4)]
    corrected = advance_winner(bracket, 1, 4)
    assert (corrected.final().a, corrected.final().b, corrected.final().winner) == (4, 2, None)
    assert (corrected.match(4).a, corrected.match(4).winner) == (1, None)
    assert corrected.match(2).winner == 2  # the other semi-final stands


def test_clearing_a_result_empties_the_slots_it_filled() -> None:
    bracket = build_bracket(seeded_lines([1, 2, 3, 4]))
    bracket = advance_winner(advance_winner(bracket, 1, 4), 2, 2)
    cleared = clear_result(bracket, 1)
    assert cleared.match(1).winner is None and cleared.final().a is None and cleared.match(4).a is None
    assert cleared.final().b == 2


def test_a_winner_must_be_in_the_match_and_the_match_must_be_set() -> None:
    bracket = build_bracket(seeded_lines([1, 2, 3, 4]))
    with pytest.raises(DrawError, match="胜者必须是对阵双方之一"):
        advance_winner(bracket, 1, 2)
    with pytest.raises(DrawError, match="尚未确定"):
        advance_winner(bracket, 3, 1)
    with pytest.raises(DrawError, match="没有第 9 场"):
        bracket.match(9)


def test_bye_against_bye_is_refused() -> None:
    with pytest.raises(DrawError, match="轮空不能对轮空"):
        build_bracket([1, 2, None, None])


def test_three_entrants_have_no_third_place_match_and_the_other_semi_loser_is_third() -> None:
    bracket = build_bracket(seeded_lines([1, 2, 3]))
    assert bracket.third_place_match() is None
    bracket = advance_winner(bracket, 2, 2)
    bracket = advance_winner(bracket, 3, 1)
    assert podium(bracket) == [(1, 1), (2, 2), (3, 3)]


def test_seeds_keep_their_lines_when_the_rest_are_drawn_by_lot() -> None:
    field = [Entrant(i, seed=i if i <= 4 else None) for i in range(1, 13)]
    lines = draw_lines(field, random.Random(5))
    assert [lines.index(s) for s in (1, 2, 3, 4)] == [0, 8, 12, 4]


def _clashes_after_best_arrangement(lines: list[int | None], movable: list[int], team: dict[int, int]) -> int:
    best = len(lines)
    for arrangement in itertools.permutations([lines[i] for i in movable]):
        trial = list(lines)
        for i, x in zip(movable, arrangement):
            trial[i] = x
        best = min(best, len(team_clashes(trial, team)))
    return best


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 7), st.integers(1, 3), st.integers(0, 2), st.integers(0, 10_000))
def test_teammates_are_kept_apart_in_the_first_round_whenever_possible(
    n: int, teams: int, seeds: int, seed: int
) -> None:
    chance = random.Random(seed)
    field = [Entrant(i, team_id=chance.randrange(teams), seed=i if i <= seeds else None) for i in range(1, n + 1)]
    team = {e.id: e.team_id for e in field}
    lines = draw_lines(field, random.Random(seed))
    # Byes stay with the top lines; which unseeded entrant gets one is part of the lot.
    movable = [i for i, x in enumerate(lines) if x is not None and x > seeds]
    assert len(team_clashes(lines, team)) == _clashes_after_best_arrangement(lines, movable, team)
