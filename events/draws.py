"""Draws (编排/抽签) for match events: generate, redraw and publish; keep the matches in step.

The draw itself comes from the pure engine (``scheduling.draw.make_draw``); this module
turns an event's entries into the engine's entrants, stores what it returns, and keeps one
``Match`` row per pairing that is known so far. Later stages appear as results arrive:
the knockout after the groups, the next Swiss round after the last one
(``events.match_results``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.models import (
    Draw,
    DrawEntrant,
    DrawStatus,
    Entry,
    EntryStatus,
    Event,
    Format,
    Match,
    MatchStatus,
    Person,
    Team,
    utcnow,
)
from scheduling import knockout
from scheduling.draw import (
    GroupsKnockoutDraw,
    KnockoutDraw,
    RoundRobinDraw,
    SwissDraw,
    decode_draw,
    encode_draw,
    make_draw,
)
from scheduling.entrants import DrawError
from scheduling.entrants import Entrant as EngineEntrant
from scheduling.rounds import Round

MATCH_FORMATS = {Format.ROUND_ROBIN, Format.KNOCKOUT, Format.GROUPS_KNOCKOUT, Format.SWISS}


def _draw_error(exc: DrawError) -> DomainError:
    return DomainError(str(exc))


# Who is in the draw ----------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An entrant of the event before the draw: a person, or a team's squad."""

    team_id: int
    team_name: str
    person_id: int | None
    squad: int
    name: str


async def candidates(session: AsyncSession, event: Event) -> list[Candidate]:
    """The event's entrants from its entries (rejected entries excluded), in team order."""
    rows = (
        await session.execute(
            select(Entry, Person.name, Team.name, Team.number)
            .join(Person, Person.id == Entry.person_id)
            .join(Team, Team.id == Entry.team_id)
            .where(Entry.event_id == event.id, Entry.status != EntryStatus.REJECTED)
            .order_by(Team.number, Entry.squad, Person.employee_no)
        )
    ).all()
    if not event.is_team_event:
        return [Candidate(e.team_id, team, e.person_id, 1, name) for e, name, team, _ in rows]
    squads: dict[tuple[int, int], Candidate] = {}
    sizes: dict[tuple[int, int], int] = {}
    for entry, _, team, _ in rows:
        key = (entry.team_id, entry.squad)
        sizes[key] = sizes.get(key, 0) + 1
        label = team if entry.squad == 1 else f"{team}{entry.squad}队"
        squads.setdefault(key, Candidate(entry.team_id, team, None, entry.squad, label))
    minimum = event.roster_min or 1
    return [c for key, c in squads.items() if sizes[key] >= minimum]


class Drawn(Protocol):
    """An entrant as a draw stored it (``DrawEntrant``, or a first-round ``StartEntry``)."""

    team_id: int
    person_id: int | None
    squad: int
    name: str


@dataclass(frozen=True)
class FieldChange:
    """Entries made or withdrawn since a draft draw was made: it no longer matches the entries."""

    added: list[str]  # entered since, in no match, heat or lane
    removed: list[str]  # drawn, no longer entered

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def text(self) -> str:
        parts = []
        if self.added:
            parts.append(f"新增报名 {'、'.join(self.added)}")
        if self.removed:
            parts.append(f"不再参赛(撤销或未通过资格终审) {'、'.join(self.removed)}")
        return ";".join(parts)


def field_change(now: Sequence[Candidate], drawn: Iterable[Drawn]) -> FieldChange:
    """How the event's entrants now differ from the ones a draw was made from."""
    def key(x: Candidate | Drawn) -> tuple[int, int | None, int]:
        return (x.team_id, x.person_id, 1 if x.person_id is not None else x.squad)

    then = {key(d): d.name for d in drawn}
    current = {key(c): c.name for c in now}
    return FieldChange(
        added=[name for k, name in current.items() if k not in then],
        removed=[name for k, name in then.items() if k not in current],
    )


