"""Households of a campaign (慰问对象): drawn from the member archive by tag or added by hand,
reviewed, given amounts, assigned to a visit group, visited.

Privacy: a household's details — income, aid, ID number, illness, the hardship assessment — are
for the organisers only, and each viewing of them writes an audit row (``household_details``
opens a write transaction for that row). The campaign board, the arrangement table and the
notice never read those fields.

The hardship assessment is scheduling.hardship's (seeds/003 篇四/篇十), against the living
line of the campaign's region and year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.campaigns import (
    CATEGORIES,
    Planned,
    active_groups,
    amount_rules,
    campaign_group,
    household_status,
    parse_date,
    planned_amount,
    refused_in_cancelled_group,
    rules_for,
)
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.models import (
    Beneficiary,
    BeneficiaryCategory,
    Campaign,
    LivingLine,
    Person,
    PersonTag,
    ReviewStatus,
    Visit,
    VisitGroup,
    VisitStatus,
)
from events.money import yuan, yuan_field
from events.validation import Problems, plain_int
from scheduling.hardship import Household, Marital, SpecialCause, Verdict, assess


class HouseholdInput(msgspec.Struct, forbid_unknown_fields=False):
    """A household as the form sends it (all text; checked by ``check_household``)."""

    name: str = ""
    category: str = ""
    unit: str = ""
    area: str = ""
    address: str = ""
    contact: str = ""
    persons: str = "1"
    note: str = ""


class HardshipInput(msgspec.Struct, forbid_unknown_fields=False):
    """The private part: the hardship application (困难职工档案表)."""

    id_number: str = ""
    illness: str = ""
    marital: str = ""
    children: str = "0"
    parents: str = "0"
    others: str = "0"
    monthly_income: str = ""
    monthly_aid: str = ""
    medical_costs: str = ""
    disaster_losses: str = ""
    major_illness: bool = False
    special_causes: list[str] = []


class VisitInput(msgspec.Struct, forbid_unknown_fields=False):
    status: str = VisitStatus.VISITED.value
    visited_on: str = ""
    cash: str = ""
    goods: str = ""
    goods_value: str = ""
    signed_by: str = ""
    note: str = ""


def _count(p: Problems, field: str, text: str, label: str, lo: int, hi: int) -> int:
    text = (text or "").strip() or "0"
    if (number := plain_int(text)) is None or not lo <= number <= hi:
        p.add(field, f"{label}应为 {lo}–{hi} 之间的整数")
        return lo
    return number


def check_household(data: HouseholdInput) -> dict[str, object]:
    p = Problems()
    values: dict[str, object] = {
        "name": p.text("name", data.name, "姓名", max_len=40),
        "unit": p.text("unit", data.unit, "单位", max_len=80, required=False),
        "area": p.text("area", data.area, "片区", max_len=60, required=False),
        "address": p.text("address", data.address, "住址", max_len=120, required=False),
        "contact": p.text("contact", data.contact, "联系电话", max_len=60, required=False),
        "note": p.text("note", data.note, "备注", max_len=500, required=False),
        "persons": _count(p, "persons", data.persons, "慰问人数", 1, 20),
        "category": data.category,
    }
    p.choice("category", data.category, BeneficiaryCategory, "类别")
    p.raise_if_any()
    return values


def check_hardship(data: HardshipInput) -> dict[str, object]:
    p = Problems()
    id_number = data.id_number.strip().upper()
    if id_number and not (len(id_number) == 18 and id_number[:17].isdigit() and (id_number[17].isdigit() or id_number[17] == "X")):
        p.add("id_number", "身份证号应为 18 位(最后一位可为 X)")
    if data.marital and data.marital not in Marital._value2member_map_:
        p.add("marital", "婚姻状况无效")
    causes = [c for c in data.special_causes if c]
    if any(c not in SpecialCause._value2member_map_ for c in causes):
        p.add("special_causes", "特殊原因无效")
    values: dict[str, object] = {
        "id_number": id_number,
        "illness": p.text("illness", data.illness, "病情", max_len=120, required=False),
        "marital": data.marital or None,
        "children": _count(p, "children", data.children, "未婚子女数", 0, 12),
        "parents": _count(p, "parents", data.parents, "父母人数", 0, 2),
        "others": _count(p, "others", data.others, "其他未婚成员数", 0, 12),
        "monthly_income_fen": yuan_field(p, "monthly_income", data.monthly_income, "家庭月收入") or 0,
        "monthly_aid_fen": yuan_field(p, "monthly_aid", data.monthly_aid, "政府救助(月)") or 0,
        "medical_costs_fen": yuan_field(p, "medical_costs", data.medical_costs, "本年度自负医药费") or 0,
        "disaster_losses_fen": yuan_field(p, "disaster_losses", data.disaster_losses, "本年度灾害财产损失") or 0,
        "major_illness": data.major_illness,
        "special_causes": sorted(set(causes)),
    }
    p.raise_if_any()
    return values


def household_of(b: Beneficiary) -> Household:
    """The application as scheduling.hardship reads it."""
    return Household(
        monthly_income_fen=b.monthly_income_fen, monthly_aid_fen=b.monthly_aid_fen,
        marital=Marital(b.marital) if b.marital else None, children=b.children, parents=b.parents, others=b.others,
        special_causes=frozenset(SpecialCause(c) for c in b.special_causes or []), major_illness=b.major_illness,
        medical_costs_fen=b.medical_costs_fen, disaster_losses_fen=b.disaster_losses_fen,
    )


def application_filled(b: Beneficiary) -> bool:
    """Whether the household's hardship application has been entered at all."""
    return b.marital is not None or any(
        (b.monthly_income_fen, b.monthly_aid_fen, b.medical_costs_fen, b.disaster_losses_fen, b.major_illness)
    )


