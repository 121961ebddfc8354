"""The draw factory: one call turns an event's entrants, settings and seed into its draw.

``make_draw(format, entrants, settings, seed)`` picks the algorithm for the format and returns
a plain msgspec Struct — tagged by ``format`` — for a later layer to store as JSON and print.
All chance goes through ``random.Random(seed)``: printing the seed on the draw sheet lets
anyone regenerate the identical draw. Choosing the seed (and making it unpredictable) is the
caller's business; nothing here reads a clock or the system's entropy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from scheduling import knockout
from scheduling.entrants import DrawError, Entrant, TeamClash, check_entrants, seeded_first, team_of
from scheduling.groups import Group, Spot, draw_groups, fill_knockout, qualifier_lines
from scheduling.round_robin import berger_rounds
from scheduling.rounds import Round
from scheduling.swiss import PlayedRound, pair_next_round

Format = Literal["round_robin", "knockout", "groups_knockout", "swiss"]


class RoundRobinSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    double: bool = False


class KnockoutSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    third_place: knockout.ThirdPlace = "match"


class GroupsKnockoutSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    group_count: int | None = None
    group_size: int = 4  # used to work out the group count when none is given
    qualifiers: int = 2
    third_place: knockout.ThirdPlace = "match"


class SwissSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rounds: int | None = None  # planned rounds; None: enough to find a clear winner
    bye_points: float = 1.0


class RoundRobinDraw(msgspec.Struct, frozen=True, tag="round_robin", tag_field="format"):
    seed: int
    settings: RoundRobinSettings
    entrants: tuple[Entrant, ...]
    order: tuple[int, ...]  # Berger numbers 1..n in this order
    rounds: tuple[Round, ...]


class KnockoutDraw(msgspec.Struct, frozen=True, tag="knockout", tag_field="format"):
    seed: int
    settings: KnockoutSettings
    entrants: tuple[Entrant, ...]
    bracket: knockout.Bracket
    clashes: tuple[TeamClash, ...]


class GroupsKnockoutDraw(msgspec.Struct, frozen=True, tag="groups_knockout", tag_field="format"):
    seed: int
    settings: GroupsKnockoutSettings
    entrants: tuple[Entrant, ...]
    groups: tuple[Group, ...]
    group_rounds: tuple[tuple[Round, ...], ...]
    knockout: tuple[Spot | None, ...]  # filled by groups.fill_knockout once the groups finish
    clashes: tuple[TeamClash, ...]


class SwissDraw(msgspec.Struct, frozen=True, tag="swiss", tag_field="format"):
    seed: int
    settings: SwissSettings
    entrants: tuple[Entrant, ...]
    ranking: tuple[int, ...]  # initial ranking: seeds, then by lot
    planned_rounds: int
    top_board_white: bool
    rounds: tuple[Round, ...]  # round one; later rounds are paired from results


Draw = RoundRobinDraw | KnockoutDraw | GroupsKnockoutDraw | SwissDraw

_SETTINGS: dict[str, type[msgspec.Struct]] = {
    "round_robin": RoundRobinSettings,
    "knockout": KnockoutSettings,
    "groups_knockout": GroupsKnockoutSettings,
    "swiss": SwissSettings,
}


def make_draw(
    format: str,
    entrants: Sequence[Entrant],
    settings: Mapping[str, Any] | msgspec.Struct | None,
    seed: int,
) -> Draw:
    if format not in _SETTINGS:
        raise DrawError(f"不支持的赛制:{format}")
    check_entrants(entrants)
    chosen = _settings(format, settings)
    rng = random.Random(seed)
    people = tuple(sorted(entrants, key=lambda e: e.id))  # the caller's listing order must not matter
    if isinstance(chosen, RoundRobinSettings):
        order = tuple(e.id for e in seeded_first(people, rng))
        return RoundRobinDraw(seed, chosen, people, order, berger_rounds(order, double=chosen.double))
    if isinstance(chosen, KnockoutSettings):
        lines = knockout.draw_lines(people, rng)
        clashes = _first_round_clashes(lines, team_of(people))
        return KnockoutDraw(seed, chosen, people, knockout.build_bracket(lines, chosen.third_place), clashes)
    if isinstance(chosen, GroupsKnockoutSettings):
        return _groups_knockout(seed, chosen, people, rng)
    assert isinstance(chosen, SwissSettings)
    ranking = tuple(e.id for e in seeded_first(people, rng))
    top_board_white = rng.random() < 0.5
    first = pair_next_round(ranking, (), top_board_white=top_board_white, bye_points=chosen.bye_points)
    planned = chosen.rounds or math.ceil(math.log2(len(people))) + 1
    return SwissDraw(seed, chosen, people, ranking, planned, top_board_white, (first,))


def _settings(format: str, settings: Mapping[str, Any] | msgspec.Struct | None) -> msgspec.Struct:
    kind = _SETTINGS[format]
    if settings is None:
        return kind()
    if isinstance(settings, kind):
        return settings
    if isinstance(settings, msgspec.Struct):
        raise DrawError(f"赛制 {format} 的编排设置类型不对")
    try:
        return msgspec.convert(dict(settings), kind)
    except msgspec.ValidationError as error:
        raise DrawError(f"编排设置有误:{error}") from error


def _groups_knockout(
    seed: int, settings: GroupsKnockoutSettings, people: tuple[Entrant, ...], rng: random.Random
) -> GroupsKnockoutDraw:
    count = settings.group_count or max(1, math.ceil(len(people) / max(2, settings.group_size)))
    count = min(count, len(people) // 2) if settings.group_count is None else count
    stage = draw_groups(people, count, rng)
    smallest = min(len(g.entrants) for g in stage.groups)
    if not 1 <= settings.qualifiers <= smallest:
        raise DrawError(f"每组出线名额须在 1 到 {smallest} 之间(最小的小组只有 {smallest} 个参赛者)")
    return GroupsKnockoutDraw(
        seed=seed,
        settings=settings,
        entrants=people,
        groups=stage.groups,
        group_rounds=tuple(berger_rounds(g.entrants) for g in stage.groups),
        knockout=tuple(qualifier_lines(count, settings.qualifiers)),
        clashes=stage.clashes,
    )


def _first_round_clashes(lines: Sequence[int | None], team: Mapping[int, int | None]) -> tuple[TeamClash, ...]:
    return tuple(TeamClash(t, f"第1轮 {a} 对 {b}", (a, b)) for t, a, b in knockout.team_clashes(lines, team))


def knockout_after_groups(
    draw: GroupsKnockoutDraw, finishing: Mapping[str, Sequence[int]]
) -> tuple[knockout.Bracket, tuple[TeamClash, ...]]:
    """The knockout once every group has its final order (group name → entrant ids, 1st first).

    Moving teammates apart draws on the draw's own seed, so this too is reproducible.
    """
    rng = random.Random(draw.seed)
    lines, clashes = fill_knockout(draw.knockout, finishing, team_of(draw.entrants), rng)
    return knockout.build_bracket(lines, draw.settings.third_place), tuple(clashes)


def next_swiss_round(draw: SwissDraw, played: Sequence[PlayedRound]) -> Round:
    """Round ``len(played) + 1`` of a Swiss event from the results of the rounds before it."""
    if len(played) >= draw.planned_rounds:
        raise DrawError(f"本项目计划 {draw.planned_rounds} 轮,已经全部编排")
    return pair_next_round(draw.ranking, played, draw.top_board_white, draw.settings.bye_points)


def encode_draw(draw: Draw) -> bytes:
    return msgspec.json.encode(draw)


def decode_draw(data: bytes | str) -> Draw:
    return msgspec.json.decode(data, type=Draw)
