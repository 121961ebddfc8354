"""The printed programme (秩序册) and the meet's other print books: daily schedule, start lists
and result books.

Everything a programme prints is read in one read transaction with a fixed number of
statements, whatever the size of the meet (no statement per team, event or heat): the meet,
its venues, events and teams, the athletes with their bibs, the entries, the accounts that
make up the committee, the draws with their entrants and matches, the rounds with their heats
and lines, the standing records of the meet's event codes, and the published timetable.
The rows are then put together in memory into plain dataclasses the templates and the xlsx
writer both read.

The committee is derived from the accounts: organisers (组委会), the chief referee(s), the
referees with their duties, and each team's leaders. The meet keeps no free text for it.

The timetable comes from ``events.timetable.timetable_rows`` (published slots only, read in the
same transaction); while no timetable is published the section says so (赛程尚未发布). Each
match and heat finds its slot there by the timetable's item key, for the start lists' time and court.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import placings as placings_service
from events import draws, records, team_points, timetable
from events.actors import Actor
from events.bracket_tree import Tree, tree_of
from events.db import Database
from events.errors import NotFound
from events.exports import Sheet, write_xlsx
from events.labels import BEST_OF, DIVISION, FORMAT, KIND, label
from events.labels import gender as gender_word
from events.measures import is_mark_event, measure_of, shown
from events.models import (
    Draw,
    DrawEntrant,
    DrawStatus,
    Entry,
    EntryStatus,
    Event,
    EventKind,
    Heat,
    Match,
    MatchResult,
    Meet,
    Person,
    RaceRound,
    RefereeAssignment,
    Role,
    RoundStatus,
    StartEntry,
    Team,
    TeamMember,
    UserAccount,
    Venue,
)


NOT_PUBLISHED = "赛程尚未发布"
FLAG_LABELS = records.FLAG_LABELS
QUALIFIED = {"Q": "Q", "q": "q"}


# What a programme holds ------------------------------------------------------------------------


@dataclass
class Committee:
    host: str
    organisers: list[str]
    chief_referees: list[str]
    referees: list[tuple[str, str]]  # name, duties (events and venues)
    leaders: list[tuple[str, str]]  # team, leaders


@dataclass
class EventRule:
    event: Event
    venue_name: str
    kind: str
    format: str
    division: str
    quota: str  # per team
    roster: str  # team events: people per squad, gender composition
    best_of: str
    award_places: int
    counted: bool  # counts toward the per-person limit


@dataclass
class Rules:
    per_person_limit: int
    counted_kinds: list[str]
    points: str
    events: list[EventRule]


@dataclass
class Slot:
    start: dt.datetime
    end: dt.datetime
    venue_name: str
    unit_label: str
    event_name: str
    round_name: str
    label: str
    kind: str
    event_id: int | None
    unit: int  # the court or table number: 1, 2, … 10, not the label's text order
    key: str = ""  # the timetable's item key: finds the slot of a match or heat

    @property
    def detail(self) -> str:
        """The 内容 column: only what the label adds to the 项目 and 轮次 columns (the players, a
        note), so the printed timetable says each fact once."""
        return label_detail(self.label, self.event_name, self.round_name)


def label_detail(label: str, event_name: str, round_name: str) -> str:
    """A timetable label ("男子乒乓球单打 A组第1轮 甲 对 乙") less its event and round names."""
    rest = label.strip()
    if event_name and rest.startswith(event_name):
        rest = rest[len(event_name):].strip()
    if round_name and rest.startswith(round_name):
        return rest[len(round_name):].strip()
    # an unarranged round is labelled "预赛" while its round name reads "预赛(共3组,未编排)"
    return "" if round_name.startswith(rest) else rest


@dataclass
class Day:
    date: dt.date
    slots: list[Slot]

    @property
    def venues(self) -> list[tuple[str, list[Slot]]]:
        by_venue: dict[str, list[Slot]] = defaultdict(list)
        for slot in self.slots:
            by_venue[slot.venue_name].append(slot)
        return sorted(by_venue.items())


@dataclass
class Athlete:
    bib: int | None
    name: str
    gender: str
    team_name: str
    events: list[str] = field(default_factory=list)


@dataclass
class TeamSheet:
    team: Team
    leaders: str
    athletes: list[Athlete]

    @property
    def bib_range(self) -> str:
        bibs = [a.bib for a in self.athletes if a.bib is not None]
        return f"{min(bibs)}–{max(bibs)}" if bibs else ""


@dataclass
class Entrant:
    bib: int | None
    name: str
    team_name: str
    members: list[str] = field(default_factory=list)  # a squad's people, with bibs
    team_id: int = 0
    squad: int = 1


# (event id, team id, squad) -> the squad's people with bibs: a start list names a team's players
Squads = dict[tuple[int, int, int], list[str]]


@dataclass
class MatchLine:
    number: int
    label: str
    a: str
    b: str
    status: str
    result: str = ""
    key: str = ""  # the timetable's item key
    a_members: list[str] = field(default_factory=list)  # a team side's players (team events)
    b_members: list[str] = field(default_factory=list)
    slot: Slot | None = None  # when and where, from the published timetable


@dataclass
class StageLines:
    title: str
    matches: list[MatchLine]
    knockout: bool = False  # the knockout's lines (the programme draws them as a tree instead)


@dataclass
class GroupTable:
    name: str
    entrants: list[str]


@dataclass
class DrawSheet:
    published: bool
    groups: list[GroupTable]
    stages: list[StageLines]  # round robin rounds, group rounds, knockout rounds
    tree: Tree | None = None  # the knockout drawn as a tree (the page shows it for the knockout's lines)


@dataclass
class Line:
    lane: int | None
    position: int
    bib: int | None
    name: str
    team_name: str
    mark: str = ""
    qualified: str = ""
    record_flag: str | None = None
    members: list[str] = field(default_factory=list)  # a squad's runners (relays, team events)

    @property
    def record_label(self) -> str:
        return FLAG_LABELS.get(self.record_flag or "", "")


@dataclass
class HeatSheet:
    number: int
    lines: list[Line]
    key: str = ""  # the timetable's item key
    slot: Slot | None = None  # when and where, from the published timetable


@dataclass
class RoundSheet:
    name: str
    published: bool
    lanes: int | None
    heats: list[HeatSheet]


@dataclass
class EventSheet:
    event: Event
    rule: EventRule
    entrants: list[Entrant]
    draw: DrawSheet | None = None
    rounds: list[RoundSheet] = field(default_factory=list)
    record: records.StandingRecord | None = None
    unpublished: bool = False  # a draw or round exists that is not published yet

    @property
    def drawn(self) -> bool:
        return self.draw is not None or bool(self.rounds)

    @property
    def has_results(self) -> bool:
        """A mark in any heat or a score in any match."""
        stages = self.draw.stages if self.draw else []
        return any(x.mark for r in self.rounds for h in r.heats for x in h.lines) or any(
            m.result for stage in stages for m in stage.matches
        )

    @property
    def progress(self) -> str:
        """Where an event without results stands, in the book's words: an unpublished draw is
        not "尚未编排", and a published one is waiting for its matches, not for a draw."""
        if self.has_results:
            return ""
        if (self.draw is not None and self.draw.published) or any(r.published for r in self.rounds):
            return "尚未比赛"
        if self.unpublished:
            return "分组尚未公布" if is_mark_event(self.event) else "对阵尚未公布"
        return "尚未编排"


@dataclass
class Programme:
    meet: Meet
    venues: list[Venue]
    committee: Committee
    rules: Rules
    timetable_published: bool
    days: list[Day]
    teams: list[TeamSheet]
    events: list[EventSheet]
    records: list[records.StandingRecord]
    published_only: bool

    @property
    def athletes(self) -> int:
        return sum(len(t.athletes) for t in self.teams)

    @property
    def entries(self) -> int:
        return sum(len(e.entrants) for e in self.events)

    def day(self, on: dt.date) -> Day | None:
        return next((d for d in self.days if d.date == on), None)


# Reading -------------------------------------------------------------------------------------------


async def programme(db: Database, actor: Actor, meet_id: int) -> Programme:
    """The whole 秩序册 for organisers: drafts of draws and rounds included (marked 预览)."""
    actor.require_organiser()
    async with db.read() as session:
        return await read_programme(session, meet_id, published_only=False)


async def public_books(db: Database, meet_id: int) -> Programme:
    """What everybody may see: published draws and rounds, the published timetable."""
    async with db.read() as session:
        return await read_programme(session, meet_id, published_only=True)


async def read_programme(session: AsyncSession, meet_id: int, *, published_only: bool) -> Programme:
    meet = await session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("运动会")
    venues = list((await session.scalars(select(Venue).where(Venue.meet_id == meet_id).order_by(Venue.name))).all())
    venue_name = {v.id: v.name for v in venues}
    events = list(
        (await session.scalars(select(Event).where(Event.meet_id == meet_id).order_by(Event.position, Event.id))).all()
    )
    teams = list((await session.scalars(select(Team).where(Team.meet_id == meet_id).order_by(Team.number))).all())
    team_name = {t.id: t.name for t in teams}
    people = (
        await session.execute(
            select(TeamMember.team_id, TeamMember.bib, Person.id, Person.name, Person.gender)
            .join(Person, Person.id == TeamMember.person_id)
            .where(TeamMember.meet_id == meet_id)
        )
    ).all()
    person_of = {pid: (team_id, bib, name, gender) for team_id, bib, pid, name, gender in people}
    entries = (
        await session.execute(
            select(Entry.event_id, Entry.team_id, Entry.person_id, Entry.squad)
            .where(Entry.meet_id == meet_id, Entry.status != EntryStatus.REJECTED)
            .order_by(Entry.id)
        )
    ).all()
    committee = await _committee(session, meet, events, teams, venue_name)
    rules = _rules(meet, events, venue_name)
    rule_of = {r.event.id: r for r in rules.events}
    days = await _days(session, meet_id)
    standing = await _records(session, events)
    unpublished = await _unpublished(session, events)

    event_name = {e.id: e.name for e in events}
    position = {e.id: (e.position, e.id) for e in events}
    entered: dict[int, list[str]] = defaultdict(list)
    by_event: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for event_id, team_id, person_id, squad in sorted(entries, key=lambda row: position[row[0]]):
        entered[person_id].append(event_name[event_id])
        by_event[event_id].append((team_id, person_id, squad))

    athletes_of: dict[int, list[Athlete]] = defaultdict(list)
    for pid, (team_id, bib, name, gender) in person_of.items():
        if pid in entered:
            athletes_of[team_id].append(Athlete(bib, name, gender_word(gender), team_name.get(team_id, ""), entered[pid]))
    for group in athletes_of.values():
        group.sort(key=lambda a: (a.bib is None, a.bib or 0, a.name))
    leaders = dict(committee.leaders)
    team_sheets = [TeamSheet(t, leaders.get(t.name, ""), athletes_of.get(t.id, [])) for t in teams]

    team_number = {t.id: t.number for t in teams}
    event_sheets = [
        EventSheet(event, rule_of[event.id], _entrants(event, by_event[event.id], person_of, team_name, team_number),
                   record=standing.get(event.id), unpublished=event.id in unpublished)
        for event in events
    ]
    squads = {(s.event.id, e.team_id, e.squad): e.members for s in event_sheets for e in s.entrants if e.members}
    draws = await _draws(session, events, published_only, squads)
    rounds = await _rounds(session, events, published_only, squads)
    for sheet in event_sheets:
        sheet.draw = draws.get(sheet.event.id)
        sheet.rounds = rounds.get(sheet.event.id, [])
    _on_timetable(event_sheets, days)
    kept_records = [standing[e.id] for e in events if e.id in standing]
    return Programme(
        meet=meet,
        venues=venues,
        committee=committee,
        rules=rules,
        timetable_published=bool(days),
        days=days,
        teams=team_sheets,
        events=event_sheets,
        records=kept_records,
        published_only=published_only,
    )


def _entrants(
    event: Event,
    rows: list[tuple[int, int, int]],
    person_of: dict[int, tuple[int, int | None, str, str]],
    team_name: dict[int, str],
    team_number: dict[int, int],
) -> list[Entrant]:
    """An event's entrants: people by bib, or squads (team events) with their people."""
    if not EventKind(event.kind).is_team:
        out = [Entrant(person_of[pid][1], person_of[pid][2], team_name.get(tid, "")) for tid, pid, _ in rows]
        return sorted(out, key=lambda e: (e.bib is None, e.bib or 0, e.name))
    squads: dict[tuple[int, int], Entrant] = {}
    for tid, pid, squad in sorted(rows, key=lambda r: (team_number.get(r[0], 0), r[2], person_of[r[1]][1] or 0)):
        name = team_name.get(tid, "")
        entrant = squads.setdefault((tid, squad), Entrant(None, name if squad == 1 else f"{name}{squad}队", name, [], tid, squad))
        bib, person = person_of[pid][1], person_of[pid][2]
        entrant.members.append(f"{bib} {person}" if bib else person)
    return list(squads.values())


