"""Round robin by Berger tables: who meets whom, when, and at whose home."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.round_robin import berger_rounds

fields = st.integers(min_value=2, max_value=40)
FAST = settings(max_examples=200, deadline=None)


def ids(n: int) -> list[int]:
    return list(range(101, 101 + n))


@FAST
@given(fields)
def test_every_pair_meets_exactly_once(n: int) -> None:
    meetings = Counter(frozenset((p.home, p.away)) for r in berger_rounds(ids(n)) for p in r.pairings)
    assert len(meetings) == n * (n - 1) // 2
    assert set(meetings.values()) == {1}


@FAST
@given(fields)
def test_double_round_robin_meets_twice_once_at_each_home(n: int) -> None:
    rounds = berger_rounds(ids(n), double=True)
    ordered = Counter((p.home, p.away) for r in rounds for p in r.pairings)
    assert len(ordered) == n * (n - 1)
    assert set(ordered.values()) == {1}


@FAST
@given(fields, st.booleans())
def test_nobody_plays_twice_in_a_round_and_everyone_is_accounted_for(n: int, double: bool) -> None:
    for rnd in berger_rounds(ids(n), double=double):
        assert sorted(rnd.entrants()) == ids(n)


@FAST
@given(fields)
def test_byes_are_one_per_round_when_odd_and_none_when_even(n: int) -> None:
    rounds = berger_rounds(ids(n))
    byes = [r.bye for r in rounds if r.bye is not None]
    if n % 2:
        assert len(rounds) == n
        assert sorted(byes) == ids(n)  # one round off each, the fewest possible
    else:
        assert len(rounds) == n - 1
        assert byes == []


@FAST
@given(fields)
def test_home_games_are_balanced(n: int) -> None:
    home = Counter(p.home for r in berger_rounds(ids(n)) for p in r.pairings)
    assert {home[x] for x in ids(n)} <= {(n - 1) // 2, n // 2}


@FAST
@given(fields)
def test_second_half_mirrors_the_first_with_home_and_away_swapped(n: int) -> None:
    rounds = berger_rounds(ids(n), double=True)
    half = len(rounds) // 2
    for first, second in zip(rounds[:half], rounds[half:]):
        assert second.number == first.number + half
        assert [(p.away, p.home) for p in second.pairings] == [(p.home, p.away) for p in first.pairings]
        assert second.bye == first.bye


def test_first_round_pairs_one_with_n_two_with_n_minus_one() -> None:
    first = berger_rounds([1, 2, 3, 4, 5, 6])[0]
    assert {frozenset((p.home, p.away)) for p in first.pairings} == {
        frozenset((1, 6)),
        frozenset((2, 5)),
        frozenset((3, 4)),
    }


def test_fewer_than_two_entrants_make_no_rounds() -> None:
    assert berger_rounds([7]) == ()
