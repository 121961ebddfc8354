"""Team points (团体总分) and the medal table (奖牌榜).

Each event scores its top places for the entrants' teams (代表队), by default 7-5-4-3-2-1 for
the first six; a relay or a team event counts double (both are settings of the meet). Entrants
sharing a place share the points of the places they cover: two tied for 2nd each get
(5 + 4) / 2, and the place after them, 4th, gets 3 as usual. When an event has few entrants
the places scored shrink to ``entrants − short_field_reduction`` ("录取名次减一"), so that a
two-entrant event does not hand out points for merely turning up.

Shared points are kept as exact fractions until they are shown, so three entrants sharing
7 + 5 + 4 get 16/3 each and a team's total never drifts by a rounding.

The team table is ordered by total points; teams level on points are separated by more 1st
places, then more 2nd places, and so on down the places scored; teams still level share a place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import msgspec

from scheduling.entrants import DrawError
from scheduling.ranking import Placing

TIE_BREAK_RULE = "总分相同,以获第一名多者列前;再相同,以获第二名多者列前,依此类推;仍相同则名次并列"


class PointsRules(msgspec.Struct, frozen=True):
    points: tuple[float, ...] = (7, 5, 4, 3, 2, 1)
    team_event_multiplier: float = 2  # relays and team events
    short_field_reduction: int | None = 1  # score at most entrants − this; None: always every place
    medal_places: int = 3  # gold, silver, bronze


class EventResult(msgspec.Struct, frozen=True):
    """One event's final placings; ``team_of`` names each entrant's team (a relay's entrant is its team)."""

    event: int
    placings: tuple[Placing, ...]
    team_of: Mapping[int, int]
    team_event: bool = False
    entrants: int | None = None  # how many entered, when more entered than were placed


class Award(msgspec.Struct, frozen=True):
    event: int
    entrant: int
    team_id: int
    place: int
    points: float


class MedalRow(msgspec.Struct, frozen=True):
    place: int
    team_id: int
    gold: int
    silver: int
    bronze: int

    @property
    def total(self) -> int:
        return self.gold + self.silver + self.bronze


class TeamRow(msgspec.Struct, frozen=True):
    place: int
    team_id: int
    points: float
    gold: int
    silver: int
    bronze: int
    places: tuple[int, ...]  # how many 1st, 2nd, … places the team took, for the tie-break


def scored_places(rules: PointsRules, entrants: int) -> int:
    """How many places score in an event of ``entrants``."""
    if rules.short_field_reduction is None:
        return len(rules.points)
    return max(0, min(len(rules.points), entrants - rules.short_field_reduction))


def event_points(result: EventResult, rules: PointsRules = PointsRules()) -> list[Award]:
    """The points each placed entrant brings its team, in place order; no award for 0 points."""
    return [
        Award(result.event, p.entrant, result.team_of[p.entrant], p.place or 0, float(share))
        for p, share in _shares(result, rules)
    ]


def _shares(result: EventResult, rules: PointsRules) -> list[tuple[Placing, Fraction]]:
    scale = Fraction(rules.team_event_multiplier) if result.team_event else Fraction(1)
    entrants = result.entrants if result.entrants is not None else len(result.placings)
    table = [Fraction(x) for x in rules.points[: scored_places(rules, entrants)]]
    placed = [p for p in result.placings if p.place is not None and p.place <= len(table)]
    sharing: dict[int, int] = defaultdict(int)
    for p in result.placings:
        if p.place is not None:
            sharing[p.place] += 1
    shares = []
    for p in placed:
        if p.entrant not in result.team_of:
            raise DrawError(f"参赛者 {p.entrant} 未注明代表队")
        place = p.place or 0
        covered = table[place - 1 : place - 1 + sharing[place]]
        shares.append((p, sum(covered, Fraction(0)) / sharing[place] * scale))
    return [(p, s) for p, s in shares if s]


def medal_counts(results: Iterable[EventResult], rules: PointsRules = PointsRules()) -> dict[int, list[int]]:
    """Team → [gold, silver, bronze, …] counts; a shared place gives each sharer its medal."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * rules.medal_places)
    for result in results:
        for p in result.placings:
            if p.place is not None and p.place <= rules.medal_places:
                counts[result.team_of[p.entrant]][p.place - 1] += 1
    return dict(counts)


def medal_table(results: Sequence[EventResult], rules: PointsRules = PointsRules()) -> list[MedalRow]:
    """By golds, then silvers, then bronzes; teams level on all three share a place."""
    counts = medal_counts(results, rules)
    padded = {t: (c + [0, 0, 0])[:3] for t, c in counts.items()}
    order = sorted(padded, key=lambda t: ([-x for x in padded[t]], t))
    rows = []
    for i, t in enumerate(order):
        level = i > 0 and padded[order[i - 1]] == padded[t]
        place = rows[-1].place if level else i + 1
        rows.append(MedalRow(place, t, *padded[t]))
    return rows


def team_table(
    results: Sequence[EventResult], rules: PointsRules = PointsRules(), teams: Iterable[int] = ()
) -> list[TeamRow]:
    """Team totals, best first, under :data:`TIE_BREAK_RULE`; ``teams`` lists teams that scored nothing."""
    depth = max(len(rules.points), rules.medal_places)
    totals: dict[int, Fraction] = dict.fromkeys(teams, Fraction(0))
    taken: dict[int, list[int]] = {t: [0] * depth for t in totals}
    for result in results:
        for p, share in _shares(result, rules):
            team = result.team_of[p.entrant]
            totals[team] = totals.get(team, Fraction(0)) + share
        for p in result.placings:
            if p.place is not None and p.place <= depth:
                taken.setdefault(result.team_of[p.entrant], [0] * depth)[p.place - 1] += 1
                totals.setdefault(result.team_of[p.entrant], Fraction(0))

    def key(t: int) -> tuple[Fraction, list[int]]:
        return totals[t], taken.get(t, [0] * depth)

    order = sorted(totals, key=lambda t: (-totals[t], [-x for x in key(t)[1]], t))
    rows: list[TeamRow] = []
    for i, t in enumerate(order):
        level = i > 0 and key(order[i - 1]) == key(t)
        place = rows[-1].place if level else i + 1
        counts = tuple(taken.get(t, [0] * depth))
        medals = (list(counts[: rules.medal_places]) + [0, 0, 0])[:3]
        rows.append(TeamRow(place, t, float(totals[t]), *medals, places=counts))
    return rows
