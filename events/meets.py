"""Meet setup: the meet itself and its venues. Organisers only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit, slots, team_points
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, NotFound
from events.models import Event, EventKind, Meet, Team, TeamMember, Venue, VenueKind
from events.schemas import MeetInput, VenueInput
from events.validation import Problems

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today's date where the meets happen."""
    return dt.datetime.now(SHANGHAI).date()


def registration_state(meet: Meet, on: dt.date | None = None) -> str:
    """'upcoming', 'open' or 'closed'; the window's dates are inclusive."""
    on = on or today()
    if on < meet.registration_opens:
        return "upcoming"
    if on > meet.registration_closes:
        return "closed"
    return "open"


def _check_meet(data: MeetInput, problems: Problems) -> list[str]:
    problems.text("name", data.name, "运动会名称", max_len=80)
    problems.check(1 <= data.edition <= 999, "edition", "届次须为 1–999 的整数")
    problems.check(data.ends_on >= data.starts_on, "ends_on", "结束日期不能早于开始日期")
    problems.check(
        data.registration_closes >= data.registration_opens, "registration_closes", "报名截止日期不能早于报名开始日期"
    )
    problems.check(data.registration_closes <= data.ends_on, "registration_closes", "报名须在运动会结束前截止")
    problems.check(1 <= data.per_person_limit <= 20, "per_person_limit", "每人限报项目数须为 1–20")
    problems.text("host", data.host, "主办单位", max_len=80, required=False)
    problems.text("location", data.location, "地点", max_len=120, required=False)
    kinds = data.counted_kinds if data.counted_kinds is not None else [k.value for k in EventKind]
    unknown = [k for k in kinds if k not in EventKind._value2member_map_]
    problems.check(not unknown, "counted_kinds", "计入限报的项目类型无效")
    return [k.value for k in EventKind if k.value in kinds]


async def _unique_name(session: AsyncSession, name: str, meet_id: int | None, problems: Problems) -> None:
    other = await session.scalar(select(Meet.id).where(Meet.name == name.strip()))
    if other is not None and other != meet_id:
        problems.add("name", f"已有名为「{name.strip()}」的运动会")


async def create_meet(db: Database, actor: Actor, data: MeetInput) -> Meet:
    actor.require_organiser()
    problems = Problems()
    kinds = _check_meet(data, problems)
    points_rules = team_points.checked_rules(data, {}, problems)
    async with db.write() as session:
        await _unique_name(session, data.name, None, problems)
        problems.raise_if_any()
        meet = Meet(
            name=data.name.strip(),
            edition=data.edition,
            host=data.host.strip(),
            location=data.location.strip(),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            registration_opens=data.registration_opens,
            registration_closes=data.registration_closes,
            per_person_limit=data.per_person_limit,
            counted_kinds=kinds,
            points_rules=points_rules,
        )
        session.add(meet)
        await session.flush()
        await slots.sync_meet(session, meet)
        audit.record(session, actor, "meet_create", f"新建运动会「{meet.name}」", meet_id=meet.id, target=f"meet:{meet.id}")
    return meet


async def update_meet(db: Database, actor: Actor, meet_id: int, data: MeetInput) -> Meet:
    actor.require_organiser()
    problems = Problems()
    kinds = _check_meet(data, problems)
    async with db.write() as session:
        meet = await session.get(Meet, meet_id)
        if meet is None:
            raise NotFound("运动会")
        await _unique_name(session, data.name, meet_id, problems)
        points_rules = team_points.checked_rules(data, meet.points_rules, problems)
        problems.raise_if_any()
        meet.name = data.name.strip()
        meet.edition = data.edition
        meet.host = data.host.strip()
        meet.location = data.location.strip()
        meet.starts_on, meet.ends_on = data.starts_on, data.ends_on
        meet.registration_opens, meet.registration_closes = data.registration_opens, data.registration_closes
        meet.per_person_limit = data.per_person_limit
        meet.counted_kinds = kinds
        meet.points_rules = points_rules
        await session.flush()
        await slots.sync_meet(session, meet)
        audit.record(session, actor, "meet_update", f"修改运动会「{meet.name}」", meet_id=meet.id, target=f"meet:{meet.id}")
    return meet


