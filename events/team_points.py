"""Team points (团体总分) and the medal table (奖牌榜) of a meet, as results arrive.

The meet's points rules (``Meet.points_rules``, JSON; ``{}`` means the defaults of
scheduling.points.PointsRules) say how many points each place brings: 7-5-4-3-2-1 for the first
six, relays and team events counted double, and one place fewer scored than an event has
entrants when the field is small. Organisers edit them with the meet (``checked_rules``).

Nothing here is stored: each call reads every event's final places (events.placings) and hands
them to the pure algorithms of scheduling.points, so a corrected result shows at once.
Only events with places count; until every event is complete the tables are provisional (暂定).
A medal is an award (获奖): an event that awards its top 2 gives no bronze.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from sqlalchemy import bindparam, select

from events.db import Database
from events.errors import NotFound
from events.models import Event, Meet, Team
from events.placings import EventPlacings, FinalPlace, meet_placings
from events.schemas import MeetInput
from events.validation import Problems
from scheduling.marks import Mark
from scheduling.points import (
    TIE_BREAK_RULE,
    EventResult,
    MedalRow,
    PointsRules,
    TeamRow,
    event_points,
    medal_table,
    scored_places,
    team_table,
)
from scheduling.ranking import Placing

DEFAULT_RULES = PointsRules()
MAX_PLACES_SCORED = 16
MAX_MULTIPLIER = 10
MAX_REDUCTION = 5
_SEPARATORS = re.compile(r"[,,、;;\s]+")
_NO_MARK = Mark("points")  # placings of match events carry no mark


# The rules ---------------------------------------------------------------------------------------


def rules_of(meet: Meet) -> PointsRules:
    """The meet's points rules; the defaults for ``{}`` (or anything unreadable)."""
    return _rules(meet.points_rules)


def _rules(stored: dict[str, Any] | None) -> PointsRules:
    try:
        return msgspec.convert(stored or {}, PointsRules)
    except msgspec.ValidationError:
        return DEFAULT_RULES


def number_text(value: float) -> str:
    """7 → "7", 4.5 → "4.5", 16/3 → "5.33": points as people write them."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def points_text(rules: PointsRules) -> str:
    """The points table as the form shows it: "7,5,4,3,2,1"."""
    return ",".join(number_text(p) for p in rules.points)


def form_values(meet: Meet | None) -> dict[str, Any]:
    """The meet form's points fields, filled from the meet (or the defaults for a new one)."""
    rules = rules_of(meet) if meet is not None else DEFAULT_RULES
    return {
        "points_table": points_text(rules),
        "points_multiplier": number_text(rules.team_event_multiplier),
        "points_short_field": rules.short_field_reduction or 0,
    }


def _number(text: str) -> float | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _points(text: str, problems: Problems) -> tuple[float, ...] | None:
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    values = [_number(p) for p in parts]
    if not parts or any(v is None for v in values):
        problems.add("points_table", "名次分须为用逗号分隔的数字,如 7,5,4,3,2,1")
        return None
    points = tuple(v for v in values if v is not None)
    if len(points) > MAX_PLACES_SCORED:
        problems.add("points_table", f"最多为前 {MAX_PLACES_SCORED} 名计分")
    elif any(not 0 < p <= 100 for p in points):
        problems.add("points_table", "每个名次的得分须大于 0 且不超过 100")
    elif any(a < b for a, b in zip(points, points[1:])):
        problems.add("points_table", "名次靠后的得分不能高于名次靠前的")
    else:
        return points
    return None


