"""Rounds of timed and measured events (轮次): heats and lanes drawn, published, advanced.

- The first round takes the event's entrants (rejected entries excluded). Each entrant's seed
  mark is their best mark in the same event (same event code) at earlier meets, from the
  archive of results, unless the organiser types an entry mark (报名成绩) for them.
- A round is drawn as a draft (预览), which may be redrawn, then published: start lists print
  and referees enter marks. A published round is never redrawn.
- A round of heats (预赛) sends entrants on to the next round by place (Q) and by time (q).
  When entrants tie across a cut the organiser says who goes through (the referee decides:
  all of them when there are lanes enough, else by lot); until then the next round is refused
  with the tie named.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import CompoundSelect, Select, bindparam, delete, func, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from events import audit
from events.actors import Actor
from events.db import Database
from events.draws import Candidate, candidates, field_change, stale_refusal
from events.errors import Conflict, DomainError, NotFound
from events.measures import is_mark_event, mark_of, measure_of, shown
from events.models import Event, Format, Heat, RaceRound, RoundStatus, StartEntry, TeamMember, utcnow
from scheduling import heats as engine
from scheduling.entrants import DrawError
from scheduling.marks import Mark, MarkError, Measure, parse_mark, sort_key
from scheduling.qualification import Qualification, QualifyRule, advance_order, qualify
from scheduling.ranking import Performance, Placing, rank

METHODS = {"serpentine": "蛇形编排", "graded": "按成绩分组", "random": "随机抽签"}


class RoundRequest(msgspec.Struct):
    """How to draw the next round of an event."""

    method: str = "serpentine"
    lanes: int | None = 8  # None: a mass start (1500 米) or a field event, in sections
    section_size: int | None = None  # the largest section of a mass start; None: everyone in one
    heat_count: int | None = None  # None: as few heats as the lanes allow
    is_final: bool = True
    qualify_by_place: int = 0  # Q
    qualify_by_time: int = 0  # q
    seed: int | None = None  # the random seed printed on the start list; None draws a fresh one
    seed_marks: dict[str, str] = {}  # entrant key → an entry mark as typed (报名成绩)
    advance: list[str] = []  # entrant keys the referee sends through from a tie at a cut


def entrant_key(person_id: int | None, team_id: int, squad: int) -> str:
    return f"p:{person_id}" if person_id is not None else f"t:{team_id}:{squad}"


def _key_of(c: Candidate) -> str:
    return entrant_key(c.person_id, c.team_id, c.squad)


# Reading ---------------------------------------------------------------------------------


@dataclass
class HeatView:
    heat: Heat
    lines: list[StartEntry]
    placings: dict[int, Placing] = field(default_factory=dict)  # start entry id → place in the heat


@dataclass
class RoundView:
    round: RaceRound
    heats: list[HeatView]
    overall: list[Placing]  # the whole round ranked (a final run in several heats is one field)
    complete: bool  # every line has a mark or a status
    qualification: Qualification | None  # heats only, once complete
    measure: Measure

    @property
    def lines(self) -> list[StartEntry]:
        return [line for h in self.heats for line in h.lines]

    def line(self, line_id: int) -> StartEntry:
        return next(line for line in self.lines if line.id == line_id)

    @property
    def entered(self) -> int:
        return sum(1 for line in self.lines if line.version > 0)


async def rounds_of(session: AsyncSession, event: Event, *, for_update: bool = False) -> list[RoundView]:
    """The event's rounds with their heats and lines. Readers get the lines as plain rows (the
    same attribute names, a fraction of the cost for a 500-entrant start list); ``for_update``
    loads them as ORM objects a service may change."""
    rounds = (
        await session.scalars(
            select(RaceRound)
            .options(defer(RaceRound.data))  # the engine's record of the draw: large, read only to audit a draw
            .where(RaceRound.event_id == event.id)
            .order_by(RaceRound.number)
        )
    ).all()
    if not rounds:
        return []
    round_ids = [r.id for r in rounds]
    heats = (await session.scalars(select(Heat).where(Heat.round_id.in_(round_ids)).order_by(Heat.number))).all()
    lines_of = select(StartEntry) if for_update else select(*StartEntry.__table__.columns)
    found = await session.execute(lines_of.where(StartEntry.round_id.in_(round_ids)).order_by(StartEntry.position))
    lines = found.scalars().all() if for_update else found.all()
    by_heat: dict[int, list[StartEntry]] = defaultdict(list)
    for line in lines:
        by_heat[line.heat_id].append(line)
    measure = measure_of(event)
    views = []
    for r in rounds:
        heat_views = [HeatView(h, by_heat[h.id]) for h in heats if h.round_id == r.id]
        views.append(_round_view(r, heat_views, measure))
    return views


def _round_view(r: RaceRound, heat_views: list[HeatView], measure: Measure) -> RoundView:
    performances = []
    all_lines = [line for h in heat_views for line in h.lines]
    for h in heat_views:
        done = [line for line in h.lines if line.version > 0 and (line.value is not None or line.status is not None)]
        mine = [Performance(line.id, mark_of(measure, line.value, line.status), h.heat.number) for line in done]
        h.placings = {p.entrant: p for p in rank(mine)}
        performances += mine
    complete = bool(all_lines) and len(performances) == len(all_lines)
    if len(heat_views) == 1:  # one heat (a mass start, a timed final): its places are the round's
        overall = list(heat_views[0].placings.values())
    else:
        overall = rank(Performance(p.entrant, p.mark) for p in performances)
    qualification = None
    if not r.is_final and complete:
        qualification = qualify(performances, QualifyRule(r.qualify_by_place, r.qualify_by_time))
    return RoundView(r, heat_views, overall, complete, qualification, measure)


async def event_rounds(db: Database, meet_id: int, event_id: int) -> tuple[Event, list[RoundView]]:
    async with db.read() as session:
        event = await _mark_event(session, meet_id, event_id)
        return event, await rounds_of(session, event)


# Drawing -----------------------------------------------------------------------------------


async def _mark_event(session: AsyncSession, meet_id: int, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.meet_id != meet_id:
        raise NotFound("项目")
    if not is_mark_event(event):
        raise DomainError("对抗类项目请用抽签编排对阵;分组分道只用于计时、计量项目")
    return event


def _check_request(event: Event, req: RoundRequest) -> None:
    if req.method not in METHODS:
        raise DomainError("请选择编排方法:蛇形编排、按成绩分组或随机抽签", field="method")
    if req.lanes is not None and not 1 <= req.lanes <= 12:
        raise DomainError("道次数须为 1–12", field="lanes")
    if req.section_size is not None and not 1 <= req.section_size <= 1000:
        raise DomainError("每组人数须为 1–1000", field="section_size")
    if req.heat_count is not None and not 1 <= req.heat_count <= 100:
        raise DomainError("分组数须为 1–100", field="heat_count")
    if req.seed is not None and not 0 <= req.seed < 10**12:
        raise DomainError("随机种子须为 0 至 10¹² 之间的整数", field="seed")
    if not req.is_final:
        # The pages' bounds; the API's numbers past them would reach an INTEGER column (a 500 on PostgreSQL).
        if not 0 <= req.qualify_by_place <= 12:
            raise DomainError("每组录取名次(Q)须为 0–12", field="qualify_by_place")
        if not 0 <= req.qualify_by_time <= 100:
            raise DomainError("按成绩录取人数(q)须为 0–100", field="qualify_by_time")
        if req.qualify_by_place + req.qualify_by_time == 0:
            raise DomainError("预赛须规定录取办法:每组前几名(Q)和/或按成绩录取几名(q)", field="qualify_by_place")
        if event.format == Format.TIMED_FINAL:
            raise DomainError("该项目为直接决赛,不设预赛", field="is_final")


async def draw_round(db: Database, actor: Actor, meet_id: int, event_id: int, req: RoundRequest) -> RaceRound:
    """Draw (or redraw, while a draft) the event's next round."""
    actor.require_organiser()
    seed = req.seed if req.seed is not None else secrets.randbelow(10**9)
    async with db.write() as session:
        event = await _mark_event(session, meet_id, event_id)
        _check_request(event, req)
        views = await rounds_of(session, event, for_update=True)
        latest = views[-1] if views else None
        redraw = latest is not None and latest.round.status == RoundStatus.DRAFT
        if redraw:
            assert latest is not None
            await _discard(session, latest.round)
            views = views[:-1]
            latest = views[-1] if views else None
        if latest is not None and latest.round.is_final:
            raise Conflict("决赛已公布,不能再编排新的轮次")
        measure = measure_of(event)
        if latest is None:
            number, competitors, order, seed_values = 1, *await _first_round_field(session, event, req, measure)
        else:
            number = latest.round.number + 1
            competitors, order, seed_values = _next_round_field(latest, req, measure)
        try:
            heat_draw = _engine_draw(list(competitors.values()), req, seed, order)
        except DrawError as exc:
            raise DomainError(str(exc)) from exc
        race_round = RaceRound(
            event_id=event.id, number=number, name="决赛" if req.is_final else _heats_name(number),
            is_final=req.is_final, method=req.method, seed=seed, lanes=req.lanes,
            section_size=req.section_size if req.lanes is None else None,
            qualify_by_place=0 if req.is_final else req.qualify_by_place,
            qualify_by_time=0 if req.is_final else req.qualify_by_time,
            data=msgspec.json.encode(heat_draw).decode(), status=RoundStatus.DRAFT, created_by=actor.user_id,
        )
        session.add(race_round)
        await session.flush()
        await _save_heats(session, event, race_round, heat_draw, competitors, seed_values)
        word = "重新编排" if redraw else "编排"
        audit.record(
            session, actor, "round_draw",
            f"「{event.name}」{word}{race_round.name}({METHODS[req.method]},随机种子 {seed},"
            f"{len(competitors)} 人,{len(heat_draw.heats)} 组)",
            meet_id=meet_id, target=f"event:{event.id}",
        )
    return race_round


