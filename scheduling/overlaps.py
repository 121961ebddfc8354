"""Double bookings: the same person or group in two places at once.

Each ``Booking`` is an interval [start, end) with the people and groups it takes. Two bookings
clash when their intervals overlap (strictly: one ends after the other starts; touching ends do
not clash, and an instant clashes with nothing) and they share at least one person or group.

The sweep goes resource by resource: a resource's bookings sorted by start, each compared only
with those still running, so the work is the number of bookings plus the number of clashing
pairs rather than all pairs.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import msgspec


class Booking(msgspec.Struct, frozen=True, gc=False):  # values only: never in a reference cycle
    key: str
    start: Any  # anything ordered: datetimes, minutes …
    end: Any
    people: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()


class Clash(msgspec.Struct, frozen=True, gc=False):  # values only: never in a reference cycle
    first: str  # the two bookings' keys, first < second
    second: str
    people: tuple[int, ...]  # shared people, sorted
    groups: tuple[str, ...]  # shared groups, sorted


def clashes(bookings: Sequence[Booking]) -> list[Clash]:
    """Every pair of bookings that overlap in time and share a person or a group, sorted by keys."""
    by_resource: dict[Hashable, list[int]] = defaultdict(list)
    for index, booking in enumerate(bookings):
        if not booking.start < booking.end:
            continue
        for person in set(booking.people):
            by_resource[("p", person)].append(index)
        for group in set(booking.groups):
            by_resource[("g", group)].append(index)
    shared: dict[tuple[str, str], tuple[set[int], set[str]]] = {}
    for (kind, resource), indexes in by_resource.items():
        if len(indexes) < 2:
            continue
        indexes.sort(key=lambda i: (bookings[i].start, bookings[i].end))
        running: list[tuple[Any, int]] = []  # (end, index) heap of bookings not yet finished
        for i in indexes:
            booking = bookings[i]
            while running and not running[0][0] > booking.start:
                heapq.heappop(running)
            for _, j in running:
                other = bookings[j]
                if other.key == booking.key:
                    continue
                pair = (other.key, booking.key) if other.key < booking.key else (booking.key, other.key)
                found = shared.get(pair)
                if found is None:
                    found = shared[pair] = (set(), set())
                people, groups = found
                if kind == "p":
                    people.add(resource)
                else:
                    groups.add(resource)
            heapq.heappush(running, (booking.end, i))
    return [
        Clash(first, second, tuple(sorted(people)), tuple(sorted(groups)))
        for (first, second), (people, groups) in sorted(shared.items())
    ]
