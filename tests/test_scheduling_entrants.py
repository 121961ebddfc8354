"""Entrants and the lot that orders the unseeded."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import Entrant, seeded_first


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(0, 30), st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_seeds_come_first_in_seed_order_and_the_lot_ignores_listing_order(
    n: int, seeds: int, seed: int, chance: random.Random
) -> None:
    entrants = [Entrant(i, seed=(seeds - i + 1) if i <= seeds else None) for i in range(1, n + 1)]
    shuffled = list(entrants)
    chance.shuffle(shuffled)
    ordered = seeded_first(entrants, random.Random(seed))
    assert ordered == seeded_first(shuffled, random.Random(seed))
    seeded = [e.seed for e in ordered if e.seed is not None]
    assert seeded == sorted(seeded)
    assert all(e.seed is not None for e in ordered[: len(seeded)])
