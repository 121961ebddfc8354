"""The meet timetable (赛程): from draws and heats to a conflict-free schedule, published.

- ``build_problem`` turns a meet into the solver's Problem: every match of every draw (later
  knockout rounds wait for their feeders and protect only the people who can reach them), every
  heat and final of timed events, field-event flights, and the opening ceremony pinned at the
  first session's start. Venues are resources (a pool of k identical courts or tables is one
  resource of capacity k) open during the meet's sessions.
- ``generate`` solves it greedily at once (always available) and stores a draft; ``improve``
  then runs CP-SAT in a background task for the meet's set time, writing its progress to the
  database so a poll reaching any app instance can read it.
- The organiser pins items, moves one by hand (checked by the independent validator and
  refused with its Chinese reason), re-solves the rest with pins and frozen items kept, and
  publishes. Frozen items are those of the published timetable that have started or are past.
- Readers: ``timetable_rows`` (the printed programme), ``timetable_calendar_items`` (the shared
  calendar), ``clashes_for_team`` (team leaders' warnings), ``person_rows``/``team_rows``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.calendar_items import SHANGHAI, CalendarItem
from events.db import Database
from events.draws import candidates, engine_and_bracket
from events.errors import Conflict, DomainError, NotFound
from events.ics_feed import build_ics
from events.measures import is_mark_event
from events.models import (
    Draw,
    DrawEntrant,
    Entry,
    EntryStatus,
    Event,
    Heat,
    MarkResult,
    Match,
    MatchStatus,
    Meet,
    Person,
    RaceRound,
    StartEntry,
    Team,
    TeamMember,
    Venue,
    utcnow,
)
from events.race_rounds import rounds_of
from events.timetable_models import (
    EventDuration,
    MeetSession,
    SolverStatus,
    Timetable,
    TimetableSetting,
    TimetableSlot,
    TimetableStatus,
)
from scheduling import knockout
from scheduling.alternatives import Line, base_key, joined, with_lines
from scheduling.draw import GroupsKnockoutDraw, SwissDraw
from scheduling.groups import Spot
from scheduling.running_order import in_running_order
from scheduling.timetable import (
    Item,
    Placement,
    Problem,
    Resource,
    Schedule,
    TimetableError,
    Window,
    greedy,
    lower_bound,
)
from scheduling.timetable_check import Conflict as Broken
from scheduling.timetable_check import validate

log = logging.getLogger("zhijia")

DAY = 1440
DEFAULT_SESSIONS = ((dt.time(8, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 30)))
CEREMONY_KEY = "ceremony"
NO_VENUE = "v:0"
NO_VENUE_CAPACITY = 99  # items without a venue never wait for a court
STALE_AFTER = dt.timedelta(seconds=30)  # a run past its end by this much died with its worker
PROGRESS_EVERY = 1.0  # seconds between progress writes while CP-SAT runs

SOLVER_LABELS = {
    SolverStatus.GREEDY: "贪心排程",
    SolverStatus.RUNNING: "正在优化",
    SolverStatus.IMPROVED: "优化完成(达到时限)",
    SolverStatus.OPTIMAL: "已证明最优",
    SolverStatus.FAILED: "优化未找到更好的方案",
}
STATUS_LABELS = {
    TimetableStatus.DRAFT: "草稿",
    TimetableStatus.PUBLISHED: "已公布",
    TimetableStatus.SUPERSEDED: "已替换",
}
BOUND_LABELS = {
    "chain": "最长轮次链(含休息)",
    "venue": "场地负荷",
    "person": "个人赛程(含休息)最满的人",
    "team": "队伍赛程(含休息)最满的队",
    "clique": "共用人员、只能先后进行的一串项目",
    "solver": "CP-SAT 求解器下界",
}


# Durations ---------------------------------------------------------------------------------

# Minutes per game of a best-of-N match, and flat minutes per match, per sport.
PER_GAME = {"table_tennis": 5}
PER_MATCH = {"badminton": 30, "basketball": 60, "tug_of_war": 15, "chess": 60, "cards": 60}


def default_minutes(event: Event, *, final: bool = False, best_of: int | None = None) -> int:
    """A sensible length for one item of the event at a staff meet (editable per event)."""
    if event.sport in PER_GAME:
        games = best_of or ((event.final_best_of or event.best_of) if final else event.best_of)
        return PER_GAME[event.sport] * max(games, 1)
    if event.sport in PER_MATCH:
        return PER_MATCH[event.sport]
    if event.kind == "individual_measured":
        return 40  # a field-event flight
    if event.format == "mass_start":
        return 10
    if event.kind == "team_timed":
        return 10
    return 5  # a sprint, relay or fun-event heat


def _minutes_for(event: Event, durations: dict[tuple[int, str], int], *, final: bool, best_of: int | None = None) -> int:
    """The organiser's minutes for the event (the final's own, else every round's), else the default."""
    if final and (event.id, "final") in durations:
        return durations[(event.id, "final")]
    if (event.id, "all") in durations:
        return durations[(event.id, "all")]
    return default_minutes(event, final=final, best_of=best_of)


# Settings ----------------------------------------------------------------------------------


class SessionInput(msgspec.Struct):
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time


class SettingsInput(msgspec.Struct):
    min_rest: int = 15
    improve_seconds: int = 20
    ceremony_minutes: int = 30
    sessions: list[SessionInput] = []  # empty: the defaults on every meet day
    durations: dict[int, list[int | None]] = {}  # event id -> [all rounds, final] minutes or None


@dataclass
class TimetableSettings:
    meet: Meet
    min_rest: int
    improve_seconds: int
    ceremony_minutes: int
    ceremony_venue_id: int | None
    sessions: list[tuple[dt.date, dt.time, dt.time]]
    durations: dict[tuple[int, str], int]


def meet_days(meet: Meet) -> list[dt.date]:
    return [meet.starts_on + dt.timedelta(days=i) for i in range((meet.ends_on - meet.starts_on).days + 1)]


async def _settings(session: AsyncSession, meet: Meet) -> TimetableSettings:
    row = await session.get(TimetableSetting, meet.id)
    stored = (
        await session.scalars(
            select(MeetSession).where(MeetSession.meet_id == meet.id).order_by(MeetSession.day, MeetSession.starts_at)
        )
    ).all()
    sessions = [(s.day, s.starts_at, s.ends_at) for s in stored] or [
        (day, a, b) for day in meet_days(meet) for a, b in DEFAULT_SESSIONS
    ]
    durations = {
        (d.event_id, d.stage): d.minutes
        for d in (
            await session.scalars(select(EventDuration).join(Event, Event.id == EventDuration.event_id).where(Event.meet_id == meet.id))
        ).all()
    }
    return TimetableSettings(
        meet=meet,
        min_rest=row.min_rest if row else 15,
        improve_seconds=row.improve_seconds if row else 20,
        ceremony_minutes=row.ceremony_minutes if row else 30,
        ceremony_venue_id=row.ceremony_venue_id if row else None,
        sessions=sessions,
        durations=durations,
    )


async def get_settings(db: Database, meet_id: int) -> TimetableSettings:
    async with db.read() as session:
        return await _settings(session, await _meet(session, meet_id))


