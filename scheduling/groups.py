"""Groups, then knockout (小组循环 + 淘汰), as in table tennis.

Seeds are dealt into the groups in snake (serpentine) order — A B C D, D C B A, … — and never
moved. The unseeded fill the remaining places by lot, spread so that entrants of one 代表队
share a group only when there are not enough groups left to keep them apart; every such
clash is reported. The top ``qualifiers`` of each group go into a knockout whose lines are
fixed at the draw: group winners take the seed lines, runners-up cross over (A1–B2, B1–A2 …)
and qualifiers of the same group are put in different halves (different quarters for three
or four qualifiers), so they can only meet again late.
"""

from __future__ import annotations

import functools
import random
import string
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import msgspec

from scheduling.entrants import DrawError, Entrant, TeamClash
from scheduling.knockout import bracket_size, separate_teams, standard_order, team_clashes


class Group(msgspec.Struct, frozen=True):
    name: str
    entrants: tuple[int, ...]


class Spot(msgspec.Struct, frozen=True):
    """A knockout line waiting for a group finisher: ``Spot("A", 1)`` is 'A组第1名'."""

    group: str
    rank: int

    @property
    def label(self) -> str:
        return f"{self.group}{self.rank}"


class GroupStage(msgspec.Struct, frozen=True):
    groups: tuple[Group, ...]
    clashes: tuple[TeamClash, ...]


def group_name(index: int) -> str:
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def snake_group(position: int, group_count: int) -> int:
    """The group (0-based) that the entrant at ``position`` in seeding order goes to."""
    row, col = divmod(position, group_count)
    return col if row % 2 == 0 else group_count - 1 - col


def draw_groups(entrants: Sequence[Entrant], group_count: int, rng: random.Random) -> GroupStage:
    if not 1 <= group_count <= len(entrants) // 2:
        raise DrawError(f"{len(entrants)} 个参赛者不能分成 {group_count} 个小组(每组至少 2 个)")
    seeded = sorted((e for e in entrants if e.seed is not None), key=lambda e: e.seed or 0)
    unseeded = sorted((e for e in entrants if e.seed is None), key=lambda e: e.id)
    rng.shuffle(unseeded)
    members: list[list[Entrant]] = [[] for _ in range(group_count)]
    for position, entrant in enumerate(seeded):
        members[snake_group(position, group_count)].append(entrant)
    room = Counter(snake_group(p, group_count) for p in range(len(seeded), len(entrants)))
    for g, placed in _spread_unseeded(unseeded, members, room, rng).items():
        members[g].extend(placed)
    groups = tuple(Group(group_name(g), tuple(e.id for e in ms)) for g, ms in enumerate(members))
    return GroupStage(groups=groups, clashes=tuple(_group_clashes(groups, entrants)))


def _spread_unseeded(
    unseeded: list[Entrant], members: list[list[Entrant]], room: Counter[int], rng: random.Random
) -> dict[int, list[Entrant]]:
    """Place the unseeded into the free room, with as few teammates sharing a group as possible.

    Putting a team's entrant in a group that has none of its team yet is a "free" placement;
    every other placement is one clash. So the fewest clashes is the most free placements — a
    maximum flow from teams to groups (one free unit per team and group, group room as
    capacity), found by augmenting paths on top of a greedy start. The leftovers then go
    wherever room remains.
    """
    by_team: dict[int, list[Entrant]] = defaultdict(list)
    teamless: list[Entrant] = []
    for e in unseeded:
        (by_team[e.team_id] if e.team_id is not None else teamless).append(e)
    taken = {(e.team_id, g) for g, ms in enumerate(members) for e in ms if e.team_id is not None}
    free = {g: room[g] for g in range(len(members))}
    flow: set[tuple[int, int]] = set()
    teams = sorted(by_team, key=lambda t: (-len(by_team[t]), t))
    groups = list(range(len(members)))
    for team in teams:
        for _ in by_team[team]:
            if not _place_free_unit(team, groups, taken, flow, free, rng):
                break
    placed: dict[int, list[Entrant]] = defaultdict(list)
    leftovers: list[Entrant] = list(teamless)
    for team in teams:
        its_groups = sorted(g for t, g in flow if t == team)
        rng.shuffle(its_groups)
        people = by_team[team]
        for g, e in zip(its_groups, people):
            placed[g].append(e)
        leftovers.extend(people[len(its_groups) :])
    for e in leftovers:
        open_groups = [g for g in groups if free[g] > 0]
        g = min(open_groups, key=lambda g: (_team_count(e.team_id, members[g] + placed[g]), rng.random()))
        placed[g].append(e)
        free[g] -= 1
    return placed