async def _campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("慰问活动")
    return campaign


async def _household(session: AsyncSession, campaign_id: int, household_id: int) -> Beneficiary:
    """The household, only if it belongs to the campaign in the URL."""
    b = await session.get(Beneficiary, household_id)
    if b is None or b.campaign_id != campaign_id:
        raise NotFound("慰问对象")
    return b


# Adding households ------------------------------------------------------------------------------


async def add_household(db: Database, actor: Actor, campaign_id: int, data: HouseholdInput) -> Beneficiary:
    """A household added by hand (e.g. a retiree not in the archive), awaiting review."""
    actor.require_organiser()
    values = check_household(data)
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        b = Beneficiary(campaign_id=campaign.id, **values)
        session.add(b)
        await session.flush()
        audit.record(session, actor, "household_add", f"{campaign.name}:添加慰问对象 {b.name}({b.category})", target=f"household:{b.id}")
    return b


async def draw_by_tag(db: Database, actor: Actor, campaign_id: int, tag: str, category: str) -> int:
    """Add every person of the archive with the tag who is not yet in the campaign; returns how many.

    They come in as proposed (待审核): the union reviews each before it is a beneficiary.
    """
    actor.require_organiser()
    p = Problems()
    tag = p.text("tag", tag, "标签", max_len=20)
    p.choice("category", category, BeneficiaryCategory, "类别")
    p.raise_if_any()
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        already = select(Beneficiary.person_id).where(Beneficiary.campaign_id == campaign.id, Beneficiary.person_id.is_not(None))
        people = (
            await session.scalars(
                select(Person)
                .join(PersonTag, PersonTag.person_id == Person.id)
                .where(PersonTag.tag == tag, Person.id.not_in(already))
                .order_by(Person.employee_no)
            )
        ).all()
        for person in people:
            session.add(
                Beneficiary(
                    campaign_id=campaign.id, person_id=person.id, name=person.name, category=category,
                    unit=person.unit, contact=person.phone,
                )
            )
        audit.record(
            session, actor, "household_draw",
            f"{campaign.name}:从职工档案按标签「{tag}」加入 {len(people)} 户(类别 {category}),待审核",
            target=f"campaign:{campaign.id}",
        )
    return len(people)


# The private details ---------------------------------------------------------------------------------


@dataclass
class Details:
    campaign: Campaign
    b: Beneficiary
    visit: Visit | None
    group: VisitGroup | None
    groups: list[VisitGroup]
    planned: Planned
    verdict: Verdict | None
    line: LivingLine | None
    line_problem: str  # why there is no verdict

    @property
    def status(self) -> str:
        return household_status(self.b, self.visit)