async def _committee(
    session: AsyncSession, meet: Meet, events: list[Event], teams: list[Team], venue_name: dict[int, str]
) -> Committee:
    event_ids = [e.id for e in events]
    team_ids = [t.id for t in teams]
    accounts = (
        await session.scalars(
            select(UserAccount)
            .where(
                UserAccount.is_active.is_(True),
                or_(
                    UserAccount.role.in_([Role.ORGANISER.value, Role.REFEREE.value]),
                    and_(UserAccount.role == Role.LEADER.value, UserAccount.team_id.in_(team_ids)),
                ),
            )
            .order_by(UserAccount.id)
        )
    ).all()
    duties = (
        await session.execute(
            select(RefereeAssignment.user_id, RefereeAssignment.event_id, RefereeAssignment.venue_id)
            .where(or_(RefereeAssignment.event_id.in_(event_ids), RefereeAssignment.venue_id.in_(list(venue_name))))
            .order_by(RefereeAssignment.id)
        )
    ).all()
    event_name = {e.id: e.name for e in events}
    duty_of: dict[int, list[str]] = defaultdict(list)
    for user_id, event_id, venue_id in duties:
        where = "·".join(x for x in (event_name.get(event_id or 0, ""), venue_name.get(venue_id or 0, "")) if x)
        if where and where not in duty_of[user_id]:
            duty_of[user_id].append(where)
    team_of = {t.id: t.name for t in teams}
    leaders: dict[str, list[str]] = defaultdict(list)
    organisers, chiefs, referees = [], [], []
    for a in accounts:
        if a.role == Role.ORGANISER:
            organisers.append(a.display_name)
        elif a.role == Role.REFEREE:
            if a.is_chief_referee:
                chiefs.append(a.display_name)
            if a.id in duty_of or a.is_chief_referee:
                referees.append((a.display_name, "、".join(duty_of.get(a.id, [])) or "全部项目"))
        elif a.team_id in team_of:
            leaders[team_of[a.team_id]].append(a.display_name)
    return Committee(
        host=meet.host,
        organisers=organisers,
        chief_referees=chiefs,
        referees=referees,
        leaders=[(t.name, "、".join(leaders.get(t.name, []))) for t in teams],
    )


