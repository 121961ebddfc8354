"""Double bookings: the same person or group in two places at once.

Each ``Booking`` is an interval [start, end) with the people and groups it takes. Two bookings
clash when their intervals overlap (strictly: one ends after the other starts; touching ends do
not clash, and an instant clashes with nothing) and they share at least one person or group —
unless both come from one schedule that keeps its own items apart by a finer rule (``checked``:
a published timetable, whose matches may list every player who could reach them, yet two of
them at once never need the same player).

The sweep goes resource by resource: a resource's bookings sorted by start, each compared only
with those still running, so the work is the number of bookings plus the number of clashing
pairs rather than all pairs. (The running ones are a plain list, filtered at each start: a
resource has a handful of bookings at a time, where a heap's pushes and pops cost more.)
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import Any

import msgspec


class Booking(msgspec.Struct, frozen=True, gc=False):  # values only: never in a reference cycle
    key: str
    start: Any  # anything ordered: datetimes, minutes …
    end: Any
    people: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    checked: str = ""  # the schedule that already keeps this booking apart from its others


class Clash(msgspec.Struct, frozen=True, gc=False):  # values only: never in a reference cycle
    first: str  # the two bookings' keys, first < second
    second: str
    people: tuple[int, ...]  # shared people, sorted
    groups: tuple[str, ...]  # shared groups, sorted


def clashes(bookings: Sequence[Booking]) -> list[Clash]:
    """Every pair of bookings that overlap in time and share a person or a group, sorted by keys."""
    return first_clashes(bookings)[0]


def first_clashes(bookings: Sequence[Booking], limit: int | None = None, among: Collection[str] | None = None) -> tuple[list[Clash], int]:
    """The first ``limit`` clashing pairs in key order (all when None) and how many there are
    in all; with ``among``, only the pairs with at least one of those keys count.

    A month can hold thousands of clashing pairs while a page shows fifty: only the pairs
    returned are made into ``Clash`` values."""
    # Keys by dense rank: pairs are found and sorted as pairs of small ints, and two bookings
    # with one key count as one.
    names = sorted({booking.key for booking in bookings})
    rank_of = {key: rank for rank, key in enumerate(names)}
    by_resource: dict[tuple[bool, Hashable], list[tuple[Any, Any, int, str]]] = {}
    for booking in bookings:
        if not booking.start < booking.end:
            continue
        # (start, end, rank, checked): sorts by time without a key function
        entry = (booking.start, booking.end, rank_of[booking.key], booking.checked)
        people, groups = booking.people, booking.groups
        for person in people if len(people) < 2 else set(people):
            by_resource.setdefault((True, person), []).append(entry)
        for group in groups if len(groups) < 2 else set(groups):
            by_resource.setdefault((False, group), []).append(entry)
    shared: dict[tuple[int, int], list[tuple[bool, Hashable]]] = {}
    for resource, entries in by_resource.items():
        if len(entries) < 2:
            continue
        entries.sort()
        running: list[tuple[Any, int, str]] = []  # (end, rank, checked) of the bookings not yet finished
        for start, end, rank, checked in entries:
            if running:
                running = [r for r in running if r[0] > start]
                for _, other, other_checked in running:
                    if other != rank and not (checked and checked == other_checked):
                        pair = (other, rank) if other < rank else (rank, other)
                        found = shared.get(pair)
                        if found is None:
                            shared[pair] = [resource]
                        else:
                            found.append(resource)
            running.append((end, rank, checked))
    if among is not None:
        wanted = {rank_of[key] for key in among if key in rank_of}
        pairs = sorted(pair for pair in shared if pair[0] in wanted or pair[1] in wanted)
    else:
        pairs = sorted(shared)
    chosen = pairs if limit is None else pairs[:limit]
    return [_clash(names[a], names[b], shared[a, b]) for a, b in chosen], len(pairs)


def _clash(first: str, second: str, resources: list[tuple[bool, Hashable]]) -> Clash:
    if len(resources) == 1:  # most pairs share one person or group
        is_person, value = resources[0]
        return Clash(first, second, (value,), ()) if is_person else Clash(first, second, (), (value,))
    people = sorted({value for is_person, value in resources if is_person})
    groups = sorted({value for is_person, value in resources if not is_person})
    return Clash(first, second, tuple(people), tuple(groups))  # type: ignore[arg-type]
