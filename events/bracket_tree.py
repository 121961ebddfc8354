"""The knockout tree as it is drawn: one column per round, one box per match, the champion.

Both the event's draw page and the printed programme (秩序册) draw it from the same data: the
bracket (drawn directly, or planned from the group places before the groups have finished),
the entrants by draw number, the stored matches by key and their score summaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from scheduling import knockout
from scheduling.draw import GroupsKnockoutDraw


@dataclass
class Side:
    name: str
    team: str = ""
    state: str = "entrant"  # entrant / tbd (待定) / bye (轮空) / spot (A组第1名)
    won: bool = False


TBD = Side("待定", state="tbd")
BYE = Side("轮空", state="bye")


@dataclass
class Box:
    """One match of the knockout tree."""

    label: str
    number: int | None
    a: Side
    b: Side
    summary: str = ""
    bye: bool = False


@dataclass
class Column:
    title: str
    boxes: list[Box]


@dataclass
class Tree:
    columns: list[Column]
    third: Box | None
    champion: Side | None
    planned: bool  # drawn from the group places, before the groups have finished

    @property
    def printed_parts(self) -> list[Part]:
        """The tree as it prints: whole, or in halves or quarters when too big for a page."""
        return parts(self)


PART_FIRST_ROUND = 8  # first-round matches in one printed part (16 lines): one A4 page
_QUARTER_NAMES = "一二三四"


@dataclass
class Part:
    """A piece of the tree printed on its own page: a half or quarter (分区) up to where it has one
    match left, or the rounds from where the parts meet to the final (with the champion)."""

    title: str  # "" when the tree prints whole
    columns: list[Column]
    champion: Side | None


def parts(tree: Tree, most: int = PART_FIRST_ROUND) -> list[Part]:
    """The tree in parts that fit a page: a tree whose first round has at most ``most`` matches
    prints whole; a larger one as halves or quarters (上半区, 下半区, 第一区…; 第1区… when more) of
    ``most`` first-round matches each, down to each part's one remaining match, then the rounds
    from those matches on — split again the same way when still too many, each such part named
    for the parts it gathers (第1–8区汇合)."""
    return _parts(tree.columns, tree.champion, most, 0)


def _parts(columns: list[Column], champion: Side | None, most: int, per_box: int) -> list[Part]:
    """``per_box``: how many of the first split's parts each first-column match gathers (0: this
    is the first split)."""
    first = len(columns[0].boxes) if columns else 0
    depth = most.bit_length()  # columns in a part: most, most/2, …, 1 matches
    if first <= most or first % most or most & (most - 1) or len(columns) < depth:
        return [Part("", columns, champion)]
    count = first // most
    sections = []
    for i in range(count):
        if per_box:
            name = f"第{i * most * per_box + 1}–{(i + 1) * most * per_box}区汇合"
        elif count == 2:
            name = ("上半区", "下半区")[i]
        else:
            name = f"第{_QUARTER_NAMES[i]}区" if count <= 4 else f"第{i + 1}区"
        cut = [Column(c.title, c.boxes[i * len(c.boxes) // count:(i + 1) * len(c.boxes) // count]) for c in columns[:depth]]
        sections.append(Part(name, cut, None))
    rest = columns[depth - 1:]
    later = _parts(rest, champion, most, per_box * most if per_box else 1)
    if len(later) == 1:
        later = [replace(later[0], title=f"{rest[0].title}至{rest[-1].title}")]
    return sections + later


class Named(Protocol):
    name: str
    team_name: str


class Stored(Protocol):
    id: int
    number: int


def tree_of(
    bracket: knockout.Bracket | None,
    engine: object | None,
    by_number: Mapping[int, Named],
    stored: Mapping[str, Stored],
    summaries: Mapping[int, str],
) -> Tree | None:
    """The tree of a knockout draw, or of a groups → knockout draw (planned from the group
    places until the knockout is drawn); None for draws without a knockout."""
    if bracket is not None:
        planned = False

        def side(x: int | None, bye: bool, winner: int | None) -> Side:
            if x is None:
                return BYE if bye else TBD
            e = by_number[x]
            return Side(e.name, e.team_name, won=not bye and winner == x)

    elif isinstance(engine, GroupsKnockoutDraw):
        spots = engine.knockout
        ids = [i + 1 if s is not None else None for i, s in enumerate(spots)]
        bracket, planned = knockout.build_bracket(ids, engine.settings.third_place), True

        def side(x: int | None, bye: bool, winner: int | None) -> Side:
            if x is None:
                return BYE if bye else TBD
            spot = spots[x - 1]
            assert spot is not None
            return Side(f"{spot.group}组第{spot.rank}名", state="spot")

    else:
        return None

    def box(m: knockout.Match) -> Box:
        row = stored.get(f"ko:{m.id}")
        summary = summaries.get(row.id, "") if row is not None else ""
        return Box(
            m.label, row.number if row is not None else None, side(m.a, m.bye, m.winner), side(m.b, m.bye, m.winner),
            summary, m.bye,
        )

    columns = [
        Column(knockout.round_label(r, bracket.rounds), [box(m) for m in bracket.round_matches(r)])
        for r in range(1, bracket.rounds + 1)
    ]
    third = bracket.third_place_match()
    final = bracket.final()
    champion = side(final.winner, False, final.winner) if final.winner is not None and not planned else None
    return Tree(columns, box(third) if third is not None else None, champion, planned)