def _heats_name(number: int) -> str:
    return "预赛" if number == 1 else ("复赛" if number == 2 else f"第{number}轮")


async def _discard(session: AsyncSession, draft: RaceRound) -> None:
    """Remove a draft round. Referees score only published rounds, so a draft holds no marks."""
    await session.execute(delete(StartEntry).where(StartEntry.round_id == draft.id))
    await session.execute(delete(Heat).where(Heat.round_id == draft.id))
    await session.delete(draft)
    await session.flush()


@dataclass(frozen=True)
class _Entrant:
    key: str
    candidate: Candidate


async def _first_round_field(
    session: AsyncSession, event: Event, req: RoundRequest, measure: Measure
) -> tuple[dict[int, tuple[engine.Competitor, _Entrant]], list[int] | None, dict[int, int]]:
    people = await candidates(session, event)
    if not people:
        raise DomainError("该项目还没有有效报名,无法编排")
    archive = await archive_bests(session, event, [c.person_id for c in people if c.person_id is not None])
    field_: dict[int, tuple[engine.Competitor, _Entrant]] = {}
    seed_values: dict[int, int] = {}
    problems = []
    for i, c in enumerate(people, start=1):
        key = _key_of(c)
        seed_mark: Mark | None = None
        typed = req.seed_marks.get(key, "").strip()
        if typed:
            try:
                seed_mark = parse_mark(typed, measure)
            except MarkError as exc:
                problems.append(f"{c.name}:{exc}")
        elif c.person_id is not None and c.person_id in archive:
            seed_mark = mark_of(measure, archive[c.person_id], None)
        if seed_mark is not None and seed_mark.valid and seed_mark.value is not None:
            seed_values[i] = seed_mark.value
        field_[i] = (engine.Competitor(i, c.name, c.team_id, seed_mark if seed_mark and seed_mark.valid else None), _Entrant(key, c))
    if problems:
        raise DomainError("报名成绩有误:" + ";".join(problems), field="seed_marks")
    return field_, None, seed_values