async def list_meets(db: Database) -> list[Meet]:
    """Every meet, newest first. Meets are public."""
    async with db.read() as session:
        return list((await session.scalars(select(Meet).order_by(Meet.starts_on.desc(), Meet.id.desc()))).all())


async def get_meet(db: Database, meet_id: int) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, meet_id)
        if meet is None:
            raise NotFound("运动会")
        return meet


async def current_meet(db: Database) -> Meet | None:
    """The meet people mean by 'the meet': the next or running one, else the latest."""
    async with db.read() as session:
        upcoming = await session.scalar(
            select(Meet).where(Meet.ends_on >= today()).order_by(Meet.starts_on, Meet.id).limit(1)
        )
        if upcoming is not None:
            return upcoming
        return await session.scalar(select(Meet).order_by(Meet.starts_on.desc(), Meet.id.desc()).limit(1))


async def meet_counts(db: Database, meet_id: int) -> dict[str, int]:
    async with db.read() as session:
        return {
            "events": await session.scalar(select(func.count()).select_from(Event).where(Event.meet_id == meet_id)) or 0,
            "teams": await session.scalar(select(func.count()).select_from(Team).where(Team.meet_id == meet_id)) or 0,
            "athletes": await session.scalar(
                select(func.count()).select_from(TeamMember).where(TeamMember.meet_id == meet_id)
            )
            or 0,
            "venues": await session.scalar(select(func.count()).select_from(Venue).where(Venue.meet_id == meet_id)) or 0,
        }


# Venues ---------------------------------------------------------------------------------


def _check_venue(data: VenueInput, problems: Problems) -> None:
    problems.text("name", data.name, "场地名称", max_len=60)
    problems.choice("kind", data.kind, VenueKind, "场地类型")
    problems.check(1 <= data.capacity <= 100, "capacity", "场地数量须为 1–100")


async def list_venues(db: Database, meet_id: int) -> list[Venue]:
    async with db.read() as session:
        return list((await session.scalars(select(Venue).where(Venue.meet_id == meet_id).order_by(Venue.name))).all())


async def save_venue(db: Database, actor: Actor, meet_id: int, data: VenueInput, venue_id: int | None = None) -> Venue:
    actor.require_organiser()
    problems = Problems()
    _check_venue(data, problems)
    async with db.write() as session:
        if await session.get(Meet, meet_id) is None:
            raise NotFound("运动会")
        clash = await session.scalar(select(Venue.id).where(Venue.meet_id == meet_id, Venue.name == data.name.strip()))
        if clash is not None and clash != venue_id:
            problems.add("name", f"已有名为「{data.name.strip()}」的场地")
        problems.raise_if_any()
        if venue_id is None:
            venue = Venue(meet_id=meet_id)
            session.add(venue)
        else:
            venue = await session.get(Venue, venue_id)
            if venue is None or venue.meet_id != meet_id:
                raise NotFound("场地")
        venue.name, venue.kind, venue.capacity = data.name.strip(), data.kind, data.capacity
        await session.flush()
        audit.record(session, actor, "venue_save", f"保存场地「{venue.name}」", meet_id=meet_id, target=f"venue:{venue.id}")
    return venue


async def delete_venue(db: Database, actor: Actor, meet_id: int, venue_id: int) -> None:
    actor.require_organiser()
    try:
        async with db.write() as session:
            venue = await session.get(Venue, venue_id)
            if venue is None or venue.meet_id != meet_id:
                raise NotFound("场地")
            await session.delete(venue)
            audit.record(session, actor, "venue_delete", f"删除场地「{venue.name}」", meet_id=meet_id)
    except IntegrityError as exc:
        raise Conflict("该场地仍在使用,不能删除") from exc
