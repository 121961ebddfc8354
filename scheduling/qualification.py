"""Who goes through from heats to the next round: Q by place, q by time.

The rule is written as on a start list: "每组前 3 名(Q)及其余成绩最好的 2 名(q)进入决赛" — the
first ``by_place`` of every heat qualify by place (Q), then the ``by_time`` best marks among
everyone else qualify by time (q). Without a valid mark no one goes through.

A tie across a cut (two entrants level for the last Q place of a heat, or for the last q
place) is not decided here: the rules let the referee put both through when there are lanes
enough, or else draw lots, and that is a person's decision. The tied entrants are reported
with the number of places they share, so ``qualified + places in ties`` is always exactly
the places on offer (when there are enough valid marks to fill them). Entrants in a tie for a
Q place are left out of the q count: whichever way their tie is settled, their time has
already been weighed at the Q cut. Time places that nobody else can take (too few other
valid marks) go to those tied for a Q place, best mark first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec
from msgspec.structs import replace

from scheduling.entrants import DrawError
from scheduling.marks import sort_key
from scheduling.ranking import Performance, Placing, rank


class QualifyRule(msgspec.Struct, frozen=True):
    by_place: int = 0  # Q: the first k of each heat
    by_time: int = 0  # q: the next best n overall


class CutTie(msgspec.Struct, frozen=True):
    """Entrants level across a qualifying cut, sharing ``places`` places the referee assigns."""

    kind: Literal["Q", "q"]
    heat: int | None  # the heat, for a Q tie
    entrants: tuple[int, ...]
    places: int

    def describe(self) -> str:
        where = f"第{self.heat}组" if self.heat is not None else "按成绩录取"
        names = "、".join(str(x) for x in self.entrants)
        return f"{where}最后 {self.places} 个{self.kind}名额并列:{names},由裁判长决定(道次允许则同时晋级,否则抽签)"


class Qualification(msgspec.Struct, frozen=True):
    placings: tuple[Placing, ...]  # heat by heat, each in place order, Q/q marked
    ties: tuple[CutTie, ...]

    def qualified(self) -> list[int]:
        return [p.entrant for p in self.placings if p.qualified is not None]


def qualify(performances: Iterable[Performance], rule: QualifyRule) -> Qualification:
    if rule.by_place < 0 or rule.by_time < 0:
        raise DrawError("录取名额不能为负数")
    per_heat: dict[int | None, list[Performance]] = defaultdict(list)
    for p in performances:
        per_heat[p.heat].append(p)
    heats = {h: rank(ps) for h, ps in sorted(per_heat.items(), key=lambda item: (item[0] is None, item[0] or 0))}
    marked: dict[int, str] = {}
    ties: list[CutTie] = []
    held_back: set[int] = set()
    for h, placings in heats.items():
        sure, tie = _cut([p for p in placings if p.place is not None], rule.by_place)
        marked.update(dict.fromkeys((p.entrant for p in sure), "Q"))
        if tie:
            ties.append(CutTie("Q", h, tuple(p.entrant for p in tie[0]), tie[1]))
            held_back.update(p.entrant for p in tie[0])
    pool = [p for ps in heats.values() for p in ps if p.place is not None and p.entrant not in marked and p.entrant not in held_back]
    overall = rank(Performance(p.entrant, p.mark, p.heat) for p in pool)
    sure, tie = _cut(overall, rule.by_time)
    marked.update(dict.fromkeys((p.entrant for p in sure), "q"))
    if tie:
        ties.append(CutTie("q", None, tuple(p.entrant for p in tie[0]), tie[1]))
    spare = rule.by_time - len(sure) - (tie[1] if tie else 0)
    ties = _settle_with_spare_places(ties, spare, marked, {p.entrant: p for ps in heats.values() for p in ps})
    placings = tuple(
        replace(p, qualified=marked.get(p.entrant)) for ps in heats.values() for p in ps
    )
    return Qualification(placings, tuple(ties))


def _settle_with_spare_places(
    ties: list[CutTie], spare: int, marked: dict[int, str], placing: dict[int, Placing]
) -> list[CutTie]:
    """Time places nobody else could take go to entrants tied for a Q place, best mark first:
    a tie that fits in them goes through whole and is no longer a tie."""
    settled: list[CutTie] = []
    for tie in sorted(ties, key=lambda t: (t.kind == "q", sort_key(placing[t.entrants[0]].mark), t.heat or 0)):
        extra = min(spare, len(tie.entrants) - tie.places) if tie.kind == "Q" else 0
        spare -= extra
        if tie.places + extra == len(tie.entrants):
            marked.update(dict.fromkeys(tie.entrants, "Q"))
        else:
            settled.append(replace(tie, places=tie.places + extra))
    return settled


def _cut(placings: Sequence[Placing], places: int) -> tuple[list[Placing], tuple[list[Placing], int] | None]:
    """Those placed within ``places`` for sure, and the tie straddling the cut with its places."""
    sharing = Counter(p.place for p in placings)
    sure = [p for p in placings if p.place is not None and p.place + sharing[p.place] - 1 <= places]
    if len(sure) >= places or len(sure) == len(placings):
        return sure, None
    straddling = [p for p in placings if p.place == len(sure) + 1]
    return sure, (straddling, places - len(sure))


def advance_order(qualification: Qualification) -> list[int]:
    """Seeding order for the next round: Q by place in heat then mark, then q by mark.

    Entrants still in an undecided tie are left for the caller to add once it is settled.
    """
    q_by_place = sorted(
        (p for p in qualification.placings if p.qualified == "Q"),
        key=lambda p: (p.place or 0, sort_key(p.mark), p.entrant),
    )
    q_by_time = sorted(
        (p for p in qualification.placings if p.qualified == "q"), key=lambda p: (sort_key(p.mark), p.entrant)
    )
    return [p.entrant for p in q_by_place + q_by_time]