def _check_settings(meet: Meet, data: SettingsInput) -> None:
    if not 0 <= data.min_rest <= 240:
        raise DomainError("最短休息时间须为 0–240 分钟", field="min_rest")
    if not 1 <= data.improve_seconds <= 600:
        raise DomainError("优化时间须为 1–600 秒", field="improve_seconds")
    if not 0 <= data.ceremony_minutes <= 240:
        raise DomainError("开幕式时长须为 0–240 分钟", field="ceremony_minutes")
    days = set(meet_days(meet))
    seen: dict[dt.date, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for s in data.sessions:
        if s.day not in days:
            raise DomainError(f"{s.day:%Y年%m月%d日} 不在运动会日期内", field="sessions")
        if s.ends_at <= s.starts_at:
            raise DomainError(f"比赛时段 {s.starts_at:%H:%M}–{s.ends_at:%H:%M} 的结束时间须晚于开始时间", field="sessions")
        for a, b in seen[s.day]:
            if s.starts_at < b and a < s.ends_at:
                raise DomainError(f"{s.day.month}月{s.day.day}日 的比赛时段有重叠", field="sessions")
        seen[s.day].append((s.starts_at, s.ends_at))
    for minutes in data.durations.values():
        for m in minutes:
            if m is not None and not 1 <= m <= 600:
                raise DomainError("每场时长须为 1–600 分钟", field="durations")


async def save_settings(db: Database, actor: Actor, meet_id: int, data: SettingsInput) -> None:
    actor.require_organiser()
    async with db.write() as session:
        meet = await _meet(session, meet_id)
        _check_settings(meet, data)
        row = await session.get(TimetableSetting, meet_id)
        if row is None:
            row = TimetableSetting(meet_id=meet_id)
            session.add(row)
        row.min_rest, row.improve_seconds, row.ceremony_minutes = data.min_rest, data.improve_seconds, data.ceremony_minutes
        if data.sessions:
            await session.execute(delete(MeetSession).where(MeetSession.meet_id == meet_id))
            session.add_all(MeetSession(meet_id=meet_id, day=s.day, starts_at=s.starts_at, ends_at=s.ends_at) for s in data.sessions)
        event_ids = set((await session.scalars(select(Event.id).where(Event.meet_id == meet_id))).all())
        for event_id, minutes in data.durations.items():
            if event_id not in event_ids:
                raise NotFound("项目")
            await session.execute(delete(EventDuration).where(EventDuration.event_id == event_id))
            for stage, m in zip(("all", "final"), [*minutes, None, None][:2], strict=True):
                if m is not None:
                    session.add(EventDuration(event_id=event_id, stage=stage, minutes=m))
        audit.record(
            session, actor, "timetable_settings",
            f"赛程设置:最短休息 {data.min_rest} 分钟,优化 {data.improve_seconds} 秒,开幕式 {data.ceremony_minutes} 分钟,"
            f"{len(data.sessions) or '默认'} 个时段",
            meet_id=meet_id, target=f"meet:{meet_id}",
        )


# Building the problem -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInfo:
    """What the solver does not need but the pages do."""

    kind: str  # match | heat | round | ceremony
    event_id: int | None
    event_name: str
    round_name: str
    label: str
    venue_id: int | None
    venue_name: str
    person_ids: tuple[int, ...]
    team_ids: tuple[int, ...]


@dataclass
class Built:
    problem: Problem
    info: dict[str, ItemInfo]
    venues: dict[int, Venue]
    settings: TimetableSettings


def minute_of(meet: Meet, day: dt.date, at: dt.time) -> int:
    return (day - meet.starts_on).days * DAY + at.hour * 60 + at.minute


def at_minute(meet: Meet, minute: int) -> dt.datetime:
    """The aware Asia/Shanghai datetime of a timetable minute."""
    start = dt.datetime.combine(meet.starts_on, dt.time(0, 0), tzinfo=SHANGHAI)
    return start + dt.timedelta(minutes=minute)


def _people_keys(person_ids: Iterable[int]) -> frozenset[str]:
    return frozenset(f"p:{p}" for p in person_ids)


def _team_key(team_id: int, squad: int, event_id: int) -> str:
    """A team's squad in one event. Scoped to the event: a team's basketball five and its tug of
    war ten are different people and may play at once; the people keys catch anyone in both."""
    return f"t:{team_id}:e{event_id}:{squad}"


@dataclass
class _Side:
    people: set[int] = field(default_factory=set)
    teams: set[str] = field(default_factory=set)
    team_ids: set[int] = field(default_factory=set)
    # who is here only through some knockout lines fed by a group not yet played ("A组第1名"),
    # by conflict key ("p:12", a team key): see scheduling.alternatives
    lines: dict[str, frozenset[Line]] = field(default_factory=dict)

    def who(self) -> set[str]:
        """Conflict keys of everyone on this side."""
        return set(_people_keys(self.people)) | self.teams

    def add(self, other: _Side) -> None:
        if self.lines or other.lines:
            self.lines = joined(self.who(), self.lines, other.who(), other.lines)
        self.people |= other.people
        self.teams |= other.teams
        self.team_ids |= other.team_ids

    def on_line(self, line: Line) -> _Side:
        """The same people, each here only if they take ``line``."""
        return _Side(set(self.people), set(self.teams), set(self.team_ids), {w: frozenset({line}) for w in self.who()})


async def _squad_people(session: AsyncSession, event_id: int) -> dict[tuple[int, int], set[int]]:
    rows = (
        await session.execute(
            select(Entry.team_id, Entry.squad, Entry.person_id).where(
                Entry.event_id == event_id, Entry.status != EntryStatus.REJECTED
            )
        )
    ).all()
    squads: dict[tuple[int, int], set[int]] = defaultdict(set)
    for team_id, squad, person_id in rows:
        squads[(team_id, squad)].add(person_id)
    return squads


def _entrant_side(row: DrawEntrant | None, squads: dict[tuple[int, int], set[int]], team_event: bool, row_event: int) -> _Side:
    side = _Side()
    if row is None:
        return side
    side.team_ids.add(row.team_id)
    if row.person_id is not None:
        side.people.add(row.person_id)
    else:
        side.people |= squads.get((row.team_id, row.squad), set())
    if team_event:
        side.teams.add(_team_key(row.team_id, row.squad, row_event))
    return side


class _Builder:
    def __init__(self, settings: TimetableSettings, venues: dict[int, Venue]) -> None:
        self.settings = settings
        self.venues = venues
        self.items: list[Item] = []
        self.info: dict[str, ItemInfo] = {}
        self.only: dict[str, dict[str, frozenset[Line]]] = {}  # item key -> who is there by lines only
        self.not_before: int | None = None

    def resource(self, venue_id: int | None) -> str:
        return f"v:{venue_id}" if venue_id in self.venues else NO_VENUE

    def add(
        self, key: str, *, kind: str, event: Event | None, round_name: str, label: str, venue_id: int | None,
        minutes: int, side: _Side, after: Sequence[str] = (), pinned: int | None = None, pinned_unit: int | None = None,
        units: int = 1,
    ) -> None:
        venue = self.venues.get(venue_id) if venue_id is not None else None
        if side.lines:
            self.only[key] = dict(side.lines)
        self.items.append(
            Item(
                key=key, label=label, resource=self.resource(venue_id), duration=minutes,
                people=_people_keys(side.people), teams=frozenset(side.teams), after=tuple(after),
                pinned=pinned, pinned_unit=pinned_unit, not_before=None if kind == "ceremony" else self.not_before,
                units=units,
            )
        )
        self.info[key] = ItemInfo(
            kind=kind, event_id=event.id if event else None, event_name=event.name if event else "",
            round_name=round_name, label=label, venue_id=venue.id if venue else None,
            venue_name=venue.name if venue else "未指定场地",
            person_ids=tuple(sorted(side.people)), team_ids=tuple(sorted(side.team_ids)),
        )


async def _match_items(session: AsyncSession, b: _Builder, event: Event) -> None:
    draw = await session.scalar(select(Draw).where(Draw.event_id == event.id))
    if draw is None:
        return
    rows = {r.id: r for r in (await session.scalars(select(DrawEntrant).where(DrawEntrant.draw_id == draw.id))).all()}
    by_number = {r.number: r for r in rows.values()}
    matches = (await session.scalars(select(Match).where(Match.draw_id == draw.id).order_by(Match.number))).all()
    squads = await _squad_people(session, event.id) if event.is_team_event else {}

    def side_of(row: DrawEntrant | None) -> _Side:
        return _entrant_side(row, squads, event.is_team_event, event.id)

    def names(a: DrawEntrant | None, bb: DrawEntrant | None) -> str:
        return f"{a.name if a else '待定'} 对 {bb.name if bb else '待定'}"

    engine, bracket = engine_and_bracket(draw.data, draw.bracket)
    stored = {m.key: m for m in matches}
    group_keys: dict[str, list[str]] = defaultdict(list)  # group name -> item keys
    group_sides: dict[str, _Side] = defaultdict(_Side)
    # (group, round) -> its matches' keys: a group's or a round robin's round N+1 is played after
    # its round N, as the 轮次 on the sheets say; a Swiss round after the whole round before
    rounds: dict[tuple[str, int], list[str]] = defaultdict(list)
    for m in matches:
        if m.stage != "knockout":
            rounds[(m.group_name or "", m.round_no)].append(f"{event.id}:{m.key}")
    swiss_rounds = {r: keys for (g, r), keys in rounds.items() if not g}  # Swiss round -> its paired matches
    for m in matches:
        if m.stage == "knockout":
            continue
        key = f"{event.id}:{m.key}"
        side = side_of(rows.get(m.a_id) if m.a_id else None)
        side.add(side_of(rows.get(m.b_id) if m.b_id else None))
        minutes = _minutes_for(event, b.settings.durations, final=False, best_of=m.best_of)
        b.add(
            key, kind="match", event=event, round_name=m.label, venue_id=m.venue_id or event.venue_id, minutes=minutes,
            label=f"{event.name} {m.label} {names(rows.get(m.a_id) if m.a_id else None, rows.get(m.b_id) if m.b_id else None)}",
            side=side, after=rounds.get((m.group_name or "", m.round_no - 1), ()),
        )
        if m.group_name:
            group_keys[m.group_name].append(key)
            group_sides[m.group_name].add(side)
    if isinstance(engine, SwissDraw):
        _swiss_rounds_to_pair(b, event, engine, swiss_rounds, [side_of(r) for r in rows.values()])
        return
    spot_of: dict[int, Spot] = {}  # line id standing for a group place until the knockout is drawn -> the place
    if bracket is None and isinstance(engine, GroupsKnockoutDraw):
        lines: list[int | None] = []
        for i, spot in enumerate(engine.knockout, start=1):
            lines.append(None if spot is None else -i)
            if spot is not None:
                spot_of[-i] = spot
        bracket = knockout.build_bracket(lines, engine.settings.third_place)
    if bracket is None:
        return
    _knockout_items(b, event, bracket, stored, rows, by_number, side_of, spot_of, group_keys, group_sides)


def _swiss_rounds_to_pair(
    b: _Builder, event: Event, engine: SwissDraw, paired: dict[int, list[str]], sides: list[_Side]
) -> None:
    """The Swiss rounds not paired yet (pairings come from the previous round's results): each is
    one item on a block of boards, one per pairing, protecting every player, after the round
    before. A hall with fewer boards than pairings plays the round in sittings, one after another."""
    everyone = _Side()
    for side in sides:
        everyone.add(side)
    pairings = len(sides) // 2
    if pairings == 0:
        return
    venue_id = event.venue_id
    venue = b.venues.get(venue_id) if venue_id is not None else None
    boards = venue.capacity if venue is not None else NO_VENUE_CAPACITY
    minutes = _minutes_for(event, b.settings.durations, final=False, best_of=event.best_of)
    last_paired = max(paired, default=0)
    previous = paired.get(last_paired, [])
    sittings = -(-pairings // boards)
    for r in range(last_paired + 1, engine.planned_rounds + 1):
        keys: list[str] = []
        for k in range(sittings):
            units = min(boards, pairings - k * boards)
            key = f"{event.id}:sw:{r}" + (f":{k + 1}" if sittings > 1 else "")
            part = f"第{k + 1}批," if sittings > 1 else ""
            b.add(
                key, kind="match", event=event, round_name=f"第{r}轮", venue_id=venue_id, minutes=minutes,
                label=f"{event.name} 第{r}轮({part}{units}台,对阵按上一轮成绩编排)", side=everyone,
                after=previous + keys, units=units,
            )
            keys.append(key)
        previous = keys


def _knockout_items(
    b: _Builder, event: Event, bracket: knockout.Bracket, stored: dict[str, Match], rows: dict[int, DrawEntrant],
    by_number: dict[int, DrawEntrant], side_of, spot_of: dict[int, Spot], group_keys: dict[str, list[str]],
    group_sides: dict[str, _Side],
) -> None:
    feeders: dict[tuple[int, str], int] = {}
    for m in bracket.matches:
        for slot in (m.winner_to, m.loser_to):
            if slot is not None and not m.bye:
                feeders[(slot.match, slot.side)] = m.id
    final_id = bracket.final().id
    reach: dict[int, _Side] = {}
    keys: dict[int, str] = {}
    for m in sorted(bracket.matches, key=lambda m: (m.round, m.id)):
        if m.bye:
            continue
        key = f"{event.id}:ko:{m.id}"
        row = stored.get(f"ko:{m.id}")
        side, after = _Side(), []
        for letter, entrant in (("a", m.a), ("b", m.b)):
            stored_id = getattr(row, f"{letter}_id") if row is not None else None
            if stored_id is not None:
                side.add(side_of(rows.get(stored_id)))
            elif entrant is not None and entrant in spot_of:
                spot = spot_of[entrant]
                # any of the group's players, but each only if they finish in this place
                side.add(group_sides[spot.group].on_line((f"e{event.id}g{spot.group}", str(spot.rank))))
                after += group_keys[spot.group]
            elif entrant is not None and entrant > 0:
                side.add(side_of(by_number.get(entrant)))
            if (m.id, letter) in feeders:
                feeder = feeders[(m.id, letter)]
                if stored_id is None and (entrant is None):
                    side.add(reach.get(feeder, _Side()))
                if feeder in keys:
                    after.append(keys[feeder])
        reach[m.id] = side
        keys[m.id] = key
        is_final = m.id == final_id
        best_of = row.best_of if row is not None else ((event.final_best_of or event.best_of) if is_final else event.best_of)
        minutes = _minutes_for(event, b.settings.durations, final=is_final, best_of=best_of)
        a_name = rows[row.a_id].name if row is not None and row.a_id else "待定"
        b_name = rows[row.b_id].name if row is not None and row.b_id else "待定"
        b.add(
            key, kind="match", event=event, round_name=m.label,
            venue_id=(row.venue_id if row is not None else None) or event.venue_id,
            label=f"{event.name} {m.label} {a_name} 对 {b_name}", minutes=minutes, side=side,
            after=sorted(set(after)),
        )


async def _person_of_lines(session: AsyncSession, event: Event) -> dict[tuple[int, int], set[int]]:
    return await _squad_people(session, event.id) if event.is_team_event else {}


async def _mark_items(session: AsyncSession, b: _Builder, event: Event) -> None:
    views = await rounds_of(session, event)
    squads = await _person_of_lines(session, event)
    field_event = event.kind == "individual_measured"
    kind = "round" if field_event else "heat"
    heat_word = "组"

    def side_of_lines(lines: Iterable[object]) -> _Side:
        side = _Side()
        for line in lines:
            side.team_ids.add(line.team_id)
            if line.person_id is not None:
                side.people.add(line.person_id)
            else:
                side.people |= squads.get((line.team_id, line.squad), set())
                side.teams.add(_team_key(line.team_id, line.squad, event.id))
        return side

    previous: list[str] = []
    everyone = _Side()
    for v in views:
        r = v.round
        keys = []
        minutes = _minutes_for(event, b.settings.durations, final=r.is_final)
        for h in v.heats:
            key = heat_key(event.id, r.number, h.heat.number, final=r.is_final, alone=len(v.heats) == 1)
            side = side_of_lines(h.lines)
            everyone.add(side)
            many = len(v.heats) > 1
            round_name = f"{r.name} 第{h.heat.number}{heat_word}" if many else r.name
            b.add(
                key, kind=kind, event=event, round_name=round_name, label=f"{event.name} {round_name}",
                venue_id=event.venue_id, minutes=minutes, side=side, after=previous,
            )
            keys.append(key)
        previous = keys
        if r.is_final:
            return
    if views:
        # Heats are drawn, the final is not: every heat's entrant may reach it.
        b.add(
            f"{event.id}:final", kind=kind, event=event, round_name="决赛", label=f"{event.name} 决赛",
            venue_id=event.venue_id, minutes=_minutes_for(event, b.settings.durations, final=True), side=everyone,
            after=previous,
        )
        return
    # Nothing drawn yet: the whole field in one item as long as its heats would take.
    field_ = await candidates(session, event)
    if not field_:
        return
    side = _Side()
    for c in field_:
        side.team_ids.add(c.team_id)
        if c.person_id is not None:
            side.people.add(c.person_id)
        else:
            side.people |= squads.get((c.team_id, c.squad), set())
            side.teams.add(_team_key(c.team_id, c.squad, event.id))
    per = 12 if (field_event or event.format == "mass_start") else 8
    heats = math.ceil(len(field_) / per)
    first_final = event.format != "heats_final" or heats <= 1
    name = "决赛" if first_final else "预赛"
    minutes = _minutes_for(event, b.settings.durations, final=first_final) * heats
    key = f"{event.id}:r1:all"
    b.add(key, kind=kind, event=event, round_name=f"{name}(共{heats}组,未编排)", label=f"{event.name} {name}",
          venue_id=event.venue_id, minutes=minutes, side=side)
    if not first_final:
        b.add(
            f"{event.id}:final", kind=kind, event=event, round_name="决赛", label=f"{event.name} 决赛",
            venue_id=event.venue_id, minutes=_minutes_for(event, b.settings.durations, final=True), side=side, after=[key],
        )


def _ceremony_venue(settings: TimetableSettings, venues: dict[int, Venue]) -> int | None:
    """The chosen venue, else the track, else the first venue."""
    if settings.ceremony_venue_id in venues:
        return settings.ceremony_venue_id
    ordered = sorted(venues.values(), key=lambda v: (v.kind != "track", v.id))
    return ordered[0].id if ordered else None


async def build_problem(
    session: AsyncSession, meet: Meet, *, keep: dict[str, tuple[int, int]] | None = None
) -> Built:
    """The meet as the solver sees it; ``keep`` pins items (key -> start, unit)."""
    settings = await _settings(session, meet)
    venues = {v.id: v for v in (await session.scalars(select(Venue).where(Venue.meet_id == meet.id))).all()}
    b = _Builder(settings, venues)
    first = min(minute_of(meet, d, a) for d, a, _ in settings.sessions) if settings.sessions else 8 * 60 + 30
    if settings.ceremony_minutes:
        b.add(
            CEREMONY_KEY, kind="ceremony", event=None, round_name="", label="开幕式",
            venue_id=_ceremony_venue(settings, venues), minutes=settings.ceremony_minutes, side=_Side(), pinned=first,
            pinned_unit=1,
        )
        b.not_before = first + settings.ceremony_minutes
    events = (await session.scalars(select(Event).where(Event.meet_id == meet.id).order_by(Event.position, Event.id))).all()
    for event in events:
        if is_mark_event(event):
            await _mark_items(session, b, event)
        else:
            await _match_items(session, b, event)
    items = with_lines(b.items, b.only)
    if keep:
        items = [
            msgspec.structs.replace(i, pinned=keep[i.key][0], pinned_unit=keep[i.key][1]) if i.key in keep else i
            for i in items
        ]
    windows = tuple(Window(minute_of(meet, d, a), minute_of(meet, d, z)) for d, a, z in settings.sessions)
    resources = [
        Resource(key=f"v:{v.id}", name=v.name, capacity=v.capacity, windows=windows, unit_word=unit_word(v.kind))
        for v in venues.values()
    ]
    if any(i.resource == NO_VENUE for i in items):
        resources.append(Resource(key=NO_VENUE, name="未指定场地", capacity=NO_VENUE_CAPACITY, windows=windows))
    problem = Problem(items=tuple(items), resources=tuple(resources), min_rest=settings.min_rest)
    return Built(problem, b.info, venues, settings)


# Storing and reading timetables -----------------------------------------------------------


async def _meet(session: AsyncSession, meet_id: int) -> Meet:
    meet = await session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("运动会")
    return meet


async def _timetable(session: AsyncSession, meet_id: int, timetable_id: int) -> Timetable:
    tt = await session.get(Timetable, timetable_id)
    if tt is None or tt.meet_id != meet_id:
        raise NotFound("赛程")
    return tt


async def _slots(session: AsyncSession, timetable_id: int) -> list[TimetableSlot]:
    return list(
        (
            await session.scalars(
                select(TimetableSlot).where(TimetableSlot.timetable_id == timetable_id).order_by(TimetableSlot.starts, TimetableSlot.venue_name, TimetableSlot.unit)
            )
        ).all()
    )


def _schedule_of(slots: Sequence[TimetableSlot], problem: Problem) -> Schedule:
    resource = {i.key: i.resource for i in problem.items}
    placements = tuple(
        Placement(item=s.item_key, start=s.starts, end=s.ends, resource=resource.get(s.item_key, NO_VENUE), unit=s.unit)
        for s in slots
    )
    return Schedule(placements=placements, finish=max((p.end for p in placements), default=0))


def _finish(schedule: Schedule) -> int:
    return max((p.end for p in schedule.placements), default=0)


def _decode_problem(tt: Timetable) -> Problem:
    return msgspec.json.decode(tt.problem, type=Problem)


async def _published(session: AsyncSession, meet_id: int) -> Timetable | None:
    return await session.scalar(
        select(Timetable).where(Timetable.meet_id == meet_id, Timetable.status == TimetableStatus.PUBLISHED)
    )


async def _latest_draft(session: AsyncSession, meet_id: int) -> Timetable | None:
    return await session.scalar(
        select(Timetable)
        .where(Timetable.meet_id == meet_id, Timetable.status == TimetableStatus.DRAFT)
        .order_by(Timetable.id.desc())
        .limit(1)
    )


async def _frozen(session: AsyncSession, meet: Meet, now: dt.datetime) -> dict[str, tuple[int, int]]:
    """Items of the published timetable that started, are past, or have results: they stay put."""
    published = await _published(session, meet.id)
    if published is None:
        return {}
    done_matches = {
        f"{event_id}:{key}"
        for event_id, key in (
            await session.execute(
                select(Match.event_id, Match.key).join(Event, Event.id == Match.event_id).where(
                    Event.meet_id == meet.id, Match.status == MatchStatus.DONE
                )
            )
        ).all()
    }
    scored = await _scored_heats(session, meet.id)
    frozen = {}
    for s in await _slots(session, published.id):
        if s.frozen or at_minute(meet, s.starts) <= now or s.item_key in done_matches or s.item_key in scored:
            frozen[s.item_key] = (s.starts, s.unit)
    return frozen


async def _scored_heats(session: AsyncSession, meet_id: int) -> set[str]:
    """Item keys of the meet's heats and field flights with at least one mark entered: they have run."""
    heats_in_round = (
        select(Heat.round_id, func.count(Heat.id).label("heats")).group_by(Heat.round_id).subquery()
    )
    rows = await session.execute(
        select(RaceRound.event_id, RaceRound.number, RaceRound.is_final, Heat.number, heats_in_round.c.heats)
        .join(Heat, Heat.round_id == RaceRound.id)
        .join(heats_in_round, heats_in_round.c.round_id == RaceRound.id)
        .join(Event, Event.id == RaceRound.event_id)
        .where(
            Event.meet_id == meet_id,
            select(MarkResult.id).join(StartEntry, StartEntry.id == MarkResult.start_entry_id)
            .where(StartEntry.heat_id == Heat.id).exists(),
        )
    )
    return {
        heat_key(event_id, round_no, heat_no, final=final, alone=heats == 1)
        for event_id, round_no, final, heat_no, heats in rows.all()
    }


def _store_slots(
    session: AsyncSession, tt: Timetable, problem: Problem, built_info: dict[str, ItemInfo], schedule: Schedule,
    pinned: set[str], frozen: set[str],
) -> None:
    units = {i.key: i.units for i in problem.items}
    for p in schedule.placements:
        info = built_info[p.item]
        session.add(
            TimetableSlot(
                timetable_id=tt.id, item_key=p.item, kind=info.kind, event_id=info.event_id,
                event_name=info.event_name, round_name=info.round_name[:40], label=info.label[:120],
                starts=p.start, ends=p.end, venue_id=info.venue_id, venue_name=info.venue_name, unit=p.unit,
                units=units[p.item], pinned=p.item in pinned or p.item == CEREMONY_KEY, frozen=p.item in frozen,
                person_ids=list(info.person_ids), team_ids=list(info.team_ids), sequence=0,
            )
        )


_HEAT_KEY = re.compile(r"^(\d+:(?:r\d+|final)):h(\d+)$")


def heat_key(event_id: int, round_no: int, heat_no: int, *, final: bool, alone: bool) -> str:
    """A drawn heat's item key (``heat_runs`` reads the rounds back from it). A final keeps the key
    it was planned under before it was drawn, so drawing it changes nothing in the timetable."""
    if final:
        return f"{event_id}:final" if alone else f"{event_id}:final:h{heat_no}"
    return f"{event_id}:r{round_no}:h{heat_no}"


def heat_runs(problem: Problem) -> list[list[str]]:
    """Each drawn round's heats (or flights), by number: the order they run in."""
    rounds: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for it in problem.items:
        found = _HEAT_KEY.match(it.key)
        if found:
            rounds[found.group(1)].append((int(found.group(2)), it.key))
    return [[k for _, k in sorted(heats)] for heats in rounds.values() if len(heats) > 1]


def _solve_greedy(problem: Problem) -> tuple[Schedule, int, dict[str, int]]:
    try:
        schedule = in_running_order(problem, greedy(problem), heat_runs(problem))
    except TimetableError as exc:
        raise DomainError(str(exc)) from exc
    bound = lower_bound(problem)
    conflicts = validate(problem, schedule)
    if conflicts:  # the greedy solver and the validator disagree: never store a conflicting draft
        raise DomainError("排程校验未通过:" + ";".join(c.message for c in conflicts[:3]))
    return schedule, bound.value, dict(bound.parts)


async def generate(db: Database, actor: Actor, meet_id: int, *, keep_from: int | None = None) -> Timetable:
    """Solve the meet greedily and store a new draft (replacing older drafts).

    ``keep_from``: re-solve that draft's unpinned items, keeping its pinned ones where they are.
    Items frozen in the published timetable always stay put.
    """
    actor.require_organiser()
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        keep = await _frozen(session, meet, utcnow())
        frozen = set(keep)
        pinned: set[str] = set()
        if keep_from is not None:
            old = await _timetable(session, meet_id, keep_from)
            for s in await _slots(session, old.id):
                if s.pinned and s.item_key != CEREMONY_KEY:
                    keep.setdefault(s.item_key, (s.starts, s.unit))
                    pinned.add(s.item_key)
        built = await build_problem(session, meet, keep=keep)
    if len(built.problem.items) <= (1 if built.settings.ceremony_minutes else 0):
        raise DomainError("还没有可排的比赛:请先完成报名并抽签编排、分组")
    schedule, bound, parts = await asyncio.to_thread(_solve_greedy, built.problem)
    async with db.write() as session:
        meet = await _meet(session, meet_id)
        running = await session.scalar(
            select(Timetable.id).where(
                Timetable.meet_id == meet_id, Timetable.status == TimetableStatus.DRAFT,
                Timetable.solver_status == SolverStatus.RUNNING, Timetable.improve_until > utcnow(),
            )
        )
        if running is not None:
            raise Conflict("赛程正在优化,请等优化结束后再重新生成")
        await session.execute(
            delete(Timetable).where(Timetable.meet_id == meet_id, Timetable.status == TimetableStatus.DRAFT)
        )
        finish = _finish(schedule)
        tt = Timetable(
            meet_id=meet_id, status=TimetableStatus.DRAFT, finish=finish, greedy_finish=finish, bound=bound,
            bound_parts=parts, solver_status=SolverStatus.GREEDY, progress=[], problem=msgspec.json.encode(built.problem).decode(),
            created_by=actor.user_id,
        )
        session.add(tt)
        await session.flush()
        _store_slots(session, tt, built.problem, built.info, schedule, pinned, frozen)
        word = "重新排程(保留固定项)" if keep_from is not None else "生成赛程"
        audit.record(
            session, actor, "timetable_generate",
            f"{word}:{len(schedule.placements)} 项,结束于 {clock(meet, finish)},下界 {clock(meet, bound)}",
            meet_id=meet_id, target=f"timetable:{tt.id}",
        )
    return tt


# Improving in the background ------------------------------------------------------------------

_TASKS: set[asyncio.Task[None]] = set()


async def start_improvement(db: Database, actor: Actor, meet_id: int, timetable_id: int) -> Timetable:
    """Mark the draft as improving and start CP-SAT in a background task of this worker."""
    actor.require_organiser()
    async with db.write() as session:
        tt = await _timetable(session, meet_id, timetable_id)
        if tt.status != TimetableStatus.DRAFT:
            raise Conflict("只能优化草稿赛程")
        if tt.solver_status == SolverStatus.RUNNING and tt.improve_until and tt.improve_until > utcnow():
            return tt
        settings = await _settings(session, await _meet(session, meet_id))
        seconds = settings.improve_seconds
        tt.solver_status = SolverStatus.RUNNING
        tt.progress = [[0.0, tt.finish, tt.bound]]
        tt.improve_until = utcnow() + dt.timedelta(seconds=seconds)
        tt.updated_at = utcnow()
        audit.record(session, actor, "timetable_improve", f"开始优化赛程({seconds} 秒)", meet_id=meet_id, target=f"timetable:{tt.id}")
    task = asyncio.create_task(improve(db, timetable_id, seconds=float(seconds)))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return tt


async def wait_for_improvements() -> None:
    """Tests and shutdown: wait for this worker's background runs."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)


async def improve(db: Database, timetable_id: int, *, seconds: float) -> None:
    """Run CP-SAT hinted by the stored schedule; write progress every second and the best at the end.

    Never raises: a failure leaves the greedy schedule standing and says so on the page."""
    try:
        await _improve(db, timetable_id, seconds)
    except Exception:
        log.exception("timetable improvement failed")
        try:
            await _finish_improvement(db, timetable_id, None, 0, optimal=False)
        except Exception:
            log.exception("timetable improvement could not record its failure")


async def _improve(db: Database, timetable_id: int, seconds: float) -> None:
    from scheduling.timetable_cpsat import improve as cpsat_improve

    async with db.read() as session:
        tt = await session.get(Timetable, timetable_id)
        if tt is None:
            return
        problem = _decode_problem(tt)
        hint = _schedule_of(await _slots(session, tt.id), problem)
        started_finish, bound = tt.finish, tt.bound
    lock = threading.Lock()
    latest: list[tuple[float, int, int]] = []
    began = time.monotonic()

    def on_progress(schedule: Schedule, solver_bound: int) -> None:
        with lock:
            latest.append((round(time.monotonic() - began, 1), _finish(schedule), max(solver_bound, bound)))

    job = asyncio.create_task(
        asyncio.to_thread(cpsat_improve, problem, hint, seconds=seconds, workers=2, on_progress=on_progress)
    )
    written = 0
    try:
        while not job.done():
            await asyncio.wait({job}, timeout=PROGRESS_EVERY)
            with lock:
                fresh = latest[written:]
                written = len(latest)
            if fresh:
                await _write_progress(db, timetable_id, fresh)
        result = job.result()
    finally:
        if not job.done():
            await asyncio.wait({job})  # the solver thread stops at its time limit
    better = None
    if _finish(result.schedule) < started_finish and not validate(problem, result.schedule):
        better = result.schedule
        found = await asyncio.to_thread(in_running_order, problem, better, heat_runs(problem))
        if not validate(problem, found):
            better = found
    await _finish_improvement(db, timetable_id, better, max(result.bound, bound), optimal=result.optimal)


async def _write_progress(db: Database, timetable_id: int, fresh: list[tuple[float, int, int]]) -> None:
    async with db.write() as session:
        tt = await session.get(Timetable, timetable_id)
        if tt is None or tt.solver_status != SolverStatus.RUNNING:
            return
        tt.progress = [*tt.progress, *[list(x) for x in fresh]][-200:]
        _raise_stored_bound(tt, max(b for _, _, b in fresh))


def _raise_stored_bound(tt: Timetable, bound: int) -> None:
    """A bound the solver proved, kept with "solver" among its parts when it is the highest (even
    with no better timetable, or from a run that dies later), so the page can say where it comes from."""
    tt.bound = max(tt.bound, bound)
    if bound > max(tt.bound_parts.values(), default=0):
        tt.bound_parts = {**tt.bound_parts, "solver": bound}


async def _finish_improvement(db: Database, timetable_id: int, schedule: Schedule | None, bound: int, *, optimal: bool) -> None:
    async with db.write() as session:
        tt = await session.get(Timetable, timetable_id)
        if tt is None or tt.status != TimetableStatus.DRAFT:
            return
        _raise_stored_bound(tt, bound)
        tt.improve_until = utcnow()
        tt.updated_at = utcnow()
        if schedule is None:
            tt.solver_status = SolverStatus.OPTIMAL if optimal else SolverStatus.FAILED
            return
        slots = {s.item_key: s for s in await _slots(session, tt.id)}
        for p in schedule.placements:
            s = slots.get(p.item)
            if s is not None and (s.starts, s.unit) != (p.start, p.unit):
                s.starts, s.ends, s.unit = p.start, p.end, p.unit
        tt.finish = _finish(schedule)
        tt.solver_status = SolverStatus.OPTIMAL if optimal else SolverStatus.IMPROVED


def solver_state(tt: Timetable, now: dt.datetime | None = None) -> str:
    """The solver status as a reader should see it: a run long past its end died with its worker."""
    now = now or utcnow()
    if tt.solver_status == SolverStatus.RUNNING and tt.improve_until is not None and now > tt.improve_until + STALE_AFTER:
        return SolverStatus.FAILED
    return tt.solver_status


# Organiser actions -------------------------------------------------------------------------


async def _draft_for_change(session: AsyncSession, meet_id: int, timetable_id: int) -> Timetable:
    tt = await _timetable(session, meet_id, timetable_id)
    if tt.status != TimetableStatus.DRAFT:
        raise Conflict("已公布的赛程不能直接修改:请先重新排程生成草稿")
    if solver_state(tt) == SolverStatus.RUNNING:
        raise Conflict("赛程正在优化,请等优化结束后再调整")
    return tt


async def publish(db: Database, actor: Actor, meet_id: int, timetable_id: int) -> Timetable:
    """Publish the draft; the previous published timetable is superseded; changed slots bump SEQUENCE."""
    actor.require_organiser()
    async with db.write() as session:
        meet = await _meet(session, meet_id)
        tt = await _draft_for_change(session, meet_id, timetable_id)
        problem = _decode_problem(tt)
        slots = await _slots(session, tt.id)
        conflicts = validate(problem, _schedule_of(slots, problem))
        if conflicts:
            raise Conflict("赛程有冲突,不能公布:" + await _in_words(session, meet, conflicts[0].message))
        old = await _published(session, meet_id)
        if old is not None:
            before = {s.item_key: s for s in await _slots(session, old.id)}
            for s in slots:
                prev = before.get(s.item_key)
                if prev is not None:
                    same = (prev.starts, prev.ends, prev.venue_id, prev.unit, prev.label) == (s.starts, s.ends, s.venue_id, s.unit, s.label)
                    s.sequence = prev.sequence if same else prev.sequence + 1
            old.status = TimetableStatus.SUPERSEDED
            await session.flush()
        tt.status = TimetableStatus.PUBLISHED
        tt.published_at = utcnow()
        audit.record(
            session, actor, "timetable_publish", f"公布赛程:{len(slots)} 项,结束于 {clock(meet, tt.finish)}",
            meet_id=meet_id, target=f"timetable:{tt.id}",
        )
    return tt


async def pin(db: Database, actor: Actor, meet_id: int, timetable_id: int, item_key: str, pinned: bool) -> TimetableSlot:
    actor.require_organiser()
    async with db.write() as session:
        tt = await _draft_for_change(session, meet_id, timetable_id)
        slot = await _slot(session, tt.id, item_key)
        if slot.item_key == CEREMONY_KEY and not pinned:
            raise DomainError("开幕式固定在第一个比赛时段开始")
        slot.pinned = pinned
        tt.updated_at = utcnow()
        audit.record(
            session, actor, "timetable_pin", f"{'固定' if pinned else '取消固定'}「{slot.label}」",
            meet_id=meet_id, target=f"timetable:{tt.id}",
        )
    return slot


async def _slot(session: AsyncSession, timetable_id: int, item_key: str) -> TimetableSlot:
    slot = await session.scalar(
        select(TimetableSlot).where(TimetableSlot.timetable_id == timetable_id, TimetableSlot.item_key == item_key)
    )
    if slot is None:
        raise NotFound("赛程项目")
    return slot


class MoveInput(msgspec.Struct):
    item_key: str
    day: dt.date
    at: dt.time
    unit: int | None = None  # None: keep the court/table


async def move(db: Database, actor: Actor, meet_id: int, timetable_id: int, data: MoveInput) -> TimetableSlot:
    """Move one item by hand; refused with the validator's reason when it makes a conflict. The
    moved item is pinned, so a re-solve keeps it where the organiser put it."""
    actor.require_organiser()
    async with db.write() as session:
        meet = await _meet(session, meet_id)
        tt = await _draft_for_change(session, meet_id, timetable_id)
        slot = await _slot(session, tt.id, data.item_key)
        if slot.frozen:
            raise Conflict("该项目已开始或已有成绩,不能移动")
        if data.day not in meet_days(meet):
            raise DomainError("日期不在运动会日期内", field="day")
        problem = _decode_problem(tt)
        item = next((i for i in problem.items if i.key == slot.item_key), None)
        if item is None:
            raise NotFound("赛程项目")
        # Checked as if free to go anywhere; stored pinned where the organiser put it.
        problem = _with_item(problem, msgspec.structs.replace(item, pinned=None, pinned_unit=None))
        capacity = next((r.capacity for r in problem.resources if r.key == item.resource), 1)
        unit = data.unit if data.unit is not None else slot.unit
        if not 1 <= unit <= capacity - item.units + 1:
            block = f",从 {unit}{_unit_word_of(problem, item)}起放不下 {item.units} 个" if item.units > 1 else ""
            raise DomainError(f"{slot.venue_name}只有 {capacity} 个场地/球台{block}", field="unit")
        start = minute_of(meet, data.day, data.at)
        slots = await _slots(session, tt.id)
        moved = Placement(item=slot.item_key, start=start, end=start + item.duration, resource=item.resource, unit=unit)
        others = [p for p in _schedule_of(slots, problem).placements if p.item != slot.item_key]
        schedule = Schedule(placements=(*others, moved), finish=max(_finish(Schedule(tuple(others), 0)), moved.end))
        conflicts = validate(problem, schedule)
        if conflicts:
            raise Conflict(await _explain(session, meet, conflicts, slot.item_key, slot.label, start), field="at")
        old = f"{clock(meet, slot.starts)}"
        slot.starts, slot.ends, slot.unit, slot.pinned = moved.start, moved.end, unit, True
        pinned_item = msgspec.structs.replace(item, pinned=start, pinned_unit=unit)
        tt.problem = msgspec.json.encode(_with_item(problem, pinned_item)).decode()
        tt.finish = schedule.finish
        tt.updated_at = utcnow()
        audit.record(
            session, actor, "timetable_move", f"「{slot.label}」从 {old} 改到 {clock(meet, start)}({slot.venue_name} {unit}{_unit_word_of(problem, item)})",
            meet_id=meet_id, target=f"timetable:{tt.id}",
        )
    return slot


def _unit_word_of(problem: Problem, item: Item) -> str:
    return next((r.unit_word for r in problem.resources if r.key == item.resource), "号")


def _with_item(problem: Problem, item: Item) -> Problem:
    return msgspec.structs.replace(problem, items=tuple(item if i.key == item.key else i for i in problem.items))


_PERSON_KEY = re.compile(r"(?:运动员 )?p:(\d+)(?:/\w+)?")
_TEAM_KEY = re.compile(r"(?:队伍 )?t:(\d+):e\d+:(\d+)(?:/\w+)?")
_DAY_CLOCK = re.compile(r"第(\d+)天 (\d\d:\d\d)")


async def _explain(session: AsyncSession, meet: Meet, conflicts: Sequence[Broken], key: str, label: str, start: int) -> str:
    """The validator's reasons about the moved item, with names for person and team keys and
    dates for day numbers: "张三 同时在 男子100米 预赛 第2组 和 男子乒乓球单打 A组第1轮 …"."""
    mine = [c for c in conflicts if key in c.items] or list(conflicts)
    text = await _in_words(session, meet, ";".join(c.message for c in mine))
    # one reason once (a person's several conflict keys give the same sentence), at most three
    text = ";".join(list(dict.fromkeys(text.split(";")))[:3])
    return f"不能移动到 {clock(meet, start)}:{text}"


async def _in_words(session: AsyncSession, meet: Meet, text: str) -> str:
    """The validator's text with names for person and team keys and dates for day numbers."""
    people = {int(x) for x in _PERSON_KEY.findall(text)}
    teams = {int(t) for t, _ in _TEAM_KEY.findall(text)}
    names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(people)))).all()) if people else {}
    team_names = dict((await session.execute(select(Team.id, Team.name).where(Team.id.in_(teams)))).all()) if teams else {}
    text = _PERSON_KEY.sub(lambda m: names.get(int(m.group(1)), "某运动员"), text)
    text = _TEAM_KEY.sub(
        lambda m: team_names.get(int(m.group(1)), "某队") + ("" if m.group(2) == "1" else f"{m.group(2)}队"), text
    )

    def dated(m: re.Match[str]) -> str:
        day = meet.starts_on + dt.timedelta(days=int(m.group(1)) - 1)
        return f"{day.month}月{day.day}日 {m.group(2)}"

    text = _DAY_CLOCK.sub(dated, text)
    return re.sub(r"(\d+月\d+日) (\d\d:\d\d)–\1 ", r"\1 \2–", text)  # one day named once


