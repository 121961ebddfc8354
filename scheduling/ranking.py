"""Places (名次) from marks: one sort, then one pass.

Equal marks share a place and the next place skips as many as shared it (1, 2, 2, 4), as in
athletics and in every Chinese staff meet's results sheet. A status (DNS, DNF, DQ, NM) gets no
place and is listed after every valid mark. Marks are compared at the precision the event
recorded them (hundredths, tenths by hand, whole centimetres), so two 11.23s tie even if the
photo-finish saw a thousandth between them: a referee who separates them enters the
decision, not a different time.

Ranking sorts once by a precomputed key, so a field of thousands ranks in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from scheduling.marks import Mark, sort_key

Qualifier = Literal["Q", "q"]


class Performance(msgspec.Struct, frozen=True):
    """One entrant's mark in one race or competition; ``heat`` when it was run in heats."""

    entrant: int
    mark: Mark
    heat: int | None = None


class Placing(msgspec.Struct, frozen=True):
    entrant: int
    place: int | None  # None: no valid mark
    mark: Mark
    heat: int | None = None
    tied: bool = False
    qualified: Qualifier | None = None


def rank(performances: Iterable[Performance]) -> list[Placing]:
    """Placings best first; ties share a place; statuses last and unplaced.

    Entrants level on their mark are listed by entrant id, so the same results always print
    the same sheet.
    """
    keyed = sorted(((sort_key(p.mark), p.entrant, p) for p in performances), key=_first_two)
    placings: list[Placing] = []
    for i, (key, _, p) in enumerate(keyed):
        if key[0] != 0:
            placings.append(Placing(p.entrant, None, p.mark, p.heat))
            continue
        shares_above = i > 0 and keyed[i - 1][0] == key
        shares_below = i + 1 < len(keyed) and keyed[i + 1][0] == key
        place = placings[-1].place if shares_above else i + 1
        placings.append(Placing(p.entrant, place, p.mark, p.heat, shares_above or shares_below))
    return placings


def _first_two(row: tuple[tuple[int, int], int, Performance]) -> tuple[tuple[int, int], int]:
    return row[0], row[1]


def places_by_entrant(placings: Iterable[Placing]) -> dict[int, int | None]:
    return {p.entrant: p.place for p in placings}