def _team_count(team_id: int | None, people: list[Entrant]) -> int:
    return 0 if team_id is None else sum(1 for p in people if p.team_id == team_id)


def _place_free_unit(
    team: int,
    groups: list[int],
    taken: set[tuple[int, int]],
    flow: set[tuple[int, int]],
    free: dict[int, int],
    rng: random.Random,
) -> bool:
    """One more free placement for ``team``, moving others along an augmenting path if needed."""

    def can_enter(t: int, g: int) -> bool:
        return (t, g) not in taken and (t, g) not in flow

    direct = [g for g in groups if can_enter(team, g) and free[g] > 0]
    if direct:
        best = max(free[g] for g in direct)
        g = rng.choice([g for g in direct if free[g] == best])
        flow.add((team, g))
        free[g] -= 1
        return True
    # Breadth-first search: team → group it may enter → a team already there that may move.
    came_from: dict[tuple[str, int], tuple[str, int] | None] = {("t", team): None}
    queue = [("t", team)]
    while queue:
        kind, node = queue.pop(0)
        if kind == "t":
            for g in groups:
                if can_enter(node, g) and ("g", g) not in came_from:
                    came_from[("g", g)] = ("t", node)
                    if free[g] > 0:
                        _flip(("g", g), came_from, flow)
                        free[g] -= 1
                        return True
                    queue.append(("g", g))
        else:
            for t, g in list(flow):
                if g == node and ("t", t) not in came_from:
                    came_from[("t", t)] = ("g", node)
                    queue.append(("t", t))
    return False


def _flip(end: tuple[str, int], came_from: dict, flow: set[tuple[int, int]]) -> None:
    node = end
    while came_from[node] is not None:
        prev = came_from[node]
        if node[0] == "g":
            flow.add((prev[1], node[1]))
        else:
            flow.discard((node[1], prev[1]))
        node = prev


def _group_clashes(groups: Sequence[Group], entrants: Sequence[Entrant]) -> list[TeamClash]:
    team = {e.id: e.team_id for e in entrants}
    clashes = []
    for group in groups:
        by_team: dict[int, list[int]] = defaultdict(list)
        for x in group.entrants:
            if team[x] is not None:
                by_team[team[x]].append(x)
        clashes += [TeamClash(t, f"{group.name}组", tuple(xs)) for t, xs in sorted(by_team.items()) if len(xs) > 1]
    return clashes


def qualifier_lines(group_count: int, qualifiers: int) -> list[Spot | None]:
    """Knockout lines for the top ``qualifiers`` of each group (see ``_qualifier_lines``)."""
    return list(_qualifier_lines(group_count, qualifiers))