async def archive_bests(session: AsyncSession, event: Event, person_ids: list[int]) -> dict[int, int]:
    """Each person's best valid mark in this event code at earlier meets (the seed mark)."""
    if not person_ids:
        return {}
    lower = measure_of(event).lower_wins
    best = func.min(StartEntry.value) if lower else func.max(StartEntry.value)
    rows = await session.execute(
        select(StartEntry.person_id, best)
        .join(Event, Event.id == StartEntry.event_id)
        .where(
            Event.code == event.code,
            Event.meet_id != event.meet_id,
            StartEntry.person_id.in_(person_ids),
            StartEntry.value.is_not(None),
        )
        .group_by(StartEntry.person_id)
    )
    return {person_id: value for person_id, value in rows if value is not None}


def _next_round_field(
    latest: RoundView, req: RoundRequest, measure: Measure
) -> tuple[dict[int, tuple[engine.Competitor, _Entrant]], list[int], dict[int, int]]:
    if latest.round.status != RoundStatus.PUBLISHED:
        raise DomainError("上一轮尚未公布")
    if not latest.complete or latest.qualification is None:
        missing = len(latest.lines) - sum(1 for line in latest.lines if line.version > 0)
        raise DomainError(f"{latest.round.name}还有 {missing} 人未录入成绩,不能编排下一轮")
    qual = latest.qualification
    by_id = {line.id: line for line in latest.lines}
    chosen = set(req.advance)
    tied_through: list[int] = []
    unsettled = []
    for tie in qual.ties:
        keys = {by_id[x].entrant_key for x in tie.entrants}
        picked = [x for x in tie.entrants if by_id[x].entrant_key in chosen]
        if len(picked) == len(tie.entrants) or len(picked) == tie.places:
            tied_through += picked
        else:
            names = "、".join(by_id[x].name for x in tie.entrants)
            where = f"第{tie.heat}组" if tie.heat is not None else "按成绩录取(q)"
            unsettled.append(f"{where}{names} 成绩相同,争 {tie.places} 个名额")
        chosen -= keys
    if unsettled:
        raise DomainError(
            "有并列需裁判长决定晋级者(道次够则可全部晋级,否则抽签):" + ";".join(unsettled), field="advance"
        )
    order = advance_order(qual)
    order += sorted(tied_through, key=lambda x: (sort_key(mark_of(measure, by_id[x].value, by_id[x].status)), x))
    field_: dict[int, tuple[engine.Competitor, _Entrant]] = {}
    seed_values: dict[int, int] = {}
    for line_id in order:
        line = by_id[line_id]
        mark = mark_of(measure, line.value, line.status)
        candidate = Candidate(line.team_id, line.team_name, line.person_id, line.squad, line.name)
        field_[line_id] = (engine.Competitor(line_id, line.name, line.team_id, mark), _Entrant(line.entrant_key, candidate))
        if line.value is not None:
            seed_values[line_id] = line.value
    for line in latest.lines:
        placing = next((p for p in qual.placings if p.entrant == line.id), None)
        line.qualified = placing.qualified if placing is not None else None
        if line.id in tied_through:
            line.qualified = "Q" if placing is not None and placing.place is not None else "q"
    return field_, order, seed_values