def _quota_text(event: Event) -> str:
    if event.team_quota is None:
        return "不限"
    return f"每队限报 {event.team_quota} {'队' if EventKind(event.kind).is_team else '人'}"


def _roster_text(event: Event) -> str:
    if not EventKind(event.kind).is_team:
        return ""
    parts = []
    if event.roster_min is not None or event.roster_max is not None:
        low, high = event.roster_min, event.roster_max
        parts.append(f"每队 {low} 人" if low == high else f"每队 {low or 1}–{high or '不限'} 人")
    if event.max_men is not None:
        parts.append(f"男不超过 {event.max_men} 人")
    if event.max_women is not None:
        parts.append(f"女不超过 {event.max_women} 人")
    return ",".join(parts)


def _best_of_text(event: Event) -> str:
    if is_mark_event(event):
        return ""
    text = BEST_OF.get(event.best_of, f"{event.best_of} 局")
    if event.final_best_of and event.final_best_of != event.best_of:
        text += f",决赛{BEST_OF.get(event.final_best_of, str(event.final_best_of))}"
    return text


def _rules(meet: Meet, events: list[Event], venue_name: dict[int, str]) -> Rules:
    counted = set(meet.counted_kinds or [])
    lines = [
        EventRule(
            event=e,
            venue_name=venue_name.get(e.venue_id or 0, ""),
            kind=label(KIND, e.kind),
            format=label(FORMAT, e.format),
            division=label(DIVISION, e.division),
            quota=_quota_text(e),
            roster=_roster_text(e),
            best_of=_best_of_text(e),
            award_places=e.award_places,
            counted=e.kind in counted,
        )
        for e in events
    ]
    return Rules(
        per_person_limit=meet.per_person_limit,
        counted_kinds=[label(KIND, k) for k in EventKind if k.value in counted],
        points=team_points.rules_summary(team_points.rules_of(meet)),
        events=lines,
    )


