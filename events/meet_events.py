"""Event setup (比赛项目): sport, division, kind, format, quotas, awards, best-of."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from events import audit, slots
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, NotFound
from events.models import Division, Event, EventKind, Format, MeasureKind, Meet, Sport, Timing, Venue
from events.schemas import EventInput
from events.validation import Problems

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
MATCH_FORMATS = {Format.ROUND_ROBIN, Format.KNOCKOUT, Format.GROUPS_KNOCKOUT, Format.SWISS}
MARK_FORMATS = {Format.HEATS_FINAL, Format.TIMED_FINAL, Format.MASS_START}
MATCH_KINDS = {EventKind.INDIVIDUAL_MATCH, EventKind.TEAM_MATCH}


def _check_event(data: EventInput, problems: Problems) -> EventInput:
    code = data.code.strip().upper()
    if not CODE_RE.match(code):
        problems.add("code", "项目代码须为 2–32 位大写字母、数字、- 或 _(如 ATH-100M-M),往届同一项目用同一代码")
    problems.text("name", data.name, "项目名称", max_len=60)
    problems.choice("sport", data.sport, Sport, "运动")
    problems.choice("division", data.division, Division, "组别")
    problems.choice("kind", data.kind, EventKind, "项目类型")
    problems.choice("format", data.format, Format, "赛制")
    if problems.items:
        return data
    kind = EventKind(data.kind)
    fmt = Format(data.format)
    if kind in MATCH_KINDS:
        problems.check(fmt in MATCH_FORMATS, "format", "对抗类项目的赛制须为循环赛、淘汰赛、分组+淘汰或瑞士制")
    else:
        problems.check(fmt in MARK_FORMATS, "format", "计时/计量类项目的赛制须为预赛+决赛、直接决赛或集体出发")
    for field in ("team_quota", "roster_min", "roster_max", "max_men", "max_women"):
        value = getattr(data, field)
        problems.check(value is None or 0 <= value <= 200, field, "人数须为 0–200 的整数")
    problems.check(data.team_quota is None or data.team_quota >= 1, "team_quota", "每队限报至少为 1(不限请留空)")
    if kind.is_team:
        problems.check(data.roster_max is not None, "roster_max", "团体项目须填写每队最多人数")
        if data.roster_min is not None and data.roster_max is not None:
            problems.check(data.roster_min <= data.roster_max, "roster_min", "每队最少人数不能多于最多人数")
    division = Division(data.division)
    if division == Division.MEN:
        problems.check(not data.max_women, "max_women", "男子项目不能报女子")
    if division == Division.WOMEN:
        problems.check(not data.max_men, "max_men", "女子项目不能报男子")
    problems.check(0 <= data.award_places <= 16, "award_places", "录取名次须为 0–16")
    problems.check(data.best_of in (1, 3, 5, 7), "best_of", "局制须为 1、3、5 或 7 局")
    problems.check(data.final_best_of in (None, 1, 3, 5, 7), "final_best_of", "决赛局制须为 1、3、5 或 7 局")
    is_team = kind.is_team
    measure = None if kind in MATCH_KINDS else (data.measure or default_measure(kind))
    problems.check(measure is None or measure in set(MeasureKind), "measure", "成绩类型须为时间、远度、高度、次数或得分")
    problems.check(data.timing in set(Timing), "timing", "计时方式须为手计时或电计时")
    return EventInput(
        code=code,
        name=data.name.strip(),
        sport=data.sport,
        division=data.division,
        kind=data.kind,
        format=data.format,
        team_quota=data.team_quota,
        roster_min=data.roster_min if is_team else None,
        roster_max=data.roster_max if is_team else None,
        max_men=data.max_men,
        max_women=data.max_women,
        award_places=data.award_places,
        best_of=data.best_of if kind in MATCH_KINDS else 1,
        final_best_of=data.final_best_of if kind in MATCH_KINDS else None,
        venue_id=data.venue_id,
        position=data.position,
        measure=measure,
        timing=data.timing,
    )


def default_measure(kind: EventKind) -> str:
    """A timed event's marks are times; a measured one's are counts unless the organiser says otherwise."""
    return MeasureKind.COUNT if kind == EventKind.INDIVIDUAL_MEASURED else MeasureKind.TIME


async def _check_uniques(
    session: AsyncSession, meet_id: int, data: EventInput, event_id: int | None, problems: Problems
) -> None:
    for column, field, label in ((Event.code, "code", "项目代码"), (Event.name, "name", "项目名称")):
        value = getattr(data, field)
        other = await session.scalar(select(Event.id).where(Event.meet_id == meet_id, column == value))
        if other is not None and other != event_id:
            problems.add(field, f"本届已有{label}为「{value}」的项目")
    if data.venue_id is not None:
        venue = await session.get(Venue, data.venue_id)
        problems.check(venue is not None and venue.meet_id == meet_id, "venue_id", "场地不属于本届运动会")


async def save_event(db: Database, actor: Actor, meet_id: int, data: EventInput, event_id: int | None = None) -> Event:
    actor.require_organiser()
    problems = Problems()
    clean = _check_event(data, problems)
    async with db.write() as session:
        if await session.get(Meet, meet_id) is None:
            raise NotFound("运动会")
        problems.raise_if_any()
        await _check_uniques(session, meet_id, clean, event_id, problems)
        problems.raise_if_any()
        if event_id is None:
            event = Event(meet_id=meet_id)
            session.add(event)
        else:
            event = await session.get(Event, event_id)
            if event is None or event.meet_id != meet_id:
                raise NotFound("项目")
        for field in EventInput.__struct_fields__:
            setattr(event, field, getattr(clean, field))
        await session.flush()
        await slots.sync_event(session, event)
        if event_id is not None:
            await slots.sync_meet(session, await session.get(Meet, meet_id))
        audit.record(session, actor, "event_save", f"保存项目「{event.name}」", meet_id=meet_id, target=f"event:{event.id}")
    return event


async def delete_event(db: Database, actor: Actor, meet_id: int, event_id: int) -> None:
    actor.require_organiser()
    try:
        async with db.write() as session:
            event = await session.get(Event, event_id)
            if event is None or event.meet_id != meet_id:
                raise NotFound("项目")
            await session.delete(event)
            audit.record(session, actor, "event_delete", f"删除项目「{event.name}」", meet_id=meet_id)
    except IntegrityError as exc:
        raise Conflict("该项目已有报名或成绩,不能删除") from exc


async def list_events(db: Database, meet_id: int) -> list[Event]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Event)
                    .options(selectinload(Event.venue))
                    .where(Event.meet_id == meet_id)
                    .order_by(Event.position, Event.id)
                )
            ).all()
        )


async def get_event(db: Database, meet_id: int, event_id: int) -> Event:
    async with db.read() as session:
        event = await session.get(Event, event_id, options=[selectinload(Event.venue)])
        if event is None or event.meet_id != meet_id:
            raise NotFound("项目")
        return event
