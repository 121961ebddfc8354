"""Heats and lanes (分组与道次) for timed events, and mass-start sections without lanes.

A field is split into as few heats as the lanes allow, their sizes differing by at most one.
Who goes where is decided one of three ways:

- ``serpentine`` (蛇形编排) — the field in seed order is dealt across the heats like a snake,
  the best seed into the *last* heat, the next into the one before … then back again, so
  every heat gets one entrant of each band of seeds and the fastest run last, when the
  crowd and the officials are ready for them;
- ``graded`` (按成绩分组) — the best seeds together in the last heat, the next best in the heat
  before: for timed finals, where the heats are the final and the medals are run last;
- ``random`` (随机抽签) — by lot from the event's seed, which is printed on the start list so
  anyone can redraw it and get the same heats.

Entrants without a seed mark come after every seeded one, in an order drawn by lot. Entrants
of one team (代表队) are spread across the heats where they can be: by dealing a team's members
to consecutive heats in a random draw, and by swapping within a band of seeds (so the seeding
stays fair) in a serpentine one. Within a heat the best seeds get the middle lanes, in the
order of ``priority`` (for eight lanes 4, 5, 3, 6, 2, 7, 1, 8): the bends are tighter inside
and the outer runner cannot see the field.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal

import msgspec

from scheduling.entrants import DrawError, TeamClash
from scheduling.marks import Mark, sort_key

Method = Literal["serpentine", "graded", "random"]


class Competitor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: int
    name: str = ""
    team_id: int | None = None
    seed_mark: Mark | None = None  # the entry mark (报名成绩) or the previous round's mark


class Slot(msgspec.Struct, frozen=True):
    entrant: int
    lane: int | None  # None in a mass start
    position: int  # the line of the start list, from 1


class Heat(msgspec.Struct, frozen=True):
    number: int
    slots: tuple[Slot, ...]

    @property
    def entrants(self) -> list[int]:
        return [s.entrant for s in self.slots]


class HeatDraw(msgspec.Struct, frozen=True):
    method: Method
    seed: int  # printed on the start list: the same seed draws the same heats
    lanes: int | None  # None: a mass start in sections
    heats: tuple[Heat, ...]
    clashes: tuple[TeamClash, ...] = ()  # teams over their fair share in a heat that could not be fixed


def lane_priority(lanes: int) -> tuple[int, ...]:
    """Lanes from the most to the least wanted: the middle first, then outwards, inner side first.

    8 → 4, 5, 3, 6, 2, 7, 1, 8;  6 → 3, 4, 2, 5, 1, 6;  9 → 5, 4, 6, 3, 7, 2, 8, 1, 9.
    """
    if lanes < 1:
        raise DrawError("道次数须至少为 1")
    return tuple(sorted(range(1, lanes + 1), key=lambda lane: (abs(2 * lane - lanes - 1), lane)))


def heat_sizes(n: int, capacity: int, heat_count: int | None = None) -> list[int]:
    """Sizes of the heats, first to last, differing by at most one (larger ones last when graded)."""
    needed = -(-n // capacity)
    count = needed if heat_count is None else heat_count
    if count < needed:
        raise DrawError(f"{n} 人至少需要分 {needed} 组(每组最多 {capacity} 人)")
    if count < 1 or count > n:
        raise DrawError("分组数须在 1 至参赛人数之间")
    small, extra = divmod(n, count)
    return [small + (1 if h >= count - extra else 0) for h in range(count)]


def seed_order(competitors: Sequence[Competitor], rng: random.Random) -> list[Competitor]:
    """Best seed mark first; equal marks and the unseeded in an order drawn by lot.

    The lot is drawn over the field sorted by id, so the listing order never changes a draw.
    """
    field = sorted(competitors, key=lambda c: c.id)
    lot = list(range(len(field)))
    rng.shuffle(lot)
    seeded = [(sort_key(c.seed_mark), lot[i], c) for i, c in enumerate(field) if _has_seed(c)]
    unseeded = [(lot[i], c) for i, c in enumerate(field) if not _has_seed(c)]
    return [c for *_, c in sorted(seeded, key=lambda row: row[:2])] + [c for _, c in sorted(unseeded, key=lambda r: r[0])]


def _has_seed(c: Competitor) -> bool:
    return c.seed_mark is not None and c.seed_mark.valid


def serpentine(n: int, heat_count: int) -> list[int]:
    """The heat (0-based) of each seed rank: 1st seed in the last heat, then back and forth."""
    heats = []
    for rank in range(n):
        band, step = divmod(rank, heat_count)
        heats.append(heat_count - 1 - step if band % 2 == 0 else step)
    return heats


def graded(sizes: Sequence[int]) -> list[int]:
    """The heat of each seed rank when the best fill the last heat, the next best the one before."""
    heats: list[int] = []
    for h in reversed(range(len(sizes))):
        heats += [h] * sizes[h]
    return heats


def draw_heats(
    competitors: Sequence[Competitor],
    lanes: int = 8,
    method: Method = "serpentine",
    seed: int = 0,
    priority: Sequence[int] | None = None,
    heat_count: int | None = None,
    spread_teams: bool = True,
    order: Sequence[int] | None = None,
) -> HeatDraw:
    """Heats with lanes. ``order`` (best first) overrides seed marks, e.g. Q before q for a final."""
    lane_order = _checked_priority(priority, lanes)
    heats = _split(competitors, lanes, method, seed, heat_count, spread_teams, order)
    built = tuple(
        Heat(h + 1, _laned(members, lane_order, method, random.Random(f"{seed}:{h}")))
        for h, members in enumerate(heats)
    )
    return HeatDraw(method, seed, lanes, built, _clashes(heats))


def draw_sections(
    competitors: Sequence[Competitor],
    section_size: int,
    method: Method = "serpentine",
    seed: int = 0,
    section_count: int | None = None,
    spread_teams: bool = True,
    order: Sequence[int] | None = None,
) -> HeatDraw:
    """A mass start (1500 米) in one or more sections (组) of at most ``section_size``, no lanes.

    The start list of each section is in seed order, which is also the order on the start line
    from the inside out when the referee wants the best seeds inside.
    """
    sections = _split(competitors, section_size, method, seed, section_count, spread_teams, order)
    built = tuple(
        Heat(h + 1, tuple(Slot(c.id, None, i + 1) for i, c in enumerate(members))) for h, members in enumerate(sections)
    )
    return HeatDraw(method, seed, None, built, _clashes(sections))


def _split(
    competitors: Sequence[Competitor],
    capacity: int,
    method: Method,
    seed: int,
    heat_count: int | None,
    spread_teams: bool,
    order: Sequence[int] | None,
) -> list[list[Competitor]]:
    """Members of each heat, each heat in seed order (best first)."""
    _check(competitors, capacity)
    rng = random.Random(seed)
    ranked = _ordered(competitors, order, rng)
    sizes = heat_sizes(len(ranked), capacity, heat_count)
    if method == "random":
        return _dealt_by_team(ranked, len(sizes), rng, spread_teams)
    if method == "serpentine":
        heat_of = serpentine(len(ranked), len(sizes))
        if spread_teams:
            heat_of = _spread_within_bands(ranked, heat_of, len(sizes))
    elif method == "graded":
        heat_of = graded(sizes)
    else:
        raise DrawError(f"未知的分组方法:{method}")
    heats: list[list[Competitor]] = [[] for _ in sizes]
    for c, h in zip(ranked, heat_of, strict=True):
        heats[h].append(c)
    return heats


def _check(competitors: Sequence[Competitor], capacity: int) -> None:
    if not competitors:
        raise DrawError("没有参赛者,无法分组")
    if capacity < 1:
        raise DrawError("每组人数须至少为 1")
    ids = [c.id for c in competitors]
    if len(set(ids)) != len(ids):
        raise DrawError("参赛者编号重复")


def _ordered(competitors: Sequence[Competitor], order: Sequence[int] | None, rng: random.Random) -> list[Competitor]:
    ranked = seed_order(competitors, rng)
    if order is None:
        return ranked
    by_id = {c.id: c for c in competitors}
    unknown = [x for x in order if x not in by_id]
    if unknown or len(set(order)) != len(order):
        raise DrawError("排序名单与参赛者不符")
    first = [by_id[x] for x in order]
    return first + [c for c in ranked if c.id not in set(order)]


def _dealt_by_team(ranked: list[Competitor], heat_count: int, rng: random.Random, spread: bool) -> list[list[Competitor]]:
    """A random draw: each team's members dealt to consecutive heats, so no heat gets more than
    its share of one team; a team-less entrant is a team of one."""
    pool = sorted(ranked, key=lambda c: c.id)
    rng.shuffle(pool)
    if spread:
        teams: dict[object, list[Competitor]] = defaultdict(list)
        for c in pool:
            teams[c.team_id if c.team_id is not None else ("alone", c.id)].append(c)
        pool = [c for members in teams.values() for c in members]
    heats: list[list[Competitor]] = [[] for _ in range(heat_count)]
    for i, c in enumerate(pool):
        heats[i % heat_count].append(c)
    # A draw by lot has no seed order: the lot decides the lanes too.
    for members in heats:
        rng.shuffle(members)
    return heats[::-1]  # the larger heats last, as heat_sizes promises


def _spread_within_bands(ranked: list[Competitor], heat_of: list[int], heat_count: int) -> list[int]:
    """Swap teammates out of a heat where their team is over its share, only ever with an entrant
    of the same band of seeds (ranks k·H … k·H+H−1) so every heat keeps one of each band.
    The unseeded, whose order is a lot anyway, form one band of their own.

    Each swap lowers the total excess over the fair shares, so the loop ends; what is left is
    reported as a clash.
    """
    heat_of = list(heat_of)
    seeded = sum(1 for c in ranked if _has_seed(c))
    team = [c.team_id for c in ranked]
    cap = {t: -(-n // heat_count) for t, n in Counter(t for t in team if t is not None).items()}
    count: Counter[tuple[int | None, int]] = Counter(zip(team, heat_of, strict=True))

    def over(t: int | None, h: int, change: int = 0) -> bool:
        return t is not None and count[(t, h)] + change > cap[t]

    improved = True
    while improved:
        improved = False
        # The weakest move first, and the top seed never: it runs in the last heat whatever happens.
        for r in reversed(range(1 if seeded else 0, len(ranked))):
            t, h = team[r], heat_of[r]
            if not over(t, h):
                continue
            if r >= seeded:
                low, high = seeded, len(ranked)
            else:
                band = r // heat_count
                low, high = max(1, band * heat_count), min(seeded, (band + 1) * heat_count)
            for r2 in reversed(range(low, high)):
                t2, h2 = team[r2], heat_of[r2]
                if h2 == h or t2 == t or over(t, h2, +1) or over(t2, h, +1):
                    continue
                count[(t, h)] -= 1
                count[(t, h2)] += 1
                count[(t2, h2)] -= 1
                count[(t2, h)] += 1
                heat_of[r], heat_of[r2] = h2, h
                improved = True
                break
    return heat_of


def _laned(members: list[Competitor], lane_order: Sequence[int], method: Method, rng: random.Random) -> tuple[Slot, ...]:
    """The heat's members (best seed first) in the lanes of ``lane_order``; listed by lane."""
    if len(members) > len(lane_order):
        raise DrawError(f"一组 {len(members)} 人,超过 {len(lane_order)} 条道次")
    lanes = list(lane_order[: len(members)])
    if method == "random":
        rng.shuffle(lanes)
    pairs = sorted(zip(lanes, (c.id for c in members), strict=True))
    return tuple(Slot(entrant, lane, i + 1) for i, (lane, entrant) in enumerate(pairs))


def _checked_priority(priority: Sequence[int] | None, lanes: int) -> tuple[int, ...]:
    if priority is None:
        return lane_priority(lanes)
    if sorted(priority) != list(range(1, lanes + 1)):
        raise DrawError(f"道次顺序应为 1 至 {lanes} 各出现一次")
    return tuple(priority)


def _clashes(heats: list[list[Competitor]]) -> tuple[TeamClash, ...]:
    sizes = Counter(c.team_id for members in heats for c in members if c.team_id is not None)
    cap = {t: -(-n // len(heats)) for t, n in sizes.items()}
    clashes = []
    for h, members in enumerate(heats):
        per_team: dict[int, list[int]] = defaultdict(list)
        for c in members:
            if c.team_id is not None:
                per_team[c.team_id].append(c.id)
        for t, ids in sorted(per_team.items()):
            if len(ids) > cap[t]:
                clashes.append(TeamClash(t, f"第{h + 1}组", tuple(ids)))
    return tuple(clashes)