async def _days(session: AsyncSession, meet_id: int) -> list[Day]:
    """The published timetable by day; [] while none is published."""
    rows = await timetable.timetable_rows(session, meet_id, published_only=True)
    by_day: dict[dt.date, list[Slot]] = defaultdict(list)
    for r in rows:
        by_day[r.start.date()].append(
            Slot(r.start, r.end, r.venue_name, r.unit_label, r.event_name, r.round_name, r.label, r.kind, r.event_id, r.unit,
                 r.item_key)
        )
    return [Day(on, sorted(slots, key=lambda s: (s.start, s.venue_name, s.unit))) for on, slots in sorted(by_day.items())]


def _on_timetable(sheets: list[EventSheet], days: list[Day]) -> None:
    """Each match and heat with its slot in the published timetable, for the start lists' time
    and court (none while no timetable is published, or for an item it does not hold)."""
    slot_of = {s.key: s for d in days for s in d.slots}
    for sheet in sheets:
        for stage in sheet.draw.stages if sheet.draw else []:
            for m in stage.matches:
                m.slot = slot_of.get(m.key)
        for r in sheet.rounds:
            for h in r.heats:
                h.slot = slot_of.get(h.key)


async def _unpublished(session: AsyncSession, events: list[Event]) -> set[int]:
    """Events with a draw or a round not yet published: the public books say so, not 尚未编排."""
    ids = [e.id for e in events]
    drafts = select(Draw.event_id).where(Draw.event_id.in_(ids), Draw.status != DrawStatus.PUBLISHED).union(
        select(RaceRound.event_id).where(RaceRound.event_id.in_(ids), RaceRound.status != RoundStatus.PUBLISHED)
    )
    return set((await session.scalars(drafts)).all())


