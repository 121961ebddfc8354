"""The knockout tree as it is drawn: one column per round, one box per match, the champion.

Both the event's draw page and the printed programme (秩序册) draw it from the same data: the
bracket (drawn directly, or planned from the group places before the groups have finished),
the entrants by draw number, the stored matches by key and their score summaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
