"""Who goes into a draw: entrants, and the order in which lots place them.

An entrant is whatever occupies one line of a draw — a person in singles, a pair, a team in a
team event. ``team_id`` is the 代表队 (workshop/department) it represents, used to keep
teammates apart; ``seed`` is the seeding rank (1 = top seed) or ``None`` when unseeded.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import msgspec


class DrawError(ValueError):
    """The input cannot be drawn; the message is shown to organisers as it is (Chinese)."""


class Entrant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: int
    name: str = ""
    team_id: int | None = None
    seed: int | None = None


class TeamClash(msgspec.Struct, frozen=True):
    """Entrants of one team placed where the rules wanted them apart (a group, or a match)."""

    team_id: int
    where: str
    entrants: tuple[int, ...]


def check_entrants(entrants: Sequence[Entrant], minimum: int = 2) -> None:
    if len(entrants) < minimum:
        raise DrawError(f"参赛者不足 {minimum} 个,无法编排")
    ids = [e.id for e in entrants]
    if len(set(ids)) != len(ids):
        raise DrawError("参赛者编号重复")
    seeds = [e.seed for e in entrants if e.seed is not None]
    if any(s < 1 for s in seeds):
        raise DrawError("种子序号须从 1 开始")
    if len(set(seeds)) != len(seeds):
        raise DrawError("种子序号重复")


def seeded_first(entrants: Iterable[Entrant], rng: random.Random) -> list[Entrant]:
    """Seeds in seed order, then the unseeded in an order drawn by lot.

    The unseeded are sorted by id before the shuffle, so the same seed gives the same draw
    whatever order the caller happened to list them in.
    """
    pool = list(entrants)
    seeded = sorted((e for e in pool if e.seed is not None), key=lambda e: e.seed or 0)
    unseeded = sorted((e for e in pool if e.seed is None), key=lambda e: e.id)
    rng.shuffle(unseeded)
    return seeded + unseeded


def team_of(entrants: Iterable[Entrant]) -> dict[int, int | None]:
    return {e.id: e.team_id for e in entrants}
