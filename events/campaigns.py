"""Festival condolence visit campaigns (节日慰问 / 送温暖) — seeds/003 篇一, 篇四, 篇七, 篇十.

A campaign (2027年春节慰问) has dates, a cash and a goods budget, standard amounts per category
of household (离休 ≥ 300, 退休 ≥ 200 yuan per person in 篇七), visit groups by area (篇一: two
groups, a leader each, a date, a time and an assembly point) and households (events.beneficiaries).
This module holds the campaign itself, its standard amounts, the minimum living lines (settings
per region and year), and the three printed sheets: the arrangement table (安排表), the public
notice (公示, with only what may be published) and the summary (总结) with budget against
spending — each also as xlsx where the issue asks for it.

Everything here is for organisers only (``actor.require_organiser``); every change writes an
audit row in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.exports import Sheet, write_xlsx, xlsx_filename
from events.meets import today
from events.models import (
    Beneficiary,
    BeneficiaryCategory,
    Campaign,
    LivingLine,
    NoticeMask,
    ReviewStatus,
    Visit,
    VisitGroup,
    VisitGroupMember,
    VisitStatus,
)
from events.money import yuan, yuan_field
from events.validation import Problems, plain_int
from scheduling.hardship import HardshipRules

CATEGORIES = [c.value for c in BeneficiaryCategory]
MASK_LABELS = {NoticeMask.GIVEN: "只显示姓(王**)", NoticeMask.MIDDLE: "隐去中间字(王*明)", NoticeMask.NONE: "显示全名"}


# Standard amounts ----------------------------------------------------------------------------


class AmountRule(msgspec.Struct, frozen=True):
    """A category's standard cash and goods, and the bounds that raise a warning.

    ``per_person``: the amounts are per person of the household (离休, 退休 in 篇七: "每人").
    ``floor_fen``: the least a household may get (篇七's "不少于"); ``cap_fen``: the most.
    """

    cash_fen: int
    goods_fen: int = 0
    floor_fen: int | None = None
    cap_fen: int | None = None
    per_person: bool = False


# Seed figures: 篇七 离休 ≥ 300, 退休 ≥ 200 yuan per person; 篇一 six households, cash about 3000
# and goods about 2000 yuan — 500 and 300 a household. Caps are this union's choice.
DEFAULT_AMOUNTS: dict[str, AmountRule] = {
    "困难劳模": AmountRule(50_000, 30_000, cap_fen=100_000),
    "特困职工": AmountRule(50_000, 30_000, cap_fen=100_000),
    "农民工": AmountRule(30_000, 20_000, cap_fen=80_000),
    "下岗工人": AmountRule(50_000, 30_000, cap_fen=100_000),
    "离休": AmountRule(30_000, 0, floor_fen=30_000, per_person=True),
    "退休": AmountRule(20_000, 0, floor_fen=20_000, per_person=True),
    "大病": AmountRule(50_000, 30_000, cap_fen=200_000),
    "其他": AmountRule(20_000, 10_000, cap_fen=50_000),
}


def amount_rules(campaign: Campaign) -> dict[str, AmountRule]:
    """The campaign's standard amounts, each category falling back to the default."""
    rules = dict(DEFAULT_AMOUNTS)
    for category, raw in (campaign.amounts or {}).items():
        if category in rules:
            rules[category] = msgspec.convert(raw, AmountRule)
    return rules


@dataclass(frozen=True)
class Planned:
    """What a household is to get, and why it may need a second look."""

    cash_fen: int
    goods_fen: int
    overridden: bool
    warnings: tuple[str, ...]


def planned_amount(b: Beneficiary, rule: AmountRule) -> Planned:
    """The standard (times the persons, for a per-person category) unless overridden."""
    times = b.persons if rule.per_person else 1
    cash = b.cash_override_fen if b.cash_override_fen is not None else rule.cash_fen * times
    goods = b.goods_override_fen if b.goods_override_fen is not None else rule.goods_fen * times
    warnings: list[str] = []
    each = "每人" if rule.per_person else "每户"
    if rule.floor_fen is not None and cash < rule.floor_fen * times:
        warnings.append(f"慰问金低于标准:{b.category}{each}不少于 {yuan(rule.floor_fen)} 元")
    if rule.cap_fen is not None and cash > rule.cap_fen * times:
        warnings.append(f"慰问金超过上限:{b.category}{each}不超过 {yuan(rule.cap_fen)} 元")
    return Planned(cash, goods, b.cash_override_fen is not None or b.goods_override_fen is not None, tuple(warnings))


# Masking names for the public notice ---------------------------------------------------------------


def mask_name(name: str, mask: str) -> str:
    """王小明 → 王** (given), 王*明 (middle), 王小明 (none); 李四 → 李* either way."""
    name = name.strip()
    if mask == NoticeMask.NONE or len(name) <= 1:
        return name
    if mask == NoticeMask.GIVEN or len(name) == 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Inputs -----------------------------------------------------------------------------------------


class CampaignInput(msgspec.Struct, forbid_unknown_fields=False):
    """A campaign as a form sends it: text everywhere, checked by ``check_campaign``."""

    name: str = ""
    festival: str = ""
    host: str = ""
    region: str = ""
    starts_on: str = ""
    ends_on: str = ""
    cash_budget: str = ""
    goods_budget: str = ""
    notice_starts_on: str = ""
    notice_ends_on: str = ""
    notice_mask: str = NoticeMask.MIDDLE.value
    notice_contact: str = ""


def parse_date(problems: Problems, field: str, text: str, label: str, *, required: bool = True) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        if required:
            problems.add(field, f"请填写{label}")
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        problems.add(field, f"{label}格式不正确(例如 2027-02-01)")
        return None
    if not 2000 <= value.year <= 2100:
        problems.add(field, f"{label}不合理")
        return None
    return value


@dataclass
class CampaignValues:
    name: str
    festival: str
    host: str
    region: str
    starts_on: dt.date
    ends_on: dt.date
    cash_budget_fen: int
    goods_budget_fen: int
    notice_starts_on: dt.date | None
    notice_ends_on: dt.date | None
    notice_mask: str
    notice_contact: str


def check_campaign(data: CampaignInput) -> CampaignValues:
    p = Problems()
    name = p.text("name", data.name, "活动名称", max_len=80)
    festival = p.text("festival", data.festival, "节日", max_len=20)
    host = p.text("host", data.host, "慰问单位", max_len=80, required=False)
    region = p.text("region", data.region, "地区(低保线)", max_len=40, required=False)
    starts = parse_date(p, "starts_on", data.starts_on, "开始日期")
    ends = parse_date(p, "ends_on", data.ends_on, "结束日期")
    if starts and ends and ends < starts:
        p.add("ends_on", "结束日期不能早于开始日期")
    cash = yuan_field(p, "cash_budget", data.cash_budget, "慰问金预算")
    goods = yuan_field(p, "goods_budget", data.goods_budget, "慰问品预算")
    n_start = parse_date(p, "notice_starts_on", data.notice_starts_on, "公示开始日期", required=False)
    n_end = parse_date(p, "notice_ends_on", data.notice_ends_on, "公示截止日期", required=False)
    if n_start and n_end and n_end < n_start:
        p.add("notice_ends_on", "公示截止日期不能早于公示开始日期")
    if bool(n_start) != bool(n_end) and "notice_ends_on" not in p.items and "notice_starts_on" not in p.items:
        p.add("notice_ends_on", "公示期请同时填写开始和截止日期")
    p.choice("notice_mask", data.notice_mask, NoticeMask, "公示姓名显示方式")
    contact = p.text("notice_contact", data.notice_contact, "异议受理", max_len=80, required=False)
    p.raise_if_any()
    assert starts and ends
    return CampaignValues(
        name, festival, host, region, starts, ends, cash or 0, goods or 0, n_start, n_end, data.notice_mask, contact
    )


# Campaigns ----------------------------------------------------------------------------------------


async def list_campaigns(db: Database, actor: Actor) -> list[Campaign]:
    actor.require_organiser()
    async with db.read() as session:
        return list((await session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()))).all())