async def resolve(db: Database, actor: Actor, meet_id: int, timetable_id: int) -> Timetable:
    """Re-solve everything not pinned or frozen: a new draft from the current draws."""
    async with db.read() as session:
        tt = await _timetable(session, meet_id, timetable_id)
        if solver_state(tt) == SolverStatus.RUNNING:
            raise Conflict("赛程正在优化,请等优化结束后再重新排程")
    return await generate(db, actor, meet_id, keep_from=timetable_id)


# Reading ---------------------------------------------------------------------------------


def clock(meet: Meet, minute: int) -> str:
    day = minute // DAY
    date = meet.starts_on + dt.timedelta(days=day)
    return f"{date.month}月{date.day}日 {minute % DAY // 60:02d}:{minute % 60:02d}"


def unit_label(kind: str, unit: int, capacity: int, units: int = 1) -> str:
    """1号台; a block of several: 1–12号台."""
    if capacity <= 1:
        return ""
    numbers = f"{unit}" if units <= 1 else f"{unit}–{unit + units - 1}"
    return f"{numbers}{unit_word(kind)}"


def unit_word(venue_kind: str) -> str:
    """A venue's court or table after its number: 3号台 at table tennis, 3号场 elsewhere."""
    return "号台" if venue_kind == "table" else "号场"