async def _draws(session: AsyncSession, events: list[Event], published_only: bool, squads: Squads) -> dict[int, DrawSheet]:
    """Each match event's draw: group tables and every known match as a line."""
    ids = [e.id for e in events if not is_mark_event(e)]
    if not ids:
        return {}
    query = select(Draw.id, Draw.event_id, Draw.status, Draw.data, Draw.bracket).where(Draw.event_id.in_(ids))
    if published_only:
        query = query.where(Draw.status == DrawStatus.PUBLISHED)
    draws = (await session.execute(query)).all()
    if not draws:
        return {}
    draw_ids = [d.id for d in draws]
    entrant_rows = (
        await session.execute(
            select(
                DrawEntrant.id, DrawEntrant.draw_id, DrawEntrant.number, DrawEntrant.name, DrawEntrant.team_name,
                DrawEntrant.person_id, DrawEntrant.team_id, DrawEntrant.squad,
            ).where(DrawEntrant.draw_id.in_(draw_ids))
        )
    ).all()
    entrant = {row.id: (row.name if row.person_id is None else f"{row.name}({row.team_name})") for row in entrant_rows}
    event_of = {d.id: d.event_id for d in draws}
    players = {
        row.id: squads.get((event_of[row.draw_id], row.team_id, row.squad), [])
        for row in entrant_rows
        if row.person_id is None
    }
    numbered: dict[int, dict[int, Any]] = defaultdict(dict)  # draw id -> draw number -> entrant
    for row in entrant_rows:
        numbered[row.draw_id][row.number] = row
    matches = (
        await session.execute(
            select(Match.draw_id, Match.id, Match.key, Match.stage, Match.group_name, Match.round_no, Match.number,
                   Match.label, Match.a_id, Match.b_id, Match.status)
            .where(Match.draw_id.in_(draw_ids))
            .order_by(Match.draw_id, Match.number, Match.id)
        )
    ).all()
    summaries = dict(
        (
            await session.execute(
                select(MatchResult.match_id, MatchResult.summary)
                .join(Match, and_(Match.id == MatchResult.match_id, Match.version == MatchResult.version))
                .where(Match.draw_id.in_(draw_ids))
            )
        ).all()
    )
    by_draw: dict[int, list[Any]] = defaultdict(list)
    for m in matches:
        by_draw[m.draw_id].append(m)
    out = {}
    for d in draws:
        out[d.event_id] = sheet = _draw_sheet(d, by_draw[d.id], entrant, players, summaries)
        sheet.tree = _tree(d, numbered[d.id], {m.key: m for m in by_draw[d.id]}, summaries)
    return out