async def _campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("慰问活动")
    return campaign


async def get_campaign(db: Database, actor: Actor, campaign_id: int) -> Campaign:
    actor.require_organiser()
    async with db.read() as session:
        return await _campaign(session, campaign_id)


async def save_campaign(db: Database, actor: Actor, data: CampaignInput, campaign_id: int | None = None) -> Campaign:
    """Create a campaign, or change its dates, budgets and notice settings."""
    actor.require_organiser()
    values = check_campaign(data)
    async with db.write() as session:
        other = await session.scalar(select(Campaign.id).where(Campaign.name == values.name))
        if other is not None and other != campaign_id:
            raise DomainError(f"已有名为「{values.name}」的慰问活动", field="name")
        if campaign_id is None:
            campaign = Campaign(created_by=actor.user_id, amounts={})
            session.add(campaign)
        else:
            campaign = await _campaign(session, campaign_id)
        for key, value in values.__dict__.items():
            setattr(campaign, key, value)
        await session.flush()
        verb = "创建" if campaign_id is None else "修改"
        audit.record(
            session, actor, "campaign_save",
            f"{verb}慰问活动 {campaign.name}(慰问金预算 {yuan(campaign.cash_budget_fen)} 元,慰问品预算 {yuan(campaign.goods_budget_fen)} 元)",
            target=f"campaign:{campaign.id}",
        )
    return campaign