async def household_details(db: Database, actor: Actor, campaign_id: int, household_id: int) -> Details:
    """Everything about one household, with the hardship assessment. Organisers only; the
    viewing itself is written to the audit log."""
    actor.require_organiser()
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        b = await _household(session, campaign_id, household_id)
        visit = await session.scalar(select(Visit).where(Visit.beneficiary_id == b.id))
        groups = list((await session.scalars(active_groups(campaign.id))).all())
        found = await rules_for(session, campaign.region, campaign.starts_on.year) if campaign.region else None
        audit.record(session, actor, "household_view", f"{campaign.name}:查看慰问对象 {b.name} 的详细信息", target=f"household:{b.id}")
    verdict, line, problem = None, None, ""
    if not application_filled(b):
        problem = "尚未填写家庭人口和收入情况(困难职工档案表),无法判断是否符合困难职工家庭条件"
    elif found is None:
        where = f"「{campaign.region}」" if campaign.region else "本活动所在地区"
        problem = f"未设置{where}{campaign.starts_on.year}年(或之前)的最低生活保障线,无法判断是否符合困难职工家庭条件"
    else:
        rules, line = found
        verdict = assess(household_of(b), rules)
    group = next((g for g in groups if g.id == b.group_id), None)
    planned = planned_amount(b, amount_rules(campaign)[b.category])
    return Details(campaign, b, visit, group, groups, planned, verdict, line, problem)


# Changes -------------------------------------------------------------------------------------------------


async def update_household(
    db: Database, actor: Actor, campaign_id: int, household_id: int, data: HouseholdInput, hardship: HardshipInput
) -> Beneficiary:
    """Correct a household: the published part and the private application together."""
    actor.require_organiser()
    values = {**check_household(data), **check_hardship(hardship)}
    async with db.write() as session:
        b = await _household(session, campaign_id, household_id)
        for key, value in values.items():
            setattr(b, key, value)
        audit.record(session, actor, "household_save", f"修改慰问对象 {b.name} 的信息", target=f"household:{b.id}")
    return b


async def review_household(
    db: Database, actor: Actor, campaign_id: int, household_id: int, verdict: str, reason: str = ""
) -> Beneficiary:
    """The union's review: approve (确定为慰问对象) or reject with a reason."""
    actor.require_organiser()
    reason = reason.strip()
    if verdict not in ("approve", "reject", "reopen"):
        raise DomainError("审核结果无效", field="verdict")
    if verdict == "reject" and not reason:
        raise DomainError("不通过时请填写理由", field="reason")
    if len(reason) > 200:
        raise DomainError("理由不能超过 200 个字", field="reason")
    async with db.write() as session:
        b = await _household(session, campaign_id, household_id)
        visited = await session.scalar(select(Visit.id).where(Visit.beneficiary_id == b.id))
        if visited is not None and verdict != "approve":
            raise Conflict(f"{b.name} 已登记走访,不能改为未通过或待审核")
        if verdict == "approve":
            b.review, b.review_reason = ReviewStatus.APPROVED, ""
            text = "审核通过"
        elif verdict == "reject":
            b.review, b.review_reason, b.group_id = ReviewStatus.REJECTED, reason, None
            text = f"审核不通过:{reason}"
        else:
            b.review, b.review_reason = ReviewStatus.PROPOSED, ""
            text = "改回待审核"
        audit.record(session, actor, "household_review", f"慰问对象 {b.name}:{text}", target=f"household:{b.id}", reason=reason)
    return b


async def set_amount(
    db: Database, actor: Actor, campaign_id: int, household_id: int, cash: str, goods: str, reason: str
) -> tuple[Beneficiary, Planned]:
    """Override the standard amounts for one household (empty: back to the standard), with a reason.

    Passing the category's cap or falling under its floor is allowed — the union may decide so —
    but the answer carries the warning, and the board keeps showing it.
    """
    actor.require_organiser()
    p = Problems()
    cash_fen = yuan_field(p, "cash", cash, "慰问金")
    goods_fen = yuan_field(p, "goods", goods, "慰问品")
    reason = p.text("override_reason", reason, "调整理由", max_len=120, required=cash_fen is not None or goods_fen is not None)
    p.raise_if_any()
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        b = await _household(session, campaign_id, household_id)
        b.cash_override_fen, b.goods_override_fen = cash_fen, goods_fen
        b.override_reason = reason if cash_fen is not None or goods_fen is not None else ""
        planned = planned_amount(b, amount_rules(campaign)[b.category])
        warn = (";" + ";".join(planned.warnings)) if planned.warnings else ""
        audit.record(
            session, actor, "household_amount",
            f"慰问对象 {b.name}:慰问金 {yuan(planned.cash_fen)} 元、慰问品 {yuan(planned.goods_fen)} 元"
            + ("(按标准)" if not planned.overridden else f"(调整:{reason})") + warn,
            target=f"household:{b.id}", reason=reason,
        )
    return b, planned