def _engine_draw(
    competitors: list[tuple[engine.Competitor, _Entrant]], req: RoundRequest, seed: int, order: list[int] | None
) -> engine.HeatDraw:
    field_ = [c for c, _ in competitors]
    method = req.method
    if req.lanes is not None:
        return engine.draw_heats(field_, req.lanes, method, seed, heat_count=req.heat_count, order=order)  # type: ignore[arg-type]
    size = req.section_size or len(field_)
    return engine.draw_sections(field_, size, method, seed, section_count=req.heat_count, order=order)  # type: ignore[arg-type]


async def _save_heats(
    session: AsyncSession,
    event: Event,
    race_round: RaceRound,
    heat_draw: engine.HeatDraw,
    competitors: dict[int, tuple[engine.Competitor, _Entrant]],
    seed_values: dict[int, int],
) -> None:
    person_ids = [e.candidate.person_id for _, e in competitors.values() if e.candidate.person_id is not None]
    bibs = dict(
        (
            await session.execute(
                select(TeamMember.person_id, TeamMember.bib).where(
                    TeamMember.meet_id == event.meet_id, TeamMember.person_id.in_(person_ids)
                )
            )
        ).all()
    ) if person_ids else {}
    for h in heat_draw.heats:
        heat = Heat(round_id=race_round.id, number=h.number)
        session.add(heat)
        await session.flush()
        for slot in h.slots:
            _, who = competitors[slot.entrant]
            c = who.candidate
            session.add(
                StartEntry(
                    round_id=race_round.id, heat_id=heat.id, event_id=event.id, entrant_key=who.key,
                    team_id=c.team_id, person_id=c.person_id, squad=c.squad, name=c.name, team_name=c.team_name,
                    bib=bibs.get(c.person_id) if c.person_id is not None else None,
                    lane=slot.lane, position=slot.position, seed_value=seed_values.get(slot.entrant),
                )
            )
    await session.flush()


