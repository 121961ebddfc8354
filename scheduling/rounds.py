"""Rounds of pairings, shared by the round robin and the Swiss system.

``home`` is the first-named side: the home team, or White in chess. An entrant sitting a
round out is the round's ``bye`` rather than a pairing against a pretend opponent, so a bye
can never be mistaken for a match that needs a result.
"""

from __future__ import annotations

import msgspec


class Pairing(msgspec.Struct, frozen=True):
    home: int
    away: int


class Round(msgspec.Struct, frozen=True):
    number: int
    pairings: tuple[Pairing, ...]
    bye: int | None = None

    def entrants(self) -> list[int]:
        ids = [side for p in self.pairings for side in (p.home, p.away)]
        if self.bye is not None:
            ids.append(self.bye)
        return ids