async def save_amounts(db: Database, actor: Actor, campaign_id: int, form: dict[str, str]) -> Campaign:
    """The standard amounts per category, from fields ``cash:<category>``, ``goods:``, ``floor:``, ``cap:``."""
    actor.require_organiser()
    p = Problems()
    amounts: dict[str, Any] = {}
    for category, default in DEFAULT_AMOUNTS.items():
        cash = yuan_field(p, f"cash:{category}", form.get(f"cash:{category}"), f"{category}慰问金", required=True)
        goods = yuan_field(p, f"goods:{category}", form.get(f"goods:{category}"), f"{category}慰问品")
        floor = yuan_field(p, f"floor:{category}", form.get(f"floor:{category}"), f"{category}最低标准")
        cap = yuan_field(p, f"cap:{category}", form.get(f"cap:{category}"), f"{category}上限")
        if floor is not None and cap is not None and cap < floor:
            p.add(f"cap:{category}", f"{category}的上限不能低于最低标准")
        if cash is not None:
            amounts[category] = msgspec.to_builtins(AmountRule(cash, goods or 0, floor, cap, default.per_person))
    p.raise_if_any()
    async with db.write() as session:
        campaign = await _campaign(session, campaign_id)
        campaign.amounts = amounts
        audit.record(
            session, actor, "campaign_amounts",
            f"修改 {campaign.name} 的慰问标准:" + ";".join(f"{c} {yuan(a['cash_fen'])} 元" for c, a in amounts.items()),
            target=f"campaign:{campaign.id}",
        )
    return campaign


# Living lines (最低生活保障线) ---------------------------------------------------------------------


class LivingLineInput(msgspec.Struct, forbid_unknown_fields=False):
    region: str = ""
    year: str = ""
    line: str = ""  # yuan per head and month
    basic_percent: str = "150"
    special_percent: str = "200"
    illness_percent: str = "300"
    major_expense: str = "20000"


def _int_field(p: Problems, field: str, text: str, label: str, lo: int, hi: int) -> int | None:
    text = (text or "").strip()
    if (number := plain_int(text)) is None or not lo <= number <= hi:
        p.add(field, f"{label}应为 {lo}–{hi} 之间的整数")
        return None
    return number


async def list_living_lines(db: Database, actor: Actor) -> list[LivingLine]:
    actor.require_organiser()
    async with db.read() as session:
        return list((await session.scalars(select(LivingLine).order_by(LivingLine.region, LivingLine.year.desc()))).all())