async def assign_group(db: Database, actor: Actor, campaign_id: int, household_id: int, group_id: int | None) -> Beneficiary:
    """Put an approved household in one of the campaign's visit groups (None: take it out)."""
    actor.require_organiser()
    with refused_in_cancelled_group("该慰问小组刚被取消,请刷新页面后重新安排"):
        async with db.write() as session:
            b = await _household(session, campaign_id, household_id)
            if group_id is not None:
                group = await campaign_group(session, campaign_id, group_id)
                if b.review != ReviewStatus.APPROVED:
                    raise Conflict(f"{b.name} 尚未审核通过,不能安排走访")
                text = f"安排到{group.name}"
            else:
                text = "移出慰问小组"
            b.group_id = group_id
            audit.record(session, actor, "household_group", f"慰问对象 {b.name}:{text}", target=f"household:{b.id}")
    return b


async def record_visit(db: Database, actor: Actor, campaign_id: int, household_id: int, data: VisitInput) -> Visit:
    """Record (or correct) the visit: visited with cash, goods and who signed, or nobody at home."""
    actor.require_organiser()
    p = Problems()
    p.choice("status", data.status, VisitStatus, "走访结果")
    day = parse_date(p, "visited_on", data.visited_on, "走访日期")
    cash = yuan_field(p, "cash", data.cash, "慰问金")
    goods_value = yuan_field(p, "goods_value", data.goods_value, "慰问品金额")
    goods = p.text("goods", data.goods, "慰问品", max_len=120, required=False)
    signed_by = p.text("signed_by", data.signed_by, "签收人", max_len=40, required=data.status == VisitStatus.VISITED)
    note = p.text("note", data.note, "备注", max_len=500, required=False)
    p.raise_if_any()
    assert day is not None
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        b = await _household(session, campaign_id, household_id)
        if b.review != ReviewStatus.APPROVED:
            raise Conflict(f"{b.name} 尚未审核通过,不能登记走访")
        planned = planned_amount(b, amount_rules(campaign)[b.category])
        visited = data.status == VisitStatus.VISITED
        visit = await session.scalar(select(Visit).where(Visit.beneficiary_id == b.id))
        if visit is None:
            visit = Visit(beneficiary_id=b.id)
            session.add(visit)
        visit.status, visit.visited_on, visit.note = data.status, day, note
        visit.cash_fen = (planned.cash_fen if cash is None else cash) if visited else 0
        visit.goods_fen = (planned.goods_fen if goods_value is None else goods_value) if visited else 0
        visit.goods, visit.signed_by = (goods, signed_by) if visited else ("", "")
        visit.recorded_by, visit.recorded_at = actor.user_id, dt.datetime.now(dt.UTC)
        await session.flush()
        text = (
            f"已慰问,慰问金 {yuan(visit.cash_fen)} 元、慰问品 {yuan(visit.goods_fen)} 元,签收人 {signed_by}"
            if visited else "未遇(无人在家)"
        )
        audit.record(session, actor, "household_visit", f"慰问对象 {b.name}:{text}", target=f"household:{b.id}")
    return visit


async def delete_household(db: Database, actor: Actor, campaign_id: int, household_id: int) -> None:
    """Remove a household added by mistake; a visited household stays (its money was given)."""
    actor.require_organiser()
    async with db.write() as session:
        b = await _household(session, campaign_id, household_id)
        if await session.scalar(select(Visit.id).where(Visit.beneficiary_id == b.id)) is not None:
            raise Conflict(f"{b.name} 已登记走访,不能删除")
        await session.delete(b)
        audit.record(session, actor, "household_delete", f"删除慰问对象 {b.name}", target=f"household:{b.id}")


CATEGORY_CHOICES = [(c, c) for c in CATEGORIES]