def _draw_sheet(
    d: Any, matches: list[Any], entrant: dict[int, str], players: dict[int, list[str]], summaries: dict[int, str]
) -> DrawSheet:
    """One draw's group tables and its matches as lines, by stage."""
    groups: dict[str, list[str]] = {}
    stages: dict[str, list[MatchLine]] = {}
    for m in matches:
        if m.stage in ("group", "round_robin"):
            members = groups.setdefault(f"{m.group_name}组" if m.group_name else "循环赛", [])
            for side in (m.a_id, m.b_id):
                if side and entrant.get(side) not in members:
                    members.append(entrant[side])
        stages.setdefault(_stage_title(m), []).append(_match_line(d.event_id, m, entrant, players, summaries))
    return DrawSheet(
        d.status == DrawStatus.PUBLISHED,
        [GroupTable(name, members) for name, members in sorted(groups.items())],
        [StageLines(title, lines, title == KNOCKOUT_TITLE) for title, lines in stages.items()],
    )


def _match_line(
    event_id: int, m: Any, entrant: dict[int, str], players: dict[int, list[str]], summaries: dict[int, str]
) -> MatchLine:
    def side(entrant_id: int | None) -> str:
        if entrant_id:
            return entrant.get(entrant_id, "待定")
        return "轮空" if m.status == "done" else "待定"

    return MatchLine(
        m.number, m.label, side(m.a_id), side(m.b_id), m.status, summaries.get(m.id, ""),
        key=f"{event_id}:{m.key}",  # the timetable keys a match by its event and stored key
        a_members=players.get(m.a_id or 0, []), b_members=players.get(m.b_id or 0, []),
    )


def _tree(d: Any, by_number: dict[int, Any], stored: dict[str, Any], summaries: dict[int, str]) -> Tree | None:
    engine, bracket = draws.engine_and_bracket(d.data, d.bracket)
    return tree_of(bracket, engine, by_number, stored, summaries)


KNOCKOUT_TITLE = "淘汰赛"


def _stage_title(m: Any) -> str:
    if m.stage == "knockout":
        return KNOCKOUT_TITLE
    if m.stage == "group":
        return f"{m.group_name}组" if m.group_name else "小组赛"
    if m.stage == "swiss":
        return f"第{m.round_no}轮"
    return "循环赛"


async def _rounds(
    session: AsyncSession, events: list[Event], published_only: bool, squads: Squads
) -> dict[int, list[RoundSheet]]:
    """Each timed or measured event's rounds, heats and lanes (with marks once entered)."""
    marked = {e.id: e for e in events if is_mark_event(e)}
    if not marked:
        return {}
    query = select(
        RaceRound.id, RaceRound.event_id, RaceRound.number, RaceRound.name, RaceRound.status, RaceRound.lanes,
        RaceRound.is_final,
    ).where(RaceRound.event_id.in_(list(marked)))
    if published_only:
        query = query.where(RaceRound.status == RoundStatus.PUBLISHED)
    found = (await session.execute(query.order_by(RaceRound.event_id, RaceRound.number))).all()
    if not found:
        return {}
    round_ids = [r.id for r in found]
    heats = (
        await session.execute(
            select(Heat.id, Heat.round_id, Heat.number).where(Heat.round_id.in_(round_ids)).order_by(Heat.number)
        )
    ).all()
    lines = (
        await session.execute(
            select(
                StartEntry.heat_id, StartEntry.event_id, StartEntry.lane, StartEntry.position, StartEntry.bib,
                StartEntry.name, StartEntry.team_name, StartEntry.value, StartEntry.status, StartEntry.qualified,
                StartEntry.record_flag, StartEntry.person_id, StartEntry.team_id, StartEntry.squad,
            )
            .where(StartEntry.round_id.in_(round_ids))
            .order_by(StartEntry.heat_id, StartEntry.position)
        )
    ).all()
    measures = {eid: measure_of(e) for eid, e in marked.items()}
    lines_of: dict[int, list[Line]] = defaultdict(list)
    for x in lines:
        squad = squads.get((x.event_id, x.team_id, x.squad), []) if x.person_id is None else []
        lines_of[x.heat_id].append(
            Line(x.lane, x.position, x.bib, x.name, x.team_name, shown(measures[x.event_id], x.value, x.status),
                 QUALIFIED.get(x.qualified or "", ""), x.record_flag, squad)
        )
    heats_of: dict[int, list[HeatSheet]] = defaultdict(list)
    for h in heats:
        heats_of[h.round_id].append(HeatSheet(h.number, lines_of[h.id]))
    out: dict[int, list[RoundSheet]] = defaultdict(list)
    for r in found:
        for h in heats_of[r.id]:
            # the key the timetable gave this heat, so the start list finds its time
            h.key = timetable.heat_key(r.event_id, r.number, h.number, final=r.is_final, alone=len(heats_of[r.id]) == 1)
        out[r.event_id].append(RoundSheet(r.name, r.status == RoundStatus.PUBLISHED, r.lanes, heats_of[r.id]))
    return out


