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
    by_resource: dict[Hashable, list[tuple[Any, Any, int]]] = defaultdict(list)
    for index, booking in enumerate(bookings):
        if not booking.start < booking.end:
            continue
        # (start, end, index): sorts by time, then in input order, without a key function
        entry = (booking.start, booking.end, index)
        for person in set(booking.people):
            by_resource[("p", person)].append(entry)
        for group in set(booking.groups):
            by_resource[("g", group)].append(entry)
    keys = [booking.key for booking in bookings]
    shared: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
    for (kind, resource), entries in by_resource.items():
        if len(entries) < 2:
            continue
        entries.sort()
        running: list[tuple[Any, str]] = []  # (end, key) heap of bookings not yet finished
        for start, end, index in entries:
            while running and not running[0][0] > start:
                heapq.heappop(running)
            key = keys[index]
            for _, other in running:
                if other == key:
                    continue
                pair = (other, key) if other < key else (key, other)
                found = shared.get(pair)
                if found is None:
                    found = shared[pair] = ([], [])
                found[0 if kind == "p" else 1].append(resource)
            heapq.heappush(running, (end, key))
    return [
        Clash(first, second, _distinct_sorted(people), _distinct_sorted(groups))
        for (first, second), (people, groups) in sorted(shared.items())
    ]


def _distinct_sorted(values: list[Any]) -> tuple[Any, ...]:
    # most pairs share one person or group: no set, no sort
    return tuple(values) if len(values) < 2 else tuple(sorted(set(values)))