async def _latest_round(session: AsyncSession, event_id: int) -> RaceRound | None:
    return await session.scalar(
        select(RaceRound).where(RaceRound.event_id == event_id).order_by(RaceRound.number.desc()).limit(1)
    )


async def publish_round(db: Database, actor: Actor, meet_id: int, event_id: int) -> RaceRound:
    """Publish the event's draft round: start lists print, referees may enter marks."""
    actor.require_organiser()
    async with db.write() as session:
        event = await _mark_event(session, meet_id, event_id)
        draft = await _latest_round(session, event.id)
        if draft is None:
            raise DomainError("请先编排分组")
        if draft.status == RoundStatus.PUBLISHED:
            return draft
        if draft.number == 1:
            drawn = (await session.scalars(select(StartEntry).where(StartEntry.round_id == draft.id))).all()
            change = field_change(await candidates(session, event), drawn)
            if change:
                raise stale_refusal(event, change, "重新编排分组")
        draft.status = RoundStatus.PUBLISHED
        draft.published_at = utcnow()
        audit.record(
            session, actor, "round_publish", f"公布「{event.name}」{draft.name}分组", meet_id=meet_id,
            target=f"event:{event.id}",
        )
    return draft


async def discard_draft(db: Database, actor: Actor, meet_id: int, event_id: int) -> None:
    """Withdraw the event's draft round (e.g. to correct a heat mark it was drawn from)."""
    actor.require_organiser()
    async with db.write() as session:
        event = await _mark_event(session, meet_id, event_id)
        draft = await _latest_round(session, event.id)
        if draft is None or draft.status != RoundStatus.DRAFT:
            raise DomainError("没有可撤销的分组草稿(已公布的分组不能撤销)")
        previous = await session.scalars(
            select(StartEntry).join(RaceRound, RaceRound.id == StartEntry.round_id).where(
                RaceRound.event_id == event.id, RaceRound.number == draft.number - 1
            )
        )
        for line in previous:
            line.qualified = None
        await _discard(session, draft)
        audit.record(
            session, actor, "round_discard", f"撤销「{event.name}」{draft.name}分组草稿", meet_id=meet_id,
            target=f"event:{event.id}",
        )


def seed_text(measure: Measure, value: int | None) -> str:
    return shown(measure, value, None) if value is not None else ""


@dataclass
class HeatTask:
    heat_id: int
    event: Event
    round_name: str
    heat_number: int
    entered: int
    total: int
    item_key: str = ""  # the heat's key in the meet's timetable (timetable.heat_key)


async def referee_heats(db: Database, actor: Actor) -> list[HeatTask]:
    """Heats of published rounds this referee may score, unfinished ones first."""
    from events.timetable import heat_key

    heats_in_round = select(func.count(Heat.id)).where(Heat.round_id == RaceRound.id).correlate(RaceRound).scalar_subquery()
    async with db.read() as session:
        rows = (
            await session.execute(
                select(
                    Heat.id, Heat.number, RaceRound.name, Event,
                    func.count(StartEntry.id), func.count(StartEntry.id).filter(StartEntry.version > 0),
                    RaceRound.number, RaceRound.is_final, heats_in_round,
                )
                .join(RaceRound, RaceRound.id == Heat.round_id)
                .join(Event, Event.id == RaceRound.event_id)
                .join(StartEntry, StartEntry.heat_id == Heat.id)
                .where(RaceRound.status == RoundStatus.PUBLISHED)
                .group_by(Heat.id, Heat.number, RaceRound.id, RaceRound.name, RaceRound.number, RaceRound.is_final, Event.id)
                .order_by(Event.position, RaceRound.number, Heat.number)
            )
        ).all()
    tasks = [
        HeatTask(
            heat_id, event, round_name, number, entered, total,
            heat_key(event.id, round_no, number, final=is_final, alone=heats == 1),
        )
        for heat_id, number, round_name, event, total, entered, round_no, is_final, heats in rows
        if actor.can_referee(event.id, event.venue_id)
    ]
    return sorted(tasks, key=lambda t: t.entered >= t.total)