async def _records(session: AsyncSession, events: list[Event]) -> dict[int, records.StandingRecord]:
    """The standing record of each timed or measured event (by its code), as the archive holds it."""
    marked = [e for e in events if is_mark_event(e)]
    if not marked:
        return {}
    codes = await records.codes_in_archive(session, {e.code for e in marked})
    out = {}
    for event in marked:
        entry = codes.get(event.code)
        lines = entry.lines if entry else []
        out[event.id] = records._standing(  # noqa: SLF001 - the archive's own reading of a code's history
            records.CodeEntry(event.code, [(event, dt.date.min)], lines), event.meet_id
        )
    return out


# Result books ------------------------------------------------------------------------------------------


@dataclass
class ResultBook:
    meet: Meet
    events: list[tuple[EventSheet, placings_service.EventPlacings]]

    @property
    def records_broken(self) -> list[tuple[Event, str, Line]]:
        """Every mark flagged 破纪录 or 平纪录, in any round (a heat can break a record)."""
        return [
            (s.event, r.name, x)
            for s, _ in self.events
            for r in s.rounds
            for h in r.heats
            for x in h.lines
            if x.record_flag
        ]

    @property
    def played(self) -> list[tuple[EventSheet, placings_service.EventPlacings]]:
        """The events with a place, a mark or a score: each gets its own page."""
        return [(s, placed) for s, placed in self.events if placed.places or s.has_results]

    @property
    def waiting(self) -> list[tuple[str, list[Event]]]:
        """The events without results, by where they stand (尚未比赛, 对阵尚未公布 …): one short
        list in the book instead of an empty page each."""
        by_progress: dict[str, list[Event]] = defaultdict(list)
        for s, placed in self.events:
            if not (placed.places or s.has_results):
                by_progress[s.progress].append(s.event)
        return list(by_progress.items())


async def result_book(db: Database, meet_id: int, event_id: int | None = None) -> ResultBook:
    """Final places (with marks and record flags), heats with marks and match scores, of one
    event or the whole meet: published rounds and draws only, so it may be public."""
    book = await public_books(db, meet_id)
    sheets = [s for s in book.events if event_id is None or s.event.id == event_id]
    if event_id is not None and not sheets:
        raise NotFound("项目")
    placed = await placings_service.meet_placings(db, [s.event for s in sheets])
    return ResultBook(book.meet, list(zip(sheets, placed, strict=True)))


# Spreadsheets -------------------------------------------------------------------------------------------


def programme_sheets(p: Programme) -> Iterable[Sheet]:
    title = p.meet.name
    yield Sheet(
        title="竞赛规程",
        heading=(f"{title} 竞赛规程", f"每人限报 {p.rules.per_person_limit} 项;团体总分:{p.rules.points}"),
        columns=("项目", "组别", "类型", "赛制", "每队限报", "人数与组成", "局数", "录取名次", "场地", "计入限报"),
        widths=(20, 8, 10, 16, 12, 24, 18, 8, 12, 8),
        rows=(
            (r.event.name, r.division, r.kind, r.format, r.quota, r.roster, r.best_of, r.award_places, r.venue_name,
             "是" if r.counted else "否")
            for r in p.rules.events
        ),
    )
    yield Sheet(
        title="竞赛日程",
        heading=(f"{title} 竞赛日程",) if p.timetable_published else (f"{title} 竞赛日程", NOT_PUBLISHED),
        columns=("日期", "开始", "结束", "场地", "场次", "项目", "轮次", "说明"),
        widths=(14, 8, 8, 14, 10, 20, 12, 28),
        rows=(
            (f"{d.date.month}月{d.date.day}日", f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.venue_name, s.unit_label,
             s.event_name, s.round_name, s.detail)
            for d in p.days
            for s in d.slots
        ),
    )
    yield Sheet(
        title="代表队名单",
        heading=(f"{title} 代表队名单",),
        columns=("代表队", "号码", "姓名", "性别", "报名项目"),
        widths=(14, 8, 12, 6, 48),
        rows=((t.team.name, a.bib, a.name, a.gender, "、".join(a.events)) for t in p.teams for a in t.athletes),
    )
    yield Sheet(
        title="项目参赛名单",
        heading=(f"{title} 各项目参赛名单",),
        columns=("项目", "号码", "姓名/队名", "代表队", "队员"),
        widths=(20, 8, 16, 14, 48),
        rows=((s.event.name, e.bib, e.name, e.team_name, "、".join(e.members)) for s in p.events for e in s.entrants),
    )
    yield start_list_sheet(p)
    yield Sheet(
        title="大会纪录",
        heading=(f"{title} 大会纪录",),
        columns=("项目", "纪录", "保持者", "代表队", "创造时间", "运动会"),
        widths=(20, 12, 14, 14, 14, 24),
        rows=_record_rows(p.records),
    )


