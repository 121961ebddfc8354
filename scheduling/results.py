"""A finished match as standings and tie-breaks see it, whatever the sport.

Scores are kept from each side's point of view as (a, b) pairs: ``rubbers`` are the
sub-matches of a team tie, ``games`` the games (局) or pulls, ``points`` the rally points or
basketball points. A sport that has no such level leaves it at (0, 0).
"""

from __future__ import annotations

import msgspec


class Played(msgspec.Struct, frozen=True):
    a: int
    b: int
    winner: int | None = None
    forfeited: tuple[int, ...] = ()
    rubbers: tuple[int, int] = (0, 0)
    games: tuple[int, int] = (0, 0)
    points: tuple[int, int] = (0, 0)

    def involves(self, entrant: int) -> bool:
        return entrant in (self.a, self.b)

    def opponent(self, entrant: int) -> int:
        return self.b if entrant == self.a else self.a

    def is_draw(self) -> bool:
        """Shared honours (chess ½–½); a double forfeit is a loss for both, not a draw."""
        return self.winner is None and not self.forfeited

    def mine(self, entrant: int, pair: tuple[int, int]) -> tuple[int, int]:
        """``pair`` (one of rubbers, games, points) as (for, against) for ``entrant``."""
        return pair if entrant == self.a else (pair[1], pair[0])

    def chess_score(self, entrant: int) -> float:
        if self.winner == entrant:
            return 1.0
        return 0.5 if self.is_draw() else 0.0