# A heat's standing, for the referee's sheet ---------------------------------------------------


@dataclass
class Leader:
    place: int
    tied: bool
    line: Any  # the start-list row


@dataclass
class HeatStanding:
    """What a referee sees beside the sheet after each mark: the heat's leaders and progress.

    Ranked by the database (RANK(), the rule of scheduling.ranking.rank: equal marks share a
    place, the next place skips), so a 500-runner mass start answers a mark with its top ten
    without reading the other 490 lines.
    """

    event: Event
    race_round: RaceRound
    heat: Heat
    leaders: list[Leader]
    entered: int
    total: int
    line: Any = None  # the line just entered, fresh


def _heat_context() -> Select[Any]:
    """The heat, its round and event, and the heat's counts: lines, and lines with a mark entered."""
    lines = select(func.count(StartEntry.id)).where(StartEntry.heat_id == Heat.id)
    return (
        select(
            Heat, RaceRound, Event,
            lines.scalar_subquery(),
            lines.where(StartEntry.version > 0).scalar_subquery(),
        )
        .options(defer(RaceRound.data))
        .join(RaceRound, RaceRound.id == Heat.round_id)
        .join(Event, Event.id == RaceRound.event_id)
        .where(Heat.id == bindparam("heat_id"))
    )


def _heat_leaders(lower_wins: bool) -> CompoundSelect:
    """The heat's lines placed ``top`` or better, then the line just entered (unplaced in this
    part). RANK() runs over the ids and marks alone (a narrow sort); the few rows kept are
    joined back to the lines."""
    ranked = (
        select(StartEntry.id, func.rank().over(order_by=StartEntry.value if lower_wins else StartEntry.value.desc()).label("place"))
        .where(StartEntry.heat_id == bindparam("heat_id"), StartEntry.value.is_not(None))
        .subquery()
    )
    leaders = (
        select(*StartEntry.__table__.columns, ranked.c.place)
        .select_from(ranked)
        .join(StartEntry, StartEntry.id == ranked.c.id)
        .where(ranked.c.place <= bindparam("top"))
    )
    entered = select(*StartEntry.__table__.columns, null().label("place")).where(StartEntry.id == bindparam("line_id"))
    return union_all(leaders, entered)


# Built once: every mark a referee enters asks for its heat's standing, and a pre-built statement
# keeps its compiled form and cache key instead of being built and keyed again on each call.
_HEAT_CONTEXT = _heat_context()
_HEAT_LEADERS: dict[bool, CompoundSelect] = {True: _heat_leaders(True), False: _heat_leaders(False)}


async def heat_standing(db: Database, heat_id: int, line_id: int | None = None, top: int = 10) -> HeatStanding:
    async with db.read() as session:
        found = (await session.execute(_HEAT_CONTEXT, {"heat_id": heat_id})).first()
        if found is None:
            raise NotFound("分组")
        heat, race_round, event, total, entered = found
        statement = _HEAT_LEADERS[measure_of(event).lower_wins]
        rows = (await session.execute(statement, {"heat_id": heat_id, "top": top, "line_id": line_id or 0})).all()
    line = next((row for row in rows if row.id == line_id), None)
    rows = sorted((row for row in rows if row.place is not None), key=lambda row: (row.place, row.id))
    sharing: dict[int, int] = defaultdict(int)
    for row in rows:
        sharing[row.place] += 1
    leaders = [Leader(row.place, sharing[row.place] > 1, row) for row in rows]
    return HeatStanding(event, race_round, heat, leaders, entered or 0, total or 0, line)