async def save_living_line(db: Database, actor: Actor, data: LivingLineInput) -> LivingLine:
    """Set a region's line for a year (replacing that year's line if there is one)."""
    actor.require_organiser()
    p = Problems()
    region = p.text("region", data.region, "地区", max_len=40)
    year = _int_field(p, "year", data.year, "年度", 2000, 2100)
    line = yuan_field(p, "line", data.line, "最低生活保障线", required=True)
    if line == 0:
        p.add("line", "最低生活保障线应大于 0")
    basic = _int_field(p, "basic_percent", data.basic_percent, "第一条比例", 1, 1000)
    special = _int_field(p, "special_percent", data.special_percent, "第二条比例", 1, 1000)
    illness = _int_field(p, "illness_percent", data.illness_percent, "第三条比例", 1, 1000)
    major = yuan_field(p, "major_expense", data.major_expense, "第四条金额", required=True)
    if major == 0:
        p.add("major_expense", "第四条金额应大于 0")
    if basic and special and illness and not basic <= special <= illness:
        p.add("special_percent", "比例应依次不减:第一条 ≤ 第二条 ≤ 第三条")
    p.raise_if_any()
    async with db.write() as session:
        row = await session.scalar(select(LivingLine).where(LivingLine.region == region, LivingLine.year == year))
        if row is None:
            row = LivingLine(region=region, year=year)
            session.add(row)
        row.line_fen, row.basic_percent, row.special_percent, row.illness_percent = line, basic, special, illness  # type: ignore[assignment]
        row.major_expense_fen = major  # type: ignore[assignment]
        await session.flush()
        audit.record(
            session, actor, "living_line_save",
            f"设置 {region} {year} 年最低生活保障线 {yuan(line)} 元/人·月({basic}% / {special}% / {illness}%,{yuan(major)} 元)",
            target=f"living_line:{row.id}",
        )
    return row


async def rules_for(session: AsyncSession, region: str, year: int) -> tuple[HardshipRules, LivingLine] | None:
    """The region's line of the year, or of the latest earlier year; None when there is none."""
    row = await session.scalar(
        select(LivingLine)
        .where(LivingLine.region == region, LivingLine.year <= year)
        .order_by(LivingLine.year.desc())
        .limit(1)
    )
    if row is None:
        return None
    rules = HardshipRules(row.line_fen, row.basic_percent, row.special_percent, row.illness_percent, row.major_expense_fen)
    return rules, row


# The campaign board: households, groups, budget ------------------------------------------------------


STATUS_LABELS = {
    "proposed": "待审核",
    "rejected": "未通过",
    "unassigned": "待分组",
    "planned": "已安排",
    "visited": "已慰问",
    "absent": "未遇",
}


def household_status(b: Beneficiary, visit: Visit | None) -> str:
    """proposed / rejected / unassigned / planned (assigned a group) / visited / absent."""
    if b.review != ReviewStatus.APPROVED:
        return b.review
    if visit is not None:
        return visit.status
    return "planned" if b.group_id is not None else "unassigned"


@dataclass
class Household:
    """A household as the board, the arrangement table and the summary show it."""

    b: Beneficiary
    visit: Visit | None
    planned: Planned
    group: VisitGroup | None

    @property
    def status(self) -> str:
        return household_status(self.b, self.visit)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def given_cash_fen(self) -> int:
        return self.visit.cash_fen if self.visit and self.visit.status == VisitStatus.VISITED else 0

    @property
    def given_goods_fen(self) -> int:
        return self.visit.goods_fen if self.visit and self.visit.status == VisitStatus.VISITED else 0


@dataclass
class Group:
    group: VisitGroup
    members: list[VisitGroupMember]
    households: list[Household] = field(default_factory=list)

    @property
    def member_names(self) -> str:
        return "、".join(f"{m.name}({m.unit})" if m.unit else m.name for m in self.members)


