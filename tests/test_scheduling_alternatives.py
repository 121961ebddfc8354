"""Conflict keys for people who reach an item only through some of a group's places
(scheduling.alternatives): two items share a key exactly when one person could be in both."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.alternatives import base_key, joined, with_lines
from scheduling.timetable import Item, entities

PEOPLE = ["p:1", "p:2", "p:3"]
CHOICES = ["e1gA", "e2gB"]
PLACES = ["1", "2", "3"]

restriction = st.one_of(
    st.none(),  # in the item whatever place they finish in
    st.tuples(st.sampled_from(CHOICES), st.sets(st.sampled_from(PLACES), min_size=1)),
)
item_people = st.dictionaries(st.sampled_from(PEOPLE), restriction, min_size=1)


def _could_meet(a: tuple[str, set[str]] | None, b: tuple[str, set[str]] | None, choices: set[str]) -> bool:
    """Can one person be in both items? Not when both are reached only through places of one
    group that exclude each other. Someone restricted by two groups is kept protected (safe)."""
    if a is None or b is None or len(choices) > 1:
        return True
    return a[0] != b[0] or bool(a[1] & b[1])


@settings(max_examples=300, deadline=None)
@given(st.lists(item_people, min_size=2, max_size=6))
def test_items_share_a_key_exactly_when_someone_could_be_in_both(specs: list[dict[str, tuple[str, set[str]] | None]]) -> None:
    items = [Item(key=f"i{n}", label=f"i{n}", resource="r", duration=10, people=frozenset(s)) for n, s in enumerate(specs)]
    only = {
        f"i{n}": {w: frozenset((r[0], place) for place in r[1]) for w, r in s.items() if r is not None}
        for n, s in enumerate(specs)
    }
    choices = {w: {r[0] for s in specs for x, r in s.items() if x == w and r is not None} for w in PEOPLE}
    out = with_lines(items, only)
    assert [i.key for i in out] == [i.key for i in items]
    for n, a in enumerate(out):
        assert {base_key(k) for k in entities(a)} == set(specs[n])  # the same people, no one added
        for m in range(n + 1, len(out)):
            b = out[m]
            expected = any(
                _could_meet(specs[n][w], specs[m][w], choices[w]) for w in set(specs[n]) & set(specs[m])
            )
            assert bool(entities(a) & entities(b)) == expected, (specs[n], specs[m])


def test_without_places_to_choose_the_items_come_back_unchanged() -> None:
    items = [Item(key="a", label="a", resource="r", duration=10, people=frozenset({"p:1"}))]
    assert with_lines(items, {}) == items


side = st.dictionaries(
    st.sampled_from(PEOPLE),
    st.one_of(st.none(), st.sets(st.sampled_from([("e1gA", p) for p in PLACES]), min_size=1).map(frozenset)),
)


@settings(max_examples=300, deadline=None)
@given(side, side)
def test_two_sides_put_together_keep_a_restriction_only_where_every_side_had_one(
    a: dict[str, frozenset | None], b: dict[str, frozenset | None]
) -> None:
    """A match (or a later round) of two sides: someone there in any case on either side is there
    in any case; someone there only by some places on every side they are on, by all of those."""
    def lines(s: dict[str, frozenset | None]) -> dict[str, frozenset]:
        return {w: v for w, v in s.items() if v is not None}

    out = joined(a.keys(), lines(a), b.keys(), lines(b))
    assert out == joined(b.keys(), lines(b), a.keys(), lines(a))
    for w in set(a) | set(b):
        on = [s[w] for s in (a, b) if w in s]
        if any(v is None for v in on):
            assert w not in out
        else:
            assert out[w] == frozenset().union(*on)