def _record_rows(standing: Sequence[records.StandingRecord]) -> Iterable[tuple[Any, ...]]:
    for r in standing:
        if not r.holders:
            yield (r.name, "暂无纪录", "", "", "", "")
        for h in r.holders:
            team = "" if h.mark.team_name == h.mark.holder else h.mark.team_name  # a team's record names it once
            yield (r.name, r.shown, h.mark.holder, team, f"{h.mark.set_on:%Y-%m-%d}", h.mark.meet_name)


def start_list_sheet(p: Programme) -> Sheet:
    def rows() -> Iterable[tuple[Any, ...]]:
        for s in p.events:
            team = EventKind(s.event.kind).is_team
            for r in s.rounds:
                for h in r.heats:
                    for x in h.lines:
                        # a squad's line names its team once; the runners take the second column
                        said = "、".join(x.members) if team else x.team_name
                        yield (s.event.name, r.name, h.number, *_when_where(h.slot), x.lane, x.position, x.bib, x.name, said)
            if s.draw:
                for stage in s.draw.stages:
                    for m in stage.matches:
                        yield (s.event.name, stage.title, m.number, *_when_where(m.slot), None, None, None,
                               f"{m.a} — {m.b}", m.label)

    return Sheet(
        title="检录单",
        heading=(f"{p.meet.name} 检录单(分组、道次、对阵)",),
        columns=("项目", "轮次", "组/场", "时间", "场地", "道次", "顺序", "号码", "姓名/对阵", "代表队/队员/说明"),
        widths=(20, 10, 8, 14, 16, 6, 6, 8, 28, 28),
        rows=rows(),
    )


def _when_where(slot: Slot | None) -> tuple[str, str]:
    """A start list's time and place, from the published timetable ("", "" without one)."""
    if slot is None:
        return "", ""
    return f"{slot.start.month}月{slot.start.day}日 {slot.start:%H:%M}", f"{slot.venue_name} {slot.unit_label}".strip()


def programme_xlsx(p: Programme) -> bytes:
    return write_xlsx(list(programme_sheets(p)))


def result_book_xlsx(book: ResultBook) -> bytes:
    def places() -> Iterable[tuple[Any, ...]]:
        for sheet, placed in book.events:
            for x in placed.places:
                flag = FLAG_LABELS.get(x.record_flag or "", "")
                yield (sheet.event.name, x.place, "并列" if x.tied else "", x.name, x.team_name, x.mark, flag,
                       "、".join(x.members))

    def marks() -> Iterable[tuple[Any, ...]]:
        for sheet, _ in book.events:
            for r in sheet.rounds:
                for h in r.heats:
                    for x in h.lines:
                        yield (sheet.event.name, r.name, h.number, x.lane, x.bib, x.name, x.team_name, x.mark,
                               x.qualified, x.record_label)
            if sheet.draw:
                for stage in sheet.draw.stages:
                    for m in stage.matches:
                        yield (sheet.event.name, stage.title, m.number, None, None, f"{m.a} — {m.b}", m.label, m.result,
                               "", "")

    return write_xlsx([
        Sheet(
            title="成绩册",
            heading=(f"{book.meet.name} 成绩册",),
            columns=("项目", "名次", "并列", "姓名/队名", "代表队", "成绩", "纪录", "队员"),
            widths=(20, 6, 6, 16, 14, 12, 8, 40),
            rows=places(),
        ),
        Sheet(
            title="各轮成绩",
            heading=(f"{book.meet.name} 各轮成绩",),
            columns=("项目", "轮次", "组/场", "道次", "号码", "姓名/对阵", "代表队/说明", "成绩/比分", "晋级", "纪录"),
            widths=(20, 10, 8, 6, 8, 28, 16, 16, 6, 8),
            rows=marks(),
        ),
    ])