@dataclass
class Budget:
    cash_budget_fen: int
    goods_budget_fen: int
    planned_cash_fen: int
    planned_goods_fen: int
    given_cash_fen: int
    given_goods_fen: int

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.planned_cash_fen > self.cash_budget_fen:
            out.append(f"计划慰问金 {yuan(self.planned_cash_fen)} 元超出预算 {yuan(self.cash_budget_fen)} 元")
        if self.planned_goods_fen > self.goods_budget_fen:
            out.append(f"计划慰问品 {yuan(self.planned_goods_fen)} 元超出预算 {yuan(self.goods_budget_fen)} 元")
        if self.given_cash_fen > self.cash_budget_fen:
            out.append(f"已发放慰问金 {yuan(self.given_cash_fen)} 元超出预算")
        if self.given_goods_fen > self.goods_budget_fen:
            out.append(f"已发放慰问品 {yuan(self.given_goods_fen)} 元超出预算")
        return out

    @property
    def cash_left_fen(self) -> int:
        return self.cash_budget_fen - self.given_cash_fen

    @property
    def goods_left_fen(self) -> int:
        return self.goods_budget_fen - self.given_goods_fen


@dataclass
class Board:
    campaign: Campaign
    households: list[Household]
    groups: list[Group]
    rules: dict[str, AmountRule]

    @property
    def approved(self) -> list[Household]:
        return [h for h in self.households if h.b.review == ReviewStatus.APPROVED]

    @property
    def budget(self) -> Budget:
        approved = self.approved
        return Budget(
            self.campaign.cash_budget_fen, self.campaign.goods_budget_fen,
            sum(h.planned.cash_fen for h in approved), sum(h.planned.goods_fen for h in approved),
            sum(h.given_cash_fen for h in approved), sum(h.given_goods_fen for h in approved),
        )

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        counts = Counter(h.status for h in self.households)
        return [(STATUS_LABELS[s], counts[s]) for s in STATUS_LABELS if counts[s]]

    @property
    def category_counts(self) -> list[tuple[str, int]]:
        counts = Counter(h.b.category for h in self.approved)
        return [(c, counts[c]) for c in CATEGORIES if counts[c]]

    @property
    def unassigned(self) -> list[Household]:
        return [h for h in self.approved if h.group is None]

    @property
    def amount_warnings(self) -> list[tuple[Household, str]]:
        return [(h, w) for h in self.approved for w in h.planned.warnings]


def active_groups(campaign_id: int) -> Select[tuple[VisitGroup]]:
    """The campaign's visit groups not cancelled, in their order (a cancelled group is kept only
    for the calendar feed)."""
    return (
        select(VisitGroup)
        .where(VisitGroup.campaign_id == campaign_id, VisitGroup.cancelled_at.is_(None))
        .order_by(VisitGroup.position, VisitGroup.id)
    )


# The messages of migration 0014's triggers: a household in a cancelled visit group.
CANCELLED_GROUP_REFUSALS = (
    "a household cannot be put in a cancelled visit group",
    "a visit group with households cannot be cancelled",
)


@contextmanager
def refused_in_cancelled_group(message: str) -> Iterator[None]:
    """The database's refusal of a household in a cancelled visit group (migration 0014), met
    when an assignment and a cancellation of that group ran at the same moment, as a 409 with
    the given Chinese message instead of a server error."""
    try:
        yield
    except IntegrityError as exc:
        if not any(refusal in str(exc.orig) for refusal in CANCELLED_GROUP_REFUSALS):
            raise
        raise Conflict(message) from exc


async def campaign_group(session: AsyncSession, campaign_id: int, group_id: int, *, cancelled: bool = False) -> VisitGroup:
    """The campaign's group; a cancelled one only when asked for (it takes no changes and no
    households)."""
    group = await session.get(VisitGroup, group_id)
    if group is None or group.campaign_id != campaign_id or (group.cancelled_at is not None and not cancelled):
        raise NotFound("慰问小组")
    return group


