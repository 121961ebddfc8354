"""Group and round-robin standings (积分排名) with an ordered tie-break list per event.

Entrants are ranked by the first criterion; each set still level is then ranked by the next
criterion *computed among that set only* ("head-to-head" criteria look at the matches
between them, and only those). Whenever a criterion splits a set, each smaller set that is
still level starts again from the top of the list, as the ITTF and FIBA regulations both
require: a tie among three that becomes a tie between two is decided by those two's own
meeting, not by the figure that separated the third. ``lots`` draws lots by the event's
seeded random generator; a list without it leaves the remaining entrants sharing a place.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import msgspec

from scheduling.entrants import DrawError
from scheduling.results import Played
from scheduling.swiss import buchholz, buchholz_cut1, sonneborn_berger


class PointsScheme(msgspec.Struct, frozen=True):
    """Match points for one match: a forfeit (walkover lost, no-show) usually earns nothing."""

    win: float
    loss: float
    draw: float = 0.0
    forfeit: float = 0.0
    bye: float | None = None  # None: a bye is worth a win


class TieBreakRules(msgspec.Struct, frozen=True):
    name: str
    points: PointsScheme
    criteria: tuple[str, ...]


CRITERION_LABELS = {
    "match_points": "积分",
    "head_to_head": "相互间比赛积分",
    "head_to_head_of_two": "两者间胜负",
    "head_to_head_game_ratio": "相互间胜负局比率",
    "head_to_head_point_ratio": "相互间得失分比率",
    "head_to_head_point_difference": "相互间净胜分",
    "head_to_head_points_scored": "相互间得分",
    "rubber_difference": "场次净胜数",
    "game_ratio": "胜负局比率",
    "game_difference": "局数净胜数",
    "point_ratio": "得失分比率",
    "point_difference": "净胜分",
    "points_scored": "总得分",
    "wins": "胜局数",
    "sonneborn_berger": "索伯分",
    "buchholz": "布赫霍尔茨分",
    "buchholz_cut1": "去掉最低一轮的布赫霍尔茨分",
    "lots": "抽签",
}

ITTF = TieBreakRules(
    "乒乓球(国际乒联)",
    PointsScheme(win=2, loss=1, forfeit=0),
    ("match_points", "head_to_head", "head_to_head_game_ratio", "head_to_head_point_ratio", "lots"),
)
FIBA = TieBreakRules(
    "篮球(国际篮联)",
    PointsScheme(win=2, loss=1, forfeit=0),
    (
        "match_points",
        "head_to_head",
        "head_to_head_point_difference",
        "head_to_head_points_scored",
        "point_difference",
        "points_scored",
        "lots",
    ),
)
BWF_TEAM = TieBreakRules(
    "羽毛球团体(世界羽联)",
    PointsScheme(win=1, loss=0, forfeit=0),
    ("match_points", "head_to_head_of_two", "rubber_difference", "game_difference", "point_difference", "lots"),
)
FIDE_ROUND_ROBIN = TieBreakRules(
    "象棋循环赛(国际棋联)",
    PointsScheme(win=1, loss=0, draw=0.5, forfeit=0),
    ("match_points", "head_to_head", "wins", "sonneborn_berger", "lots"),
)
SWISS = TieBreakRules(
    "瑞士制",
    PointsScheme(win=1, loss=0, draw=0.5, forfeit=0),
    ("match_points", "buchholz_cut1", "buchholz", "lots"),
)
TUG_OF_WAR = TieBreakRules(
    "拔河",
    PointsScheme(win=2, loss=1, forfeit=0),
    ("match_points", "head_to_head", "game_difference", "lots"),
)
PRESETS = {
    "ittf": ITTF,
    "fiba": FIBA,
    "bwf_team": BWF_TEAM,
    "fide_round_robin": FIDE_ROUND_ROBIN,
    "swiss": SWISS,
    "tug_of_war": TUG_OF_WAR,
}


class Standing(msgspec.Struct, frozen=True):
    place: int
    entrant: int
    played: int
    won: int
    drawn: int
    lost: int
    match_points: float
    rubbers: tuple[int, int]
    games: tuple[int, int]
    points: tuple[int, int]
    decided_by: str | None = None  # the criterion that last split this entrant from its equals


class _Table:
    """Everything the criteria need, computed once per ranking."""

    def __init__(self, ids: Sequence[int], records: Sequence[Played], byes: Sequence[int], rules: TieBreakRules):
        members = set(ids)
        self.records = [r for r in records if r.a in members and r.b in members]
        if len(self.records) != len(records):
            raise DrawError("比赛记录中有不在本组的参赛者")
        self.byes = list(byes)
        self.rules = rules
        self.total = {x: self.match_points(x, self.records) for x in ids}

    def match_points(self, x: int, records: Sequence[Played]) -> float:
        scheme = self.rules.points
        total = 0.0
        for r in records:
            if not r.involves(x):
                continue
            if x in r.forfeited:
                total += scheme.forfeit
            elif r.winner == x:
                total += scheme.win
            elif r.is_draw():
                total += scheme.draw
            else:
                total += scheme.loss
        bye_value = scheme.win if scheme.bye is None else scheme.bye
        return total + bye_value * self.byes.count(x)

    def among(self, group: Sequence[int]) -> list[Played]:
        members = set(group)
        return [r for r in self.records if r.a in members and r.b in members]


def _sums(x: int, records: Sequence[Played], field: str) -> tuple[int, int]:
    mine = [r.mine(x, getattr(r, field)) for r in records if r.involves(x)]
    return sum(f for f, _ in mine), sum(a for _, a in mine)


def _ratio(pair: tuple[int, int]) -> float:
    won, lost = pair
    if lost == 0:
        return float("inf") if won else 0.0
    return won / lost


Criterion = Callable[[_Table, int, list[int]], float]

CRITERIA: dict[str, Criterion] = {
    "match_points": lambda t, x, g: t.total[x],
    "head_to_head": lambda t, x, g: t.match_points(x, t.among(g)),
    "head_to_head_of_two": lambda t, x, g: t.match_points(x, t.among(g)) if len(g) == 2 else 0.0,
    "head_to_head_game_ratio": lambda t, x, g: _ratio(_sums(x, t.among(g), "games")),
    "head_to_head_point_ratio": lambda t, x, g: _ratio(_sums(x, t.among(g), "points")),
    "head_to_head_point_difference": lambda t, x, g: _difference(_sums(x, t.among(g), "points")),
    "head_to_head_points_scored": lambda t, x, g: _sums(x, t.among(g), "points")[0],
    "rubber_difference": lambda t, x, g: _difference(_sums(x, t.records, "rubbers")),
    "game_ratio": lambda t, x, g: _ratio(_sums(x, t.records, "games")),
    "game_difference": lambda t, x, g: _difference(_sums(x, t.records, "games")),
    "point_ratio": lambda t, x, g: _ratio(_sums(x, t.records, "points")),
    "point_difference": lambda t, x, g: _difference(_sums(x, t.records, "points")),
    "points_scored": lambda t, x, g: _sums(x, t.records, "points")[0],
    "wins": lambda t, x, g: sum(1 for r in t.records if r.winner == x),
    "sonneborn_berger": lambda t, x, g: sonneborn_berger(x, t.records, t.total),
    "buchholz": lambda t, x, g: buchholz(x, t.records, t.byes, t.total),
    "buchholz_cut1": lambda t, x, g: buchholz_cut1(x, t.records, t.byes, t.total),
}


def _difference(pair: tuple[int, int]) -> float:
    return pair[0] - pair[1]


def rank(
    entrants: Sequence[int],
    records: Sequence[Played],
    rules: TieBreakRules,
    seed: int = 0,
    byes: Sequence[int] = (),
) -> list[Standing]:
    """Standings, best first; entrants still level after every criterion share a place."""
    unknown = [c for c in rules.criteria if c not in CRITERIA and c != "lots"]
    if unknown:
        raise DrawError(f"未知的排名规则:{'、'.join(unknown)}")
    table = _Table(entrants, records, byes, rules)
    rng = random.Random(seed)
    decided_by: dict[int, str] = {}
    blocks = _separate(sorted(entrants), table, rng, decided_by)
    standings = []
    place = 1
    for block in blocks:
        for x in block:
            standings.append(_standing(place, x, table, decided_by.get(x)))
        place += len(block)
    return standings


def _separate(group: list[int], table: _Table, rng: random.Random, decided_by: dict[int, str]) -> list[list[int]]:
    if len(group) == 1:
        return [group]
    for name in table.rules.criteria:
        if name == "lots":
            drawn = {x: rng.random() for x in group}
            key: dict[int, float] = drawn
        else:
            key = {x: CRITERIA[name](table, x, group) for x in group}
        levels = sorted(set(key.values()), reverse=True)
        if len(levels) == 1:
            continue
        if name != table.rules.criteria[0]:
            decided_by.update(dict.fromkeys(group, name))
        blocks: list[list[int]] = []
        for level in levels:
            blocks += _separate([x for x in group if key[x] == level], table, rng, decided_by)
        return blocks
    return [group]


def _standing(place: int, x: int, table: _Table, decided_by: str | None) -> Standing:
    mine = [r for r in table.records if r.involves(x)]
    return Standing(
        place=place,
        entrant=x,
        played=len(mine),
        won=sum(1 for r in mine if r.winner == x),
        drawn=sum(1 for r in mine if r.is_draw()),
        lost=sum(1 for r in mine if r.winner != x and not r.is_draw()),
        match_points=table.total[x],
        rubbers=_sums(x, mine, "rubbers"),
        games=_sums(x, mine, "games"),
        points=_sums(x, mine, "points"),
        decided_by=decided_by,
    )
