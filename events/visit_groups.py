"""Visit groups (慰问小组) of a campaign — seeds/003 篇一: "分成二个慰问小组 … 每组安排区领导带队",
a fixed date and time, and an assembly point ("9:45集中区办公楼一楼大堂出发").

Each group's visit has a date, a start time and a place, so a shared calendar can show it.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.campaigns import (
    active_groups,
    campaign_group,
    parse_date,
    refused_in_cancelled_group,
)
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.models import (
    Beneficiary,
    Campaign,
    Visit,
    VisitGroup,
    VisitGroupMember,
    utcnow,
)
from events.people import archive_match
from events.validation import Problems, chosen_id


class GroupInput(msgspec.Struct, forbid_unknown_fields=False):
    name: str = ""
    area: str = ""
    leader: str = ""
    visit_on: str = ""
    starts_at: str = ""
    gathers_at: str = ""
    assembly_point: str = ""


class MemberInput(msgspec.Struct, forbid_unknown_fields=False):
    name: str = ""
    unit: str = ""
    phone: str = ""


def chosen_group(text: str) -> int | None:
    """The group a form picks by id; None (empty) takes the household out of its group."""
    return chosen_id(text, "group_id", None, "慰问小组无效")


def _time(p: Problems, field: str, text: str, label: str) -> dt.time | None:
    text = (text or "").strip().replace(":", ":")
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text if len(text) > 4 else text.zfill(5))
    except ValueError:
        p.add(field, f"{label}格式不正确(例如 09:45)")
        return None


def check_group(data: GroupInput, campaign: Campaign) -> dict[str, object]:
    p = Problems()
    values: dict[str, object] = {
        "name": p.text("name", data.name, "组名", max_len=40),
        "area": p.text("area", data.area, "走访片区", max_len=60, required=False),
        "leader": p.text("leader", data.leader, "带队领导", max_len=60, required=False),
        "assembly_point": p.text("assembly_point", data.assembly_point, "集合地点", max_len=80, required=False),
        "visit_on": parse_date(p, "visit_on", data.visit_on, "走访日期", required=False),
        "starts_at": _time(p, "starts_at", data.starts_at, "出发时间"),
        "gathers_at": _time(p, "gathers_at", data.gathers_at, "集合时间"),
    }
    day = values["visit_on"]
    if isinstance(day, dt.date) and not campaign.starts_on <= day <= campaign.ends_on:
        p.add("visit_on", f"走访日期应在活动期间({campaign.starts_on}至{campaign.ends_on})")
    starts, gathers = values["starts_at"], values["gathers_at"]
    if isinstance(starts, dt.time) and isinstance(gathers, dt.time) and gathers > starts:
        p.add("gathers_at", "集合时间不能晚于出发时间")
    p.raise_if_any()
    return values


async def _campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("慰问活动")
    return campaign


async def save_group(db: Database, actor: Actor, campaign_id: int, data: GroupInput, group_id: int | None = None) -> VisitGroup:
    actor.require_organiser()
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        values = check_group(data, campaign)
        other = await session.scalar(active_groups(campaign_id).where(VisitGroup.name == values["name"]).with_only_columns(VisitGroup.id))
        if other is not None and other != group_id:
            raise DomainError(f"已有名为「{values['name']}」的慰问小组", field="name")
        if group_id is None:
            position = await session.scalar(select(func.count()).where(VisitGroup.campaign_id == campaign_id))
            group = VisitGroup(campaign_id=campaign_id, position=(position or 0) + 1)
            session.add(group)
        else:
            group = await campaign_group(session, campaign_id, group_id)
        for key, value in values.items():
            setattr(group, key, value)
        await session.flush()
        audit.record(
            session, actor, "visit_group_save",
            f"{campaign.name}:{'添加' if group_id is None else '修改'}慰问小组 {group.name}({group.area or '片区未定'},带队 {group.leader or '待定'})",
            target=f"visit_group:{group.id}",
        )
    return group


async def cancel_group(db: Database, actor: Actor, campaign_id: int, group_id: int) -> None:
    """Cancel a group; its households go back to 待分组, unless one has been visited. The group
    is kept and marked, not deleted: a phone calendar subscribed to the feed then shows its
    outing cancelled (STATUS:CANCELLED, SEQUENCE raised by this audit row) instead of losing it."""
    actor.require_organiser()
    with refused_in_cancelled_group("刚有慰问对象被安排到该小组,请刷新页面后再取消"):
        async with db.write() as session:
            group = await campaign_group(session, campaign_id, group_id, cancelled=True)
            if group.cancelled_at is not None:
                return
            visited = await session.scalar(
                select(func.count()).select_from(Visit).join(Beneficiary, Beneficiary.id == Visit.beneficiary_id).where(Beneficiary.group_id == group.id)
            )
            if visited:
                raise DomainError(f"{group.name} 已有 {visited} 户登记了走访,不能取消")
            for b in (await session.scalars(select(Beneficiary).where(Beneficiary.group_id == group.id))).all():
                b.group_id = None
            await session.flush()  # the households out first: the database refuses to cancel a group that holds any
            group.cancelled_at = utcnow()
            audit.record(session, actor, "visit_group_cancel", f"取消慰问小组 {group.name}", target=f"visit_group:{group.id}")


async def add_member(db: Database, actor: Actor, campaign_id: int, group_id: int, data: MemberInput) -> VisitGroupMember:
    actor.require_organiser()
    p = Problems()
    name = p.text("name", data.name, "组员姓名", max_len=40)
    unit = p.text("unit", data.unit, "单位/部门", max_len=60, required=False)
    phone = p.text("phone", data.phone, "电话", max_len=32, required=False)
    p.raise_if_any()
    async with db.write() as session:
        group = await campaign_group(session, campaign_id, group_id)
        person_id = await archive_match(session, name, unit)
        member = VisitGroupMember(group_id=group.id, name=name, unit=unit, phone=phone, person_id=person_id)
        session.add(member)
        group_name = group.name  # a failed flush ends the transaction: nothing is read after it
        try:
            await session.flush()
        except IntegrityError:  # UNIQUE (group_id, name, unit): the same person listed twice
            raise Conflict(f"{name}{f'({unit})' if unit else ''} 已在「{group_name}」中", field="name") from None
        audit.record(session, actor, "visit_group_member", f"{group.name} 添加组员 {name}({unit})", target=f"visit_group:{group.id}")
    return member


async def remove_member(db: Database, actor: Actor, campaign_id: int, group_id: int, member_id: int) -> None:
    actor.require_organiser()
    async with db.write() as session:
        group = await campaign_group(session, campaign_id, group_id)
        member = await session.get(VisitGroupMember, member_id)
        if member is None or member.group_id != group.id:
            raise NotFound("组员")
        await session.delete(member)
        audit.record(session, actor, "visit_group_member", f"{group.name} 移除组员 {member.name}", target=f"visit_group:{group.id}")