async def load_board(session: AsyncSession, campaign: Campaign) -> Board:
    rules = amount_rules(campaign)
    groups = (await session.scalars(active_groups(campaign.id))).all()
    members = (
        await session.scalars(
            select(VisitGroupMember)
            .where(VisitGroupMember.group_id.in_([g.id for g in groups]))
            .order_by(VisitGroupMember.id)
        )
    ).all() if groups else []
    rows = (
        await session.execute(
            select(Beneficiary, Visit)
            .outerjoin(Visit, Visit.beneficiary_id == Beneficiary.id)
            .where(Beneficiary.campaign_id == campaign.id)
            .order_by(Beneficiary.id)
        )
    ).all()
    by_id = {g.id: Group(g, [m for m in members if m.group_id == g.id]) for g in groups}
    households = []
    for b, visit in rows:
        group = by_id.get(b.group_id) if b.group_id is not None else None
        h = Household(b, visit, planned_amount(b, rules[b.category]), group.group if group else None)
        households.append(h)
        if group is not None and b.review == ReviewStatus.APPROVED:
            group.households.append(h)
    return Board(campaign, households, list(by_id.values()), rules)


async def board(db: Database, actor: Actor, campaign_id: int) -> Board:
    """The campaign with its households, groups and budget. Organisers only.

    Shows names, units, categories and amounts — never income, ID numbers or illness, which
    only the audited household details show (events.beneficiaries.household_details).
    """
    actor.require_organiser()
    async with db.read() as session:
        return await load_board(session, await _campaign(session, campaign_id))


# The public notice (公示) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLine:
    """One published line: masked name, unit, category. Nothing else may be published."""

    number: int
    name: str
    unit: str
    category: str


@dataclass
class Notice:
    campaign: Campaign
    lines: list[NoticeLine]

    @property
    def subject(self) -> str:
        """2027年春节慰问 → 2027年春节慰问对象; 送温暖 → 送温暖慰问对象."""
        name = self.campaign.name
        return f"{name}对象" if name.endswith("慰问") else f"{name}慰问对象"

    @property
    def title(self) -> str:
        return f"{self.subject}公示"

    @property
    def period(self) -> str:
        c = self.campaign
        if c.notice_starts_on is None or c.notice_ends_on is None:
            return ""
        return f"{_zh(c.notice_starts_on)}至{_zh(c.notice_ends_on)}"

    @property
    def text(self) -> str:
        host = self.campaign.host or "本单位工会"
        period = f"公示期为{self.period}。" if self.period else "公示期另行通知。"
        contact = f"请于公示期内向{self.campaign.notice_contact}反映" if self.campaign.notice_contact else "请于公示期内向工会反映"
        return (
            f"经职工申请、{host}审核,拟确定以下 {len(self.lines)} 户为{self.subject},现予公示。"
            f"{period}如有异议,{contact}(实名反映,工会将为反映人保密)。"
        )


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notice_lines(households: Iterable[Household], mask: str) -> list[NoticeLine]:
    """The approved households as the notice shows them, by category then name order of entry."""
    approved = [h for h in households if h.b.review == ReviewStatus.APPROVED]
    approved.sort(key=lambda h: (CATEGORIES.index(h.b.category), h.b.id))
    return [NoticeLine(n, mask_name(h.b.name, mask), h.b.unit, h.b.category) for n, h in enumerate(approved, start=1)]


async def notice(db: Database, actor: Actor, campaign_id: int) -> Notice:
    b = await board(db, actor, campaign_id)
    return Notice(b.campaign, notice_lines(b.households, b.campaign.notice_mask))


# Exports -------------------------------------------------------------------------------------------------

ARRANGEMENT_COLUMNS = ("组别", "序号", "慰问对象", "类别", "单位", "住址", "联系电话", "慰问金(元)", "慰问品(元)", "签收")
ARRANGEMENT_WIDTHS = (10, 6, 10, 10, 16, 30, 14, 11, 11, 10)


def _group_heading(g: Group) -> str:
    grp = g.group
    when = _zh(grp.visit_on) if grp.visit_on else "日期待定"
    start = f" {grp.starts_at:%H:%M} 出发" if grp.starts_at else ""
    gather = f"({grp.gathers_at:%H:%M} 在{grp.assembly_point}集中)" if grp.gathers_at and grp.assembly_point else (
        f"(在{grp.assembly_point}集中)" if grp.assembly_point else ""
    )
    parts = [f"{grp.name}" + (f"({grp.area})" if grp.area else ""), f"带队:{grp.leader or '待定'}"]
    if g.members:
        parts.append(f"成员:{g.member_names}")
    parts.append(f"时间:{when}{start}{gather}")
    return ";".join(parts)