@functools.lru_cache(maxsize=128)
def _qualifier_lines(group_count: int, qualifiers: int) -> tuple[Spot | None, ...]:
    """Knockout lines for the top ``qualifiers`` of each group; ``None`` lines are byes.

    Group winners are seeds 1..g in group order, so the byes fall to them first. Each later
    rank takes the next block of seed lines; a runner-up faces the winner of the paired group
    (A with B, C with D …) when that line is free for it, and every finisher must sit in a
    different half (quarter, eighth …) from the other qualifiers of its own group.
    """
    if qualifiers < 1 or group_count < 1:
        raise DrawError("出线名额和小组数都至少为 1")
    total = group_count * qualifiers
    size = max(2, bracket_size(total))
    order = standard_order(size)
    line_of_seed = {s: i for i, s in enumerate(order)}
    lines: list[Spot | None] = [None] * size
    segment_size = size // bracket_size(qualifiers) if qualifiers > 1 else size
    used: dict[int, set[int]] = defaultdict(set)
    for g in range(group_count):
        line = line_of_seed[g + 1]
        lines[line] = Spot(group_name(g), 1)
        used[g].add(line // segment_size)
    for rank in range(2, qualifiers + 1):
        tier = [line_of_seed[s] for s in range((rank - 1) * group_count + 1, rank * group_count + 1)]
        for g, line in _match_tier(group_count, tier, lines, used, segment_size).items():
            lines[line] = Spot(group_name(g), rank)
            used[g].add(line // segment_size)
    return tuple(lines)  # cached and shared: Spots are frozen, the tuple cannot be changed


def _match_tier(
    group_count: int,
    tier: list[int],
    lines: list[Spot | None],
    used: dict[int, set[int]],
    segment_size: int,
) -> dict[int, int]:
    """Give each group one line of the tier, in a segment its group has not used yet.

    Kuhn's augmenting-path matching, trying the crossover line first, so the classic A1–B2,
    B1–A2 sheet comes out whenever it is valid.
    """

    def preference(g: int) -> list[int]:
        partner = g ^ 1 if (g ^ 1) < group_count else g
        crossing = [ln for ln in tier if _opponent_spot(lines, ln) == Spot(group_name(partner), 1)]
        return crossing + [ln for ln in tier if ln not in crossing]

    owner: dict[int, int] = {}

    def try_group(g: int, seen: set[int]) -> bool:
        for line in preference(g):
            if line in seen or line // segment_size in used[g]:
                continue
            seen.add(line)
            if line not in owner or try_group(owner[line], seen):
                owner[line] = g
                return True
        return False

    for g in range(group_count):
        if not try_group(g, set()):
            # No valid line is left for this group: a field too small to keep its
            # qualifiers apart; it takes any free line of the tier.
            owner[next(ln for ln in tier if ln not in owner)] = g
    return {g: line for line, g in owner.items()}


def _opponent_spot(lines: list[Spot | None], line: int) -> Spot | None:
    return lines[line ^ 1]


def fill_knockout(
    template: Sequence[Spot | None],
    finishing: Mapping[str, Sequence[int]],
    team: Mapping[int, int | None],
    rng: random.Random,
) -> tuple[list[int | None], list[TeamClash]]:
    """Put the group finishers on their lines, then part teammates in the first round.

    Only finishers of the same rank may swap lines (winners never move), and only when both
    still land in a half apart from their own group's other qualifiers.
    """
    lines: list[int | None] = []
    for spot in template:
        if spot is None:
            lines.append(None)
            continue
        order = finishing.get(spot.group, ())
        if len(order) < spot.rank:
            raise DrawError(f"{spot.group}组没有第 {spot.rank} 名,无法填入淘汰赛")
        lines.append(order[spot.rank - 1])
    qualifiers = max((s.rank for s in template if s is not None), default=1)
    segment_size = len(template) // bracket_size(qualifiers) if qualifiers > 1 else len(template)
    spot_of = {x: spot for x, spot in zip(lines, template) if x is not None and spot is not None}

    def keeps_groups_apart(current: Sequence[int | None], i: int, j: int) -> bool:
        a, b = current[i], current[j]
        if a is None or b is None or spot_of[a].rank != spot_of[b].rank:
            return False
        for mover, new_line in ((a, j), (b, i)):
            group = spot_of[mover].group
            for k, x in enumerate(current):
                if x is not None and x not in (a, b) and spot_of[x].group == group:
                    if k // segment_size == new_line // segment_size:
                        return False
        return True

    movable = {i for i, s in enumerate(template) if s is not None and s.rank > 1}
    lines = separate_teams(lines, movable, team, rng, may_swap=keeps_groups_apart)
    clashes = [TeamClash(t, f"淘汰赛第1轮 {a} 对 {b}", (a, b)) for t, a, b in team_clashes(lines, team)]
    return lines, clashes
