"""Double-booking warnings (scheduling/overlaps.py) against a brute-force check of every pair."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.overlaps import Booking, Clash, clashes, first_clashes


def brute_force(bookings: list[Booking]) -> list[Clash]:
    found: dict[tuple[str, str], tuple[set[int], set[str]]] = {}
    for i, a in enumerate(bookings):
        for b in bookings[i + 1 :]:
            if a.key == b.key or not (a.start < a.end and b.start < b.end):
                continue
            if not (a.start < b.end and b.start < a.end) or (a.checked and a.checked == b.checked):
                continue
            people, groups = set(a.people) & set(b.people), set(a.groups) & set(b.groups)
            if people or groups:
                pair = tuple(sorted((a.key, b.key)))
                p, g = found.setdefault(pair, (set(), set()))
                p |= people
                g |= groups
    return [Clash(x, y, tuple(sorted(p)), tuple(sorted(g))) for (x, y), (p, g) in sorted(found.items())]


@st.composite
def bookings(draw) -> list[Booking]:
    n = draw(st.integers(min_value=0, max_value=25))
    result = []
    for i in range(n):
        start = draw(st.integers(min_value=0, max_value=100))
        length = draw(st.integers(min_value=0, max_value=30))
        people = tuple(draw(st.lists(st.integers(min_value=1, max_value=6), max_size=3)))
        groups = tuple(draw(st.lists(st.sampled_from(["visit_group:1", "pairing:2", "team:3"]), max_size=2)))
        key = draw(st.sampled_from([f"k{i}", f"k{i}", "dup"]))
        checked = draw(st.sampled_from(["", "", "timetable:1", "timetable:2"]))
        result.append(Booking(key, start, start + length, people, groups, checked))
    return result


@settings(max_examples=400, deadline=None)
@given(bookings())
def test_clashes_equal_the_brute_force_check_of_every_pair(items: list[Booking]) -> None:
    assert clashes(items) == brute_force(items)


@settings(max_examples=200, deadline=None)
@given(bookings())
def test_the_order_of_the_bookings_does_not_matter(items: list[Booking]) -> None:
    assert clashes(items) == clashes(list(reversed(items)))


@settings(max_examples=300, deadline=None)
@given(bookings(), st.integers(min_value=0, max_value=5), st.sets(st.sampled_from([f"k{i}" for i in range(12)] + ["dup", "nowhere"])))
def test_first_clashes_are_the_first_of_all_clashes_with_a_wanted_key_and_count_them_all(
    items: list[Booking], limit: int, among: set[str]
) -> None:
    everything = brute_force(items)
    wanted = [c for c in everything if c.first in among or c.second in among]
    assert first_clashes(items, limit, among) == (wanted[:limit], len(wanted))
    assert first_clashes(items, limit) == (everything[:limit], len(everything))


def test_touching_ends_and_instants_do_not_clash() -> None:
    a = Booking("a", 0, 60, (1,))
    b = Booking("b", 60, 90, (1,))
    instant = Booking("c", 30, 30, (1,))
    assert clashes([a, b, instant]) == []


def test_the_same_person_in_two_overlapping_items_clashes_with_what_they_share() -> None:
    a = Booking("a", 0, 60, (1, 2), ("visit_group:1",))
    b = Booking("b", 30, 90, (2, 3), ("visit_group:1",))
    c = Booking("c", 45, 50, (9,))
    assert clashes([a, b, c]) == [Clash("a", "b", (2,), ("visit_group:1",))]


def test_two_items_of_one_checked_schedule_do_not_clash_but_each_clashes_with_others() -> None:
    """Two matches of a published timetable at once, listing a player who can only reach one of
    them, are no double booking; either still clashes with that player's visit at the time."""
    a = Booking("match-1", 0, 20, (7,), (), "timetable:3")
    b = Booking("match-2", 0, 20, (7,), (), "timetable:3")
    visit = Booking("visit", 10, 30, (7,))
    assert clashes([a, b, visit]) == [Clash("match-1", "visit", (7,), ()), Clash("match-2", "visit", (7,), ())]