def checked_rules(data: MeetInput, current: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The points rules to store from the meet form or API: a field left out keeps its value.

    ``points_short_field`` is how many places fewer than its entrants a small event scores;
    0 turns the rule off.
    """
    stored = msgspec.structs.asdict(_rules(current))
    if data.points_table is not None:
        points = _points(data.points_table, problems)
        if points is not None:
            stored["points"] = list(points)
    if data.points_multiplier is not None:
        m = data.points_multiplier
        if not 1 <= m <= MAX_MULTIPLIER or _number(f"{m}") is None:
            problems.add("points_multiplier", f"接力及团体项目的得分倍数须为 1–{MAX_MULTIPLIER}(可带两位小数)")
        else:
            stored["team_event_multiplier"] = int(m) if m == int(m) else m
    if data.points_short_field is not None:
        r = data.points_short_field
        if not 0 <= r <= MAX_REDUCTION:
            problems.add("points_short_field", f"参赛不足时少计的名次须为 0–{MAX_REDUCTION}(0 表示不减少)")
        else:
            stored["short_field_reduction"] = r or None
    stored["points"] = list(stored["points"])
    return stored


def rules_summary(rules: PointsRules) -> str:
    """One line for pages and prints: how points are given in this meet."""
    places = "-".join(number_text(p) for p in rules.points)
    text = f"前 {len(rules.points)} 名依次得 {places} 分"
    if rules.team_event_multiplier != 1:
        text += f";接力及团体项目得分×{number_text(rules.team_event_multiplier)}"
    if rules.short_field_reduction:
        text += f";参赛不足 {len(rules.points) + rules.short_field_reduction} 个时,计分名次为参赛数减 {rules.short_field_reduction}"
    return text + ";名次并列时平分所占名次的得分"


# From places to results --------------------------------------------------------------------------


def event_result(placings: EventPlacings, depth: int | None = None) -> EventResult:
    """An event's places as scheduling.points sees them: entrant i is ``placings.places[i]``.

    With ``depth`` only places down to it are kept (the medal table keeps the award places).
    """
    kept = [
        Placing(i, p.place, _NO_MARK, tied=p.tied)
        for i, p in enumerate(placings.places)
        if p.place is not None and (depth is None or p.place <= depth)
    ]
    return EventResult(
        event=placings.event.id,
        placings=tuple(kept),
        team_of={i: p.team_id for i, p in enumerate(placings.places)},
        team_event=placings.event.is_team_event,
        entrants=max(placings.entrants, len(placings.places)) or None,
    )


# The tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """One placed entrant's points for its team in one event."""

    event_id: int
    event_name: str
    place: int
    tied: bool
    name: str
    points: float
    complete: bool  # the event is decided


@dataclass
class TeamLine:
    row: TeamRow
    team: Team
    scored: list[Scored] = field(default_factory=list)  # in programme order

    @property
    def points(self) -> str:
        return number_text(self.row.points)


@dataclass(frozen=True)
class MedalLine:
    row: MedalRow
    team: Team


@dataclass
class EventState:
    """How far an event is, for the 'n of m events decided' line."""

    placings: EventPlacings
    scored_places: int  # how many places score here (the short-field rule applied)

    @property
    def has_places(self) -> bool:
        return any(p.place is not None for p in self.placings.places)


@dataclass
class Standings:
    meet: Meet
    rules: PointsRules
    teams: list[TeamLine]
    medals: list[MedalLine]
    events: list[EventState]

    @property
    def decided(self) -> int:
        return sum(1 for e in self.events if e.placings.complete)

    @property
    def provisional(self) -> bool:
        """Some event is not decided yet: the tables may still change."""
        return self.decided < len(self.events)

    @property
    def summary(self) -> str:
        return rules_summary(self.rules)

    tie_break = TIE_BREAK_RULE


# Built once: the team table is read after every result; a pre-built statement keeps its
# compiled form and cache key. The meet comes with its teams (one row each, or one bare row).
_MEET_AND_TEAMS = (
    select(Meet, Team)
    .outerjoin(Team, Team.meet_id == Meet.id)
    .where(Meet.id == bindparam("meet_id"))
    .order_by(Team.number)
)
_EVENTS = select(Event).where(Event.meet_id == bindparam("meet_id")).order_by(Event.position, Event.id)


async def standings(db: Database, meet_id: int) -> Standings:
    """The team totals table, the medal table and each team's points by event. Public."""
    async with db.read() as session:  # one read for the meet, its teams and events, and the timed events' places
        found = (await session.execute(_MEET_AND_TEAMS, {"meet_id": meet_id})).all()
        if not found:
            raise NotFound("运动会")
        meet = found[0][0]
        teams = [team for _, team in found if team is not None]
        events = list((await session.scalars(_EVENTS, {"meet_id": meet_id})).all())
        rules = rules_of(meet)
        # Places below those that score or win a medal change nothing here: the database ranks the top.
        placed = await meet_placings(db, events, depth=max(len(rules.points), rules.medal_places), session=session)
    return standings_of(meet, teams, placed)


def standings_of(meet: Meet, teams: list[Team], placed: list[EventPlacings]) -> Standings:
    """The tables from already read places (pure; the pages and the API share it)."""
    rules = rules_of(meet)
    counted = [p for p in placed if any(x.place is not None for x in p.places)]
    results = [event_result(p) for p in counted]
    by_id = {t.id: t for t in teams}
    known = [t.id for t in teams]
    lines = {
        row.team_id: TeamLine(row, by_id[row.team_id])
        for row in team_table(results, rules, known)
        if row.team_id in by_id
    }
    for p, result in zip(counted, results, strict=True):
        for award in event_points(result, rules):
            place: FinalPlace = p.places[award.entrant]
            if award.team_id in lines:
                lines[award.team_id].scored.append(
                    Scored(p.event.id, p.event.name, award.place, place.tied, place.name, award.points, p.complete)
                )
    medal_results = [event_result(p, depth=p.event.award_places) for p in counted]
    medals = [MedalLine(row, by_id[row.team_id]) for row in medal_table(medal_results, rules) if row.team_id in by_id]
    states = [EventState(p, scored_places(rules, max(p.entrants, len(p.places)))) for p in placed]
    return Standings(meet, rules, list(lines.values()), medals, states)