class SlotRow(msgspec.Struct, frozen=True):
    item_key: str
    kind: str  # match | heat | round | ceremony
    event_id: int | None
    event_name: str
    round_name: str
    label: str
    venue_name: str
    unit_label: str
    start: dt.datetime  # aware Asia/Shanghai
    end: dt.datetime
    person_ids: tuple[int, ...]
    team_ids: tuple[int, ...]
    unit: int = 0  # the court or table number (the first of a block), 0 without a venue; orders rows
    # on a personal schedule: the person or team plays here only if they get through (a knockout
    # match or a final whose players are not known yet)
    tentative: bool = False


def _row(meet: Meet, s: TimetableSlot, venues: dict[int, Venue]) -> SlotRow:
    venue = venues.get(s.venue_id) if s.venue_id is not None else None
    return SlotRow(
        item_key=s.item_key, kind=s.kind, event_id=s.event_id, event_name=s.event_name, round_name=s.round_name,
        label=s.label, venue_name=s.venue_name, unit_label=unit_label(venue.kind, s.unit, venue.capacity, s.units) if venue else "",
        start=at_minute(meet, s.starts), end=at_minute(meet, s.ends),
        person_ids=tuple(s.person_ids), team_ids=tuple(s.team_ids), unit=s.unit if venue else 0,
    )