def stale_refusal(event: Event, change: FieldChange, redo: str) -> DomainError:
    return DomainError(f"「{event.name}」编排后报名有变动({change.text()}),请{redo}后再公布")


# Building matches from the engine's draw -----------------------------------------------


@dataclass(frozen=True)
class Planned:
    key: str
    stage: str
    group_name: str | None
    round_no: int
    label: str
    a: int | None  # engine entrant numbers
    b: int | None
    best_of: int


def _round_matches(stage: str, rounds: Sequence[Round], best_of: int, group: str | None = None) -> list[Planned]:
    prefix = f"g:{group}" if group else stage[:2]
    where = f"{group}组" if group else ""
    return [
        Planned(f"{prefix}:{r.number}:{i}", stage, group, r.number, f"{where}第{r.number}轮", p.home, p.away, best_of)
        for r in rounds
        for i, p in enumerate(r.pairings, start=1)
    ]


def knockout_matches(bracket: knockout.Bracket, event: Event) -> list[Planned]:
    """Every bracket match that is not a bye; the final is played best of the final setting."""
    planned = []
    final_id = bracket.final().id
    for m in bracket.matches:
        if m.bye:
            continue
        best = event.final_best_of if (m.id == final_id and event.final_best_of) else event.best_of
        planned.append(Planned(f"ko:{m.id}", "knockout", None, m.round, m.label, m.a, m.b, best))
    return planned


def planned_matches(draw: object, event: Event) -> list[Planned]:
    if isinstance(draw, RoundRobinDraw):
        return _round_matches("round_robin", draw.rounds, event.best_of)
    if isinstance(draw, KnockoutDraw):
        return knockout_matches(draw.bracket, event)
    if isinstance(draw, GroupsKnockoutDraw):
        planned = []
        for group, rounds in zip(draw.groups, draw.group_rounds, strict=True):
            planned += _round_matches("group", rounds, event.best_of, group.name)
        return planned
    assert isinstance(draw, SwissDraw)
    return _round_matches("swiss", draw.rounds, event.best_of)


async def add_matches(session: AsyncSession, draw: Draw, event: Event, planned: list[Planned]) -> None:
    """Insert matches not stored yet; update the sides of those that are (bracket filling)."""
    entrant_ids = dict(
        (await session.execute(select(DrawEntrant.number, DrawEntrant.id).where(DrawEntrant.draw_id == draw.id))).all()
    )
    existing = {
        m.key: m for m in (await session.scalars(select(Match).where(Match.draw_id == draw.id))).all()
    }
    number = max((m.number for m in existing.values()), default=0)
    for p in planned:
        a = entrant_ids.get(p.a) if p.a is not None else None
        b = entrant_ids.get(p.b) if p.b is not None else None
        match = existing.get(p.key)
        if match is None:
            number += 1
            match = Match(
                draw_id=draw.id, event_id=event.id, key=p.key, stage=p.stage, group_name=p.group_name,
                round_no=p.round_no, number=number, label=p.label, best_of=p.best_of, venue_id=event.venue_id,
                version=0,
            )
            session.add(match)
        match.a_id, match.b_id = a, b
        if match.status != MatchStatus.DONE:
            match.status = MatchStatus.READY if a is not None and b is not None else MatchStatus.WAITING
    await session.flush()


# Use cases ---------------------------------------------------------------------------------


class DrawRequest(msgspec.Struct):
    format: str
    settings: dict = {}
    seeds: dict[int, int] = {}  # draw-candidate index (1-based, as listed) -> seed rank
    seed: int | None = None  # the random seed; None draws a fresh one