def arrangement_rows(groups: Sequence[Group]) -> Iterable[tuple[Any, ...]]:
    for g in groups:
        for n, h in enumerate(g.households, start=1):
            yield (
                g.group.name, n, h.b.name, h.b.category, h.b.unit, h.b.address, h.b.contact,
                _money_cell(h.planned.cash_fen), _money_cell(h.planned.goods_fen),
                "",
            )


async def arrangement_xlsx(db: Database, actor: Actor, campaign_id: int) -> tuple[str, bytes]:
    """The 安排表 as a workbook: one line per household, grouped, with each group's heading."""
    b = await board(db, actor, campaign_id)
    heading = [f"{b.campaign.name}安排表", f"{b.campaign.host or ''} · 导出日期 {_zh(today())}".strip(" ·")]
    heading += [_group_heading(g) for g in b.groups]
    sheet = Sheet(
        title="安排表", heading=heading, columns=ARRANGEMENT_COLUMNS, widths=ARRANGEMENT_WIDTHS,
        rows=arrangement_rows(b.groups),
        footer=(f"未分组:{len(b.unassigned)} 户",) if b.unassigned else (),
    )
    return xlsx_filename(b.campaign.name, "安排表"), write_xlsx([sheet])


SUMMARY_COLUMNS = ("序号", "慰问对象", "类别", "单位", "组别", "状态", "计划慰问金", "计划慰问品", "实发慰问金", "实发慰问品", "慰问品", "签收人", "走访日期")
SUMMARY_WIDTHS = (6, 10, 10, 16, 10, 8, 11, 11, 11, 11, 16, 10, 14)


def _money_cell(fen: int) -> float | int:
    return fen // 100 if fen % 100 == 0 else fen / 100


def summary_rows(households: Sequence[Household]) -> Iterable[tuple[Any, ...]]:
    for n, h in enumerate(households, start=1):
        v = h.visit
        yield (
            n, h.b.name, h.b.category, h.b.unit, h.group.name if h.group else "", h.status_label,
            _money_cell(h.planned.cash_fen), _money_cell(h.planned.goods_fen),
            _money_cell(h.given_cash_fen), _money_cell(h.given_goods_fen),
            v.goods if v else "", v.signed_by if v else "", _zh(v.visited_on) if v else "",
        )


def summary_lines(b: Board) -> list[str]:
    budget = b.budget
    visited = sum(1 for h in b.approved if h.status == "visited")
    lines = [
        f"慰问对象 {len(b.approved)} 户,已慰问 {visited} 户;" + "、".join(f"{c} {n} 户" for c, n in b.category_counts),
        f"慰问金:预算 {yuan(budget.cash_budget_fen)} 元,计划 {yuan(budget.planned_cash_fen)} 元,实发 {yuan(budget.given_cash_fen)} 元,结余 {yuan(budget.cash_left_fen)} 元",
        f"慰问品:预算 {yuan(budget.goods_budget_fen)} 元,计划 {yuan(budget.planned_goods_fen)} 元,实发 {yuan(budget.given_goods_fen)} 元,结余 {yuan(budget.goods_left_fen)} 元",
    ]
    return lines + budget.warnings


async def summary_xlsx(db: Database, actor: Actor, campaign_id: int) -> tuple[str, bytes]:
    """The campaign summary (总结) as a workbook: budget lines, then one line per household."""
    b = await board(db, actor, campaign_id)
    sheet = Sheet(
        title="活动总结", heading=[f"{b.campaign.name}总结", *summary_lines(b)],
        columns=SUMMARY_COLUMNS, widths=SUMMARY_WIDTHS, rows=summary_rows(b.approved),
    )
    return xlsx_filename(b.campaign.name, "总结"), write_xlsx([sheet])