async def timetable_rows(session: AsyncSession, meet_id: int, *, published_only: bool = True) -> list[SlotRow]:
    """The meet's timetable in time order: the published one, or (``published_only=False``) the
    latest draft when there is one."""
    meet = await _meet(session, meet_id)
    tt = None if published_only else await _latest_draft(session, meet_id)
    tt = tt or await _published(session, meet_id)
    if tt is None:
        return []
    venues = {v.id: v for v in (await session.scalars(select(Venue).where(Venue.meet_id == meet_id))).all()}
    return [_row(meet, s, venues) for s in await _slots(session, tt.id)]


async def published_slots(db: Database, keys: Collection[str]) -> dict[str, SlotRow]:
    """These item keys' rows in their meets' published timetables (a key holds its event id, so
    keys of several meets do not collide): when and where a referee's matches and heats are.
    Reads only those slots, not the whole timetable."""
    if not keys:
        return {}
    async with db.read() as session:
        rows = (
            await session.execute(
                select(TimetableSlot, Timetable.meet_id)
                .join(Timetable, Timetable.id == TimetableSlot.timetable_id)
                .where(Timetable.status == TimetableStatus.PUBLISHED, TimetableSlot.item_key.in_(list(keys)))
            )
        ).all()
        meet_ids = {meet_id for _, meet_id in rows}
        meets = {m.id: m for m in (await session.scalars(select(Meet).where(Meet.id.in_(meet_ids)))).all()}
        venues = {v.id: v for v in (await session.scalars(select(Venue).where(Venue.meet_id.in_(meet_ids)))).all()}
    return {slot.item_key: _row(meets[meet_id], slot, venues) for slot, meet_id in rows}