async def _event_for_draw(session: AsyncSession, meet_id: int, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.meet_id != meet_id:
        raise NotFound("项目")
    if event.kind not in ("individual_match", "team_match"):
        raise DomainError("只有对抗类项目(球类、棋牌、拔河)需要编排对阵;计时计量项目请用分组分道")
    return event


async def generate(db: Database, actor: Actor, meet_id: int, event_id: int, request: DrawRequest) -> Draw:
    """Make (or remake) the event's draft draw. A published draw cannot be redrawn."""
    actor.require_organiser()
    if request.format not in {f.value for f in MATCH_FORMATS}:
        raise DomainError("请选择赛制:循环赛、淘汰赛、分组+淘汰或瑞士制", field="format")
    seed = request.seed if request.seed is not None else secrets.randbelow(10**9)
    async with db.write() as session:
        event = await _event_for_draw(session, meet_id, event_id)
        old = await session.scalar(select(Draw).where(Draw.event_id == event_id))
        if old is not None and old.status == DrawStatus.PUBLISHED:
            raise Conflict("抽签结果已公布,不能重新抽签")
        people = await candidates(session, event)
        seeds = _check_seeds(request.seeds, len(people))
        entrants = [
            EngineEntrant(id=i, name=c.name, team_id=c.team_id, seed=seeds.get(i))
            for i, c in enumerate(people, start=1)
        ]
        try:
            engine_draw = make_draw(request.format, entrants, request.settings, seed)
        except DrawError as exc:
            raise _draw_error(exc) from exc
        if old is not None:
            await session.execute(delete(Match).where(Match.draw_id == old.id))
            await session.execute(delete(DrawEntrant).where(DrawEntrant.draw_id == old.id))
            await session.delete(old)
            await session.flush()
        draw = Draw(
            event_id=event_id, format=request.format, seed=seed, settings=dict(request.settings),
            data=encode_draw(engine_draw).decode(), status=DrawStatus.DRAFT, created_by=actor.user_id,
        )
        session.add(draw)
        await session.flush()
        for i, c in enumerate(people, start=1):
            session.add(
                DrawEntrant(
                    draw_id=draw.id, number=i, team_id=c.team_id, person_id=c.person_id, squad=c.squad,
                    name=c.name, team_name=c.team_name, seed=seeds.get(i),
                )
            )
        await session.flush()
        await add_matches(session, draw, event, planned_matches(engine_draw, event))
        word = "重新抽签" if old is not None else "抽签"
        audit.record(
            session, actor, "draw_generate", f"「{event.name}」{word}(随机种子 {seed},{len(people)} 个参赛者)",
            meet_id=meet_id, target=f"event:{event_id}",
        )
    return draw


def _check_seeds(seeds: dict[int, int], count: int) -> dict[int, int]:
    clean = {int(k): int(v) for k, v in seeds.items() if v}
    if any(not 1 <= k <= count for k in clean):
        raise DomainError("种子对应的参赛者不存在", field="seeds")
    ranks = sorted(clean.values())
    if ranks != list(range(1, len(ranks) + 1)):
        raise DomainError("种子序号须从 1 开始连续编号且不能重复", field="seeds")
    return clean


async def publish(db: Database, actor: Actor, meet_id: int, event_id: int) -> Draw:
    actor.require_organiser()
    async with db.write() as session:
        event = await _event_for_draw(session, meet_id, event_id)
        draw = await session.scalar(select(Draw).where(Draw.event_id == event_id))
        if draw is None:
            raise DomainError("请先抽签")
        if draw.status == DrawStatus.PUBLISHED:
            return draw
        drawn = (await session.scalars(select(DrawEntrant).where(DrawEntrant.draw_id == draw.id))).all()
        change = field_change(await candidates(session, event), drawn)
        if change:
            raise stale_refusal(event, change, "重新抽签")
        draw.status = DrawStatus.PUBLISHED
        draw.published_at = utcnow()
        audit.record(session, actor, "draw_publish", f"公布「{event.name}」抽签结果", meet_id=meet_id, target=f"event:{event_id}")
    return draw


# Reading -----------------------------------------------------------------------------------


@dataclass
class DrawView:
    event: Event
    draw: Draw | None
    engine: object | None
    entrants: dict[int, DrawEntrant]  # DrawEntrant.id -> row
    by_number: dict[int, DrawEntrant]  # engine number -> row
    matches: list[Match]
    bracket: knockout.Bracket | None  # the knockout (direct, or after groups)

    def name(self, entrant_id: int | None) -> str:
        if entrant_id is None:
            return "待定"
        return self.entrants[entrant_id].name

    def rounds(self) -> list[tuple[str, list[Match]]]:
        """Matches grouped by stage and round, in playing order."""
        grouped: dict[str, list[Match]] = {}
        for m in sorted(self.matches, key=lambda m: (m.stage == "knockout", m.round_no, m.group_name or "", m.number)):
            title = m.label if m.stage == "knockout" else (f"第{m.round_no}轮")
            grouped.setdefault(title, []).append(m)
        return list(grouped.items())

    def groups(self) -> list[tuple[str, list[DrawEntrant]]]:
        if not isinstance(self.engine, GroupsKnockoutDraw):
            return []
        return [(g.name, [self.by_number[n] for n in g.entrants]) for g in self.engine.groups]


def engine_and_bracket(data: str, stored_bracket: str | None) -> tuple[object, knockout.Bracket | None]:
    """A stored draw's engine state and its knockout bracket: the one drawn with it, or the one
    drawn after the groups (stored beside it)."""
    engine = decode_draw(data)
    bracket = engine.bracket if isinstance(engine, KnockoutDraw) else None
    if stored_bracket:
        bracket = msgspec.json.decode(stored_bracket, type=knockout.Bracket)
    return engine, bracket


async def view(db: Database, meet_id: int, event_id: int, *, actor: Actor | None = None) -> DrawView:
    """The draw as stored. Drafts are shown to organisers only."""
    async with db.read() as session:
        event = await session.get(Event, event_id)
        if event is None or event.meet_id != meet_id:
            raise NotFound("项目")
        draw = await session.scalar(select(Draw).where(Draw.event_id == event_id))
        if draw is not None and draw.status == DrawStatus.DRAFT and not (actor and actor.is_organiser):
            draw = None
        if draw is None:
            return DrawView(event, None, None, {}, {}, [], None)
        rows = (await session.scalars(select(DrawEntrant).where(DrawEntrant.draw_id == draw.id))).all()
        matches = list(
            (await session.scalars(select(Match).where(Match.draw_id == draw.id).order_by(Match.number))).all()
        )
    engine, bracket = engine_and_bracket(draw.data, draw.bracket)
    return DrawView(
        event, draw, engine, {r.id: r for r in rows}, {r.number: r for r in rows}, matches, bracket
    )


async def list_draws(db: Database, meet_id: int) -> list[tuple[Event, Draw | None, int, int]]:
    """Each match event with its draw and (matches done, matches in all)."""
    async with db.read() as session:
        events = (
            await session.scalars(
                select(Event)
                .where(Event.meet_id == meet_id, Event.kind.in_(("individual_match", "team_match")))
                .order_by(Event.position)
            )
        ).all()
        draws = {d.event_id: d for d in (await session.scalars(select(Draw).join(Event).where(Event.meet_id == meet_id))).all()}
        counts: dict[int, tuple[int, int]] = {}
        for m in (await session.scalars(select(Match).join(Event).where(Event.meet_id == meet_id))).all():
            done, total = counts.get(m.event_id, (0, 0))
            counts[m.event_id] = (done + (m.status == MatchStatus.DONE), total + 1)
    return [(e, draws.get(e.id), *counts.get(e.id, (0, 0))) for e in events]


async def event_candidates(db: Database, actor: Actor, meet_id: int, event_id: int) -> list[Candidate]:
    actor.require_organiser()
    async with db.read() as session:
        event = await _event_for_draw(session, meet_id, event_id)
        return await candidates(session, event)