async def timetable_calendar_items(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Published timetable slots overlapping [start, end) as calendar items (public: no private data)."""
    first, last = start.astimezone(SHANGHAI).date() - dt.timedelta(days=1), end.astimezone(SHANGHAI).date()
    meets = (
        await session.scalars(select(Meet).where(Meet.starts_on <= last, Meet.ends_on >= first))
    ).all()
    items: list[CalendarItem] = []
    for meet in meets:
        tt = await _published(session, meet.id)
        if tt is None:
            continue
        venues = {v.id: v for v in (await session.scalars(select(Venue).where(Venue.meet_id == meet.id))).all()}
        for s in await _slots(session, tt.id):
            row = _row(meet, s, venues)
            if row.end <= start or row.start >= end:
                continue
            items.append(calendar_item(meet, row, s.sequence))
    return items


def calendar_item(meet: Meet, row: SlotRow, sequence: int = 0) -> CalendarItem:
    title = f"{row.event_name} {row.round_name}".strip() if row.event_name else row.label
    return CalendarItem(
        uid=f"timetable-{meet.id}-{row.item_key.replace(':', '-')}@zhijia",
        kind=row.kind,
        title=f"{title}(如晋级)" if row.tentative else title,
        status="tentative" if row.tentative else "confirmed",
        start=row.start,
        end=row.end,
        location=f"{row.venue_name} {row.unit_label}".strip(),
        unit=meet.name,
        people=row.person_ids,
        groups=tuple(f"team:{t}" for t in row.team_ids),
        sequence=sequence,
        url=f"/meets/{meet.id}/timetable",
        description=row.label,
        checked=f"timetable:{meet.id}",  # its validator keeps a player's possible matches apart
    )


@dataclass
class TimetableView:
    meet: Meet
    timetable: Timetable | None
    published: Timetable | None
    rows: list[SlotRow]
    slots: list[TimetableSlot]
    settings: TimetableSettings
    capacities: dict[str, int]  # venue name -> courts/tables
    bound_rows: list[tuple[str, int]] = field(default_factory=list)  # (what, minute), largest first

    @property
    def state(self) -> str:
        return solver_state(self.timetable) if self.timetable else ""

    @property
    def gap(self) -> float | None:
        tt = self.timetable
        if tt is None or tt.bound <= 0:
            return None
        return gap_of(self.settings, tt.finish, tt.bound)

    @property
    def elapsed(self) -> int:
        """Seconds the background improvement has run so far, out of ``settings.improve_seconds``."""
        tt, total = self.timetable, self.settings.improve_seconds
        if tt is None or tt.improve_until is None:
            return 0
        left = (tt.improve_until - utcnow()).total_seconds()
        return int(min(max(total - left, 0), total))

    @property
    def gap_minutes(self) -> int:
        """Competition minutes between the lower bound and the finish."""
        tt = self.timetable
        return open_minutes(self.settings, tt.bound, tt.finish) if tt else 0

    def days(self) -> list[tuple[dt.date, list[SlotRow]]]:
        grouped: dict[dt.date, list[SlotRow]] = defaultdict(list)
        for r in self.rows:
            grouped[r.start.date()].append(r)
        return sorted(grouped.items())

    def venues(self) -> list[str]:
        return sorted({r.venue_name for r in self.rows}, key=lambda n: (n == "未指定场地", n))


def open_minutes(settings: TimetableSettings, a: int, b: int) -> int:
    """Competition minutes (inside the sessions) between minute a and minute b."""
    total = 0
    for day, start, end in settings.sessions:
        lo, hi = minute_of(settings.meet, day, start), minute_of(settings.meet, day, end)
        total += max(0, min(b, hi) - max(a, lo))
    return total


def gap_of(settings: TimetableSettings, finish: int, bound: int) -> float:
    """(finish − bound) as a share of the bound, both counted in competition minutes from the
    first session's start: lunch and nights neither hide nor inflate a gap."""
    first = first_start(settings)
    return open_minutes(settings, bound, finish) / max(open_minutes(settings, first, bound), 1)


def first_start(settings: TimetableSettings) -> int:
    return min((minute_of(settings.meet, d, a) for d, a, _ in settings.sessions), default=0)


async def organiser_view(db: Database, actor: Actor, meet_id: int, timetable_id: int | None = None) -> TimetableView:
    actor.require_organiser()
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        tt = await _timetable(session, meet_id, timetable_id) if timetable_id else await _latest_draft(session, meet_id)
        published = await _published(session, meet_id)
        tt = tt or published
        return await _view(session, meet, tt, published)


async def changes_since(db: Database, actor: Actor, meet_id: int, timetable_id: int) -> str:
    """Why the timetable no longer fits the meet as it stands ("" while it does): matches or heats
    added or gone, or a rule it now breaks — a knockout drawn after its groups puts a player in
    another line than planned, a duration changed. Entrants narrowing as results come in (the
    possible players of a later round becoming the real two) break nothing and go unmentioned."""
    actor.require_organiser()
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        tt = await _timetable(session, meet_id, timetable_id)
        problem = (await build_problem(session, meet)).problem
        conflicts = validate(problem, _schedule_of(await _slots(session, tt.id), problem))
        if not conflicts:
            return ""
        kinds = Counter(c.kind for c in conflicts)
        added, gone = kinds["missing"], kinds["unknown"]
        parts = [f"新增 {added} 项未排" if added else "", f"{gone} 项已不再进行" if gone else ""]
        broken = [c for c in conflicts if c.kind not in ("missing", "unknown")]
        if broken:
            parts.append(f"{len(broken)} 处不再成立,如:{await _in_words(session, meet, broken[0].message)}")
    return ";".join(p for p in parts if p)


async def public_view(db: Database, meet_id: int) -> TimetableView:
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        published = await _published(session, meet_id)
        return await _view(session, meet, published, published)


async def _view(session: AsyncSession, meet: Meet, tt: Timetable | None, published: Timetable | None) -> TimetableView:
    venues = {v.id: v for v in (await session.scalars(select(Venue).where(Venue.meet_id == meet.id))).all()}
    slots = await _slots(session, tt.id) if tt else []
    settings = await _settings(session, meet)
    return TimetableView(
        meet, tt, published, [_row(meet, s, venues) for s in slots], slots, settings,
        {v.name: v.capacity for v in venues.values()}, await _bound_rows(session, meet, tt, venues, slots) if tt else [],
    )


async def _bound_rows(
    session: AsyncSession, meet: Meet, tt: Timetable, venues: dict[int, Venue], slots: Sequence[TimetableSlot]
) -> list[tuple[str, int]]:
    """The lower bound's parts in words: which chain, venue, person, team or run of items
    sharing people sets it."""
    labels = {s.item_key: s.label for s in slots}
    rows = []
    for name, value in tt.bound_parts.items():
        kind, _, rest = name.partition(":")
        label = BOUND_LABELS.get(kind, name)
        if kind == "venue":
            venue = venues.get(int(rest[2:])) if rest.startswith("v:") and rest[2:].isdecimal() else None
            label = f"{label}:{venue.name if venue else '未指定场地'}"
        elif kind in ("person", "team"):  # the key less its "p:" / "t:", as the bound names it
            label = f"{label}:{await _in_words(session, meet, f'{kind[0]}:{base_key(rest)}')}"
        elif kind == "clique":
            label = f"{label}:含 {labels.get(rest, rest)}"
        rows.append((label, value))
    return sorted(rows, key=lambda r: -r[1])


async def progress(db: Database, actor: Actor, meet_id: int, timetable_id: int) -> TimetableView:
    return await organiser_view(db, actor, meet_id, timetable_id)


# Personal schedules ----------------------------------------------------------------------------


@dataclass
class Personal:
    meet: Meet
    title: str
    rows: list[SlotRow]
    names: dict[int, str]  # person id -> name, for the team page
    sequences: dict[str, int] = field(default_factory=dict)  # item key -> SEQUENCE, for the .ics


async def _sequences(session: AsyncSession, meet_id: int) -> dict[str, int]:
    tt = await _published(session, meet_id)
    if tt is None:
        return {}
    found = await session.execute(
        select(TimetableSlot.item_key, TimetableSlot.sequence).where(TimetableSlot.timetable_id == tt.id)
    )
    return dict(found.all())


def personal_ics(personal: Personal, base_url: str = "") -> bytes:
    """A personal schedule as an iCalendar file (stable UIDs, SEQUENCE from the published slots);
    ``base_url`` makes the items' links absolute (a calendar app has no page to resolve them from)."""
    items = [calendar_item(personal.meet, r, personal.sequences.get(r.item_key, 0)) for r in personal.rows]
    return build_ics(items, name=f"{personal.meet.name} {personal.title}", base_url=base_url)


@dataclass
class _WhoPlays:
    """Who really plays the items whose players were only possible when the timetable was made."""

    known: dict[str, tuple[set[int], set[int]]]  # item key -> (person ids, team ids), decided since

    def undecided(self, key: str) -> bool:
        """A knockout match or a final whose players are not known yet."""
        return key not in self.known and (":ko:" in key or key.endswith(":final"))


async def _who_plays(session: AsyncSession, meet_id: int) -> _WhoPlays:
    who = _WhoPlays({})
    squads: dict[tuple[int, int, int], set[int]] = defaultdict(set)  # (event, team, squad) -> people
    for event_id, team_id, squad, person_id in (await session.execute(
        select(Entry.event_id, Entry.team_id, Entry.squad, Entry.person_id).where(
            Entry.meet_id == meet_id, Entry.status != EntryStatus.REJECTED
        )
    )).all():
        squads[(event_id, team_id, squad)].add(person_id)

    def add(key: str, event_id: int, team_id: int, person_id: int | None, squad: int) -> None:
        people, teams = who.known.setdefault(key, (set(), set()))
        people |= {person_id} if person_id is not None else squads.get((event_id, team_id, squad), set())
        teams.add(team_id)

    knockout = (await session.execute(
        select(Match.event_id, Match.key, Match.a_id, Match.b_id).join(Event, Event.id == Match.event_id)
        .where(Event.meet_id == meet_id, Match.stage == "knockout")
    )).all()
    sides = {
        d.id: d for d in (await session.scalars(
            select(DrawEntrant).where(DrawEntrant.id.in_([x for m in knockout for x in (m.a_id, m.b_id) if x]))
        )).all()
    }
    for event_id, key, a_id, b_id in knockout:
        if a_id is not None and b_id is not None:
            for d in (sides[a_id], sides[b_id]):
                add(f"{event_id}:{key}", event_id, d.team_id, d.person_id, d.squad)
    finals = (await session.scalars(
        select(RaceRound.id).join(Event, Event.id == RaceRound.event_id)
        .where(Event.meet_id == meet_id, RaceRound.is_final.is_(True))
    )).all()
    for line in (await session.execute(
        select(StartEntry.event_id, StartEntry.team_id, StartEntry.person_id, StartEntry.squad)
        .where(StartEntry.round_id.in_(list(finals)))
    )).all():
        add(f"{line.event_id}:final", line.event_id, line.team_id, line.person_id, line.squad)
    return who


def _plays(row: SlotRow, who: _WhoPlays, people: set[int], team_id: int | None = None) -> SlotRow | None:
    """The row as one person's (or one team's) schedule shows it; None if they do not play in it."""
    if row.item_key in who.known:
        known_people, known_teams = who.known[row.item_key]
        return row if people & known_people or team_id in known_teams else None
    if not (people & set(row.person_ids) or team_id in row.team_ids):
        return None
    return msgspec.structs.replace(row, tentative=True) if who.undecided(row.item_key) else row


async def team_rows(db: Database, actor: Actor, meet_id: int, team_id: int) -> Personal:
    """The published items of a team's people and squads. Leaders see their own team."""
    actor.require_team(team_id)
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        team = await session.get(Team, team_id)
        if team is None or team.meet_id != meet_id:
            raise NotFound("代表队")
        members = dict(
            (
                await session.execute(
                    select(Person.id, Person.name).join(TeamMember, TeamMember.person_id == Person.id).where(
                        TeamMember.team_id == team_id, TeamMember.meet_id == meet_id
                    )
                )
            ).all()
        )
        entered = await _entered(session, meet_id, set(members))
        who = await _who_plays(session, meet_id)
        rows = [p for r in await timetable_rows(session, meet_id) if (p := _plays(r, who, entered, team_id)) is not None]
        sequences = await _sequences(session, meet_id)
    return Personal(meet, f"{team.name} 赛程", rows, members, sequences)


async def person_rows(db: Database, actor: Actor, meet_id: int, person_id: int) -> Personal:
    """The published items a person takes part in. Leaders see their own people."""
    async with db.read() as session:
        meet = await _meet(session, meet_id)
        member = await session.scalar(
            select(TeamMember).where(TeamMember.meet_id == meet_id, TeamMember.person_id == person_id)
        )
        if member is None:
            raise NotFound("运动员")
        actor.require_team(member.team_id)
        person = await session.get(Person, person_id)
        assert person is not None
        who = await _who_plays(session, meet_id)
        rows = [p for r in await timetable_rows(session, meet_id) if (p := _plays(r, who, {person_id})) is not None]
        sequences = await _sequences(session, meet_id)
    bib = f"({member.bib}号)" if member.bib else ""
    return Personal(meet, f"{person.name}{bib} 个人赛程", rows, {person.id: person.name}, sequences)


async def _entered(session: AsyncSession, meet_id: int, person_ids: set[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(
        (
            await session.scalars(
                select(Entry.person_id).where(
                    Entry.meet_id == meet_id, Entry.person_id.in_(person_ids), Entry.status != EntryStatus.REJECTED
                )
            )
        ).all()
    )


# Clash warnings for team leaders ---------------------------------------------------------------


class Clash(msgspec.Struct, frozen=True):
    person_id: int
    events: tuple[str, str]
    message: str  # Chinese, short, for the registration matrix: "男子100米 与 拔河 时间重叠(12月17日 09:00)"
    detail: str  # with rounds and both times


async def clashes_for_team(session: AsyncSession, meet_id: int, team_id: int) -> dict[int, list[Clash]]:
    """For each person of the team, pairs of their chosen events that clash in the published
    timetable: overlapping, or closer than the meet's minimum rest. A warning, not a refusal.

    A person's items in an event are the slots naming them; an event they entered after the
    timetable was made counts with all of its first-round slots (they may land in any heat).
    """
    tt = await _published(session, meet_id)
    if tt is None:  # the common case while teams register: one query
        return {}
    meet = await _meet(session, meet_id)
    rest = (await _settings(session, meet)).min_rest
    first_items = {i.key for i in _decode_problem(tt).items if not i.after}
    entries = (
        await session.execute(
            select(Entry.person_id, Entry.event_id).where(
                Entry.team_id == team_id, Entry.meet_id == meet_id, Entry.status != EntryStatus.REJECTED
            )
        )
    ).all()
    chosen: dict[int, set[int]] = defaultdict(set)
    for person_id, event_id in entries:
        chosen[person_id].add(event_id)
    slots = [s for s in await _slots(session, tt.id) if s.event_id is not None]
    by_event: dict[int, list[TimetableSlot]] = defaultdict(list)
    for s in slots:
        by_event[s.event_id].append(s)  # type: ignore[index]
    first_round = {e: [s for s in ss if s.item_key in first_items] for e, ss in by_event.items()}
    found: dict[int, list[Clash]] = {}
    for person_id, events in chosen.items():
        mine = {
            e: ([s for s in by_event.get(e, []) if person_id in s.person_ids] or first_round.get(e, []))
            for e in sorted(events)
        }
        clashes = _clashes_of(meet, person_id, mine, rest)
        if clashes:
            found[person_id] = clashes
    return found


def _clashes_of(meet: Meet, person_id: int, mine: dict[int, list[TimetableSlot]], rest: int) -> list[Clash]:
    clashes = []
    events = sorted(mine)
    for i, e1 in enumerate(events):
        for e2 in events[i + 1 :]:
            pair = _first_clash(mine[e1], mine[e2], rest)
            if pair is None:
                continue
            a, b = pair
            overlap = a.starts < b.ends and b.starts < a.ends
            how = "时间重叠" if overlap else f"间隔不足 {rest} 分钟"
            message = f"{a.event_name} 与 {b.event_name} {how}({clock(meet, a.starts)})"
            detail = (
                f"{a.event_name} {a.round_name}({clock(meet, a.starts)})与 "
                f"{b.event_name} {b.round_name}({clock(meet, b.starts)}){how}"
            )
            clashes.append(Clash(person_id, (a.event_name, b.event_name), message, detail))
    return clashes


def _first_clash(xs: Sequence[TimetableSlot], ys: Sequence[TimetableSlot], rest: int) -> tuple[TimetableSlot, TimetableSlot] | None:
    for a in sorted(xs, key=lambda s: s.starts):
        for b in sorted(ys, key=lambda s: s.starts):
            if a.starts < b.ends + rest and b.starts < a.ends + rest:
                return (a, b) if a.starts <= b.starts else (b, a)
    return None


async def team_clashes(db: Database, actor: Actor, team_id: int) -> dict[int, list[Clash]]:
    """The registration matrix's read path: leaders of the team and organisers."""
    actor.require_team(team_id)
    async with db.read() as session:
        team = await session.get(Team, team_id)
        if team is None:
            raise NotFound("代表队")
        return await clashes_for_team(session, team.meet_id, team_id)
