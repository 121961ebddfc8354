"""联手兴家 — a model 职工之家 unit paired with partner units, and their meetings (seeds/004).

A pairing has a period and goals; each partner unit has a level (未达标 / 合格 / 模范) whose every
change is kept (who, when, from, to, why). Meetings are series: 月会办 (monthly coordination),
季考评 (quarterly evaluation), 半年通报 (half-year briefing) from the presets, 联席会议 or any
RRULE, or a one-off meeting without a rule (经验交流暨成果展示会). Occurrences are materialised
for a window by ``scheduling.recurrence.expand``; one is stored only once it is moved,
cancelled or recorded (minutes, attendance, outcomes). An occurrence whose time has passed and
that is still planned without minutes is overdue. The union's reports count the meetings held
("累计开展各类活动X场次") per pairing and per year.

Organisers only; every change writes an audit row in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.activity_models import (
    MeetingKind,
    MeetingOccurrence,
    MeetingSeries,
    MeetingStatus,
    Pairing,
    PairingPartner,
    PartnerLevel,
    PartnerLevelChange,
)
from events.actors import Actor
from events.calendar_items import SHANGHAI, CalendarItem, local
from events.campaigns import parse_date
from events.db import Database
from events.errors import DomainError, NotFound
from events.exports import Sheet, write_xlsx, xlsx_filename
from events.validation import Problems, plain_int
from scheduling.recurrence import PRESETS, Occurrence, Override, expand, validate_rule

KIND_LABELS: dict[str, str] = {
    MeetingKind.MONTHLY: "月会办",
    MeetingKind.QUARTERLY: "季考评",
    MeetingKind.HALF_YEARLY: "半年通报",
    MeetingKind.JOINT: "联席会议",
    MeetingKind.EXCHANGE: "经验交流暨成果展示会",
    MeetingKind.CUSTOM: "其他活动",
}
# The preset each kind suggests; "once" is a meeting without a rule.
KIND_PRESETS: dict[str, str] = {
    MeetingKind.MONTHLY: "monthly",
    MeetingKind.QUARTERLY: "quarterly",
    MeetingKind.HALF_YEARLY: "half_yearly",
    MeetingKind.JOINT: "quarterly",
    MeetingKind.EXCHANGE: "once",
    MeetingKind.CUSTOM: "once",
}
PRESET_LABELS: dict[str, str] = {
    "once": "单次(不重复)",
    "monthly": "每月",
    "quarterly": "每季度",
    "half_yearly": "每半年",
    "weekly": "每周",
    "yearly": "每年",
    "custom": "自定义 RRULE",
}
STATUS_LABELS: dict[str, str] = {"planned": "计划", "held": "已召开", "cancelled": "已取消", "overdue": "逾期未记录"}
LEVELS = [level.value for level in PartnerLevel]


def now_local() -> dt.datetime:
    """Now, naive, on the Asia/Shanghai wall clock (meeting times are stored that way)."""
    return dt.datetime.now(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)


def occurrence_key(original_start: dt.datetime) -> str:
    return f"{original_start:%Y%m%dT%H%M}"


def parse_key(key: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(key, "%Y%m%dT%H%M")
    except ValueError:
        raise NotFound("会议") from None


def rule_label(rule: str) -> str:
    """每月 / 每季度 / 每月10日 … or the RRULE text itself."""
    for preset, text in PRESETS.items():
        if rule == text:
            return PRESET_LABELS[preset]
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if set(parts) == {"FREQ", "BYMONTHDAY"} and parts["FREQ"] == "MONTHLY" and parts["BYMONTHDAY"].isdigit():
        return f"每月{parts['BYMONTHDAY']}日"
    return rule or PRESET_LABELS["once"]


# Inputs ----------------------------------------------------------------------------------------


class PairingInput(msgspec.Struct, forbid_unknown_fields=False):
    name: str = ""
    model_unit: str = ""
    starts_on: str = ""
    ends_on: str = ""
    goals: str = ""


class PartnerInput(msgspec.Struct, forbid_unknown_fields=False):
    unit: str = ""
    contact: str = ""
    level: str = PartnerLevel.BELOW.value
    note: str = ""


class LevelInput(msgspec.Struct, forbid_unknown_fields=False):
    level: str = ""
    changed_on: str = ""
    note: str = ""


class SeriesInput(msgspec.Struct, forbid_unknown_fields=False):
    kind: str = MeetingKind.MONTHLY.value
    title: str = ""
    preset: str = ""  # a key of PRESETS, "once" or "custom" (then ``rule``); "" -> the kind's preset
    rule: str = ""
    starts_on: str = ""
    start_time: str = "09:00"
    duration_minutes: str = "90"
    location: str = ""
    note: str = ""


class MoveInput(msgspec.Struct, forbid_unknown_fields=False):
    day: str = ""
    start_time: str = ""
    end_time: str = ""


class RecordInput(msgspec.Struct, forbid_unknown_fields=False):
    minutes: str = ""
    attendance: str = ""
    attendee_count: str = ""
    outcomes: str = ""
    held: str = "1"  # "1": the meeting was held; "" keeps it planned (notes taken ahead)


def parse_time(p: Problems, field_name: str, text: str, label: str) -> dt.time | None:
    text = (text or "").strip()
    if not text:
        p.add(field_name, f"请填写{label}")
        return None
    try:
        value = dt.time.fromisoformat(text)
    except ValueError:
        p.add(field_name, f"{label}格式不正确(例如 09:30)")
        return None
    return value.replace(second=0, microsecond=0)


def _int(p: Problems, field_name: str, text: str, label: str, lo: int, hi: int, *, required: bool = True) -> int | None:
    text = (text or "").strip()
    if not text and not required:
        return None
    if (number := plain_int(text)) is None or not lo <= number <= hi:
        p.add(field_name, f"{label}应为 {lo}–{hi} 之间的整数")
        return None
    return number


# Reading ----------------------------------------------------------------------------------------


@dataclass
class OccurrenceView:
    """One occurrence as pages and the calendar show it, with its record if there is one."""

    series: MeetingSeries
    occurrence: Occurrence
    row: MeetingOccurrence | None
    now: dt.datetime

    @property
    def key(self) -> str:
        return occurrence_key(self.occurrence.original_start)

    @property
    def status(self) -> str:
        """planned / held / cancelled, or overdue: past, still planned and without minutes."""
        due = overdue_from(self.occurrence, self.row)
        return "overdue" if due is not None and due < self.now else settled_status(self.occurrence, self.row)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def title(self) -> str:
        return self.series.title

    @property
    def url(self) -> str:
        return f"/org/pairings/{self.series.pairing_id}/series/{self.series.id}/occurrences/{self.key}"

    @property
    def sequence(self) -> int:
        return self.series.sequence + (self.row.sequence if self.row is not None else 0)


def _override(row: MeetingOccurrence) -> Override:
    return Override(
        original_start=row.original_start, cancelled=row.status == MeetingStatus.CANCELLED,
        start=row.moved_start, end=row.moved_end,
    )


def _period(pairing: Pairing) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(pairing.starts_on, dt.time(0)),
        dt.datetime.combine(pairing.ends_on + dt.timedelta(days=1), dt.time(0)),
    )


def _within_period(pairing: Pairing, day: dt.date) -> None:
    """A meeting moved outside the pairing period would fall out of every view of the pairing."""
    if not pairing.starts_on <= day <= pairing.ends_on:
        raise DomainError(
            f"结对期为 {pairing.starts_on:%Y-%m-%d} 至 {pairing.ends_on:%Y-%m-%d},不能把会议改到 {day:%Y-%m-%d}",
            field="day",
        )


def settled_status(occurrence: Occurrence, row: MeetingOccurrence | None) -> str:
    """cancelled / held / planned: the status without the clock (``row``: an ORM row, or the
    calendar's plain row with the same columns and ``has_minutes``)."""
    if occurrence.cancelled:
        return MeetingStatus.CANCELLED
    if row is not None and row.status == MeetingStatus.HELD:
        return MeetingStatus.HELD
    return MeetingStatus.PLANNED


def overdue_from(occurrence: Occurrence, row: MeetingOccurrence | None) -> dt.datetime | None:
    """When a meeting becomes overdue (its start, once past, if it is still planned and has no
    minutes); None for one that never will."""
    return None if occurrence.cancelled or (row is not None and _recorded(row)) else occurrence.start


def _recorded(row: MeetingOccurrence) -> bool:
    """Held, or with minutes written."""
    return row.status == MeetingStatus.HELD or bool(row.has_minutes)


def _on_rule(series: MeetingSeries, original_start: dt.datetime) -> bool:
    """Whether the series' rule (or its one meeting) gives this start."""
    if not series.rule:
        return original_start == series.dtstart
    duration = dt.timedelta(minutes=series.duration_minutes)
    found = expand(series.rule, series.dtstart, duration, original_start, original_start + dt.timedelta(minutes=1), [])
    return any(o.original_start == original_start for o in found)


def _kept(series: MeetingSeries, row: MeetingOccurrence) -> Occurrence:
    """A recorded meeting at a start the rule no longer gives (the rule or first date changed
    after it was held): kept where it took place, under its original start (its key and UID)."""
    begin = row.moved_start or row.original_start
    finish = row.moved_end or begin + dt.timedelta(minutes=series.duration_minutes)
    return Occurrence(row.original_start, begin, finish, row.status == MeetingStatus.CANCELLED, row.moved_start is not None)


def series_occurrences(
    series: MeetingSeries, pairing: Pairing, rows: Sequence[MeetingOccurrence], start: dt.datetime, end: dt.datetime
) -> list[Occurrence]:
    """The series' occurrences overlapping [start, end) (naive local), within the pairing's period.

    A series without a rule has the one occurrence at its start. A meeting already recorded
    (held, or with minutes) stays even when a changed rule no longer gives its start; rows
    that only moved or cancelled such a start are left out with it."""
    duration = dt.timedelta(minutes=series.duration_minutes)
    overrides = [_override(r) for r in rows]
    if series.rule:
        found = expand(series.rule, series.dtstart, duration, start, end, overrides)
    else:
        original = series.dtstart
        override = next((o for o in overrides if o.original_start == original), None)
        begin = override.start if override and override.start else original
        finish = override.end if override and override.end else begin + duration
        moved = (begin, finish) != (original, original + duration)
        one = Occurrence(original, begin, finish, bool(override and override.cancelled), moved)
        found = [one] if begin < end and finish > start else []
    given = {o.original_start for o in found}
    for row in rows:
        if row.original_start in given or not _recorded(row):
            continue
        kept = _kept(series, row)
        if kept.start < end and kept.end > start and not _on_rule(series, row.original_start):
            found.append(kept)
    first, last = _period(pairing)
    return [o for o in found if first <= o.original_start < last]


async def _rows_by_series(session: AsyncSession, series_ids: Iterable[int]) -> dict[int, list[MeetingOccurrence]]:
    ids = list(series_ids)
    found: dict[int, list[MeetingOccurrence]] = {i: [] for i in ids}
    if ids:
        for row in (await session.scalars(select(MeetingOccurrence).where(MeetingOccurrence.series_id.in_(ids)))).all():
            found[row.series_id].append(row)
    return found


async def _views(
    session: AsyncSession, pairings: Sequence[Pairing], start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict[int, list[OccurrenceView]]:
    """Occurrence views per pairing for a window, sorted by start."""
    by_id = {p.id: p for p in pairings}
    result: dict[int, list[OccurrenceView]] = {p.id: [] for p in pairings}
    if not by_id:
        return result
    all_series = (
        await session.scalars(select(MeetingSeries).where(MeetingSeries.pairing_id.in_(list(by_id))).order_by(MeetingSeries.id))
    ).all()
    rows = await _rows_by_series(session, (s.id for s in all_series))
    for series in all_series:
        series_rows = rows[series.id]
        by_original = {r.original_start: r for r in series_rows}
        for occ in series_occurrences(series, by_id[series.pairing_id], series_rows, start, end):
            result[series.pairing_id].append(OccurrenceView(series, occ, by_original.get(occ.original_start), now))
    for views in result.values():
        views.sort(key=lambda v: (v.occurrence.start, v.series.id))
    return result


@dataclass
class PartnerView:
    partner: PairingPartner
    history: list[PartnerLevelChange]


@dataclass
class SeriesView:
    series: MeetingSeries
    upcoming: list[OccurrenceView]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.series.kind, self.series.kind)

    @property
    def rule_label(self) -> str:
        return rule_label(self.series.rule)


@dataclass
class PairingSummary:
    pairing: Pairing
    partners: list[PairingPartner]
    held_total: int
    held_this_year: int
    overdue: list[OccurrenceView]
    next_meeting: OccurrenceView | None


@dataclass
class PairingPage:
    pairing: Pairing
    partners: list[PartnerView]
    series: list[SeriesView]
    overdue: list[OccurrenceView]
    recent: list[OccurrenceView]  # the past occurrences, latest first
    held_by_year: dict[int, int] = field(default_factory=dict)


async def _pairing(session: AsyncSession, pairing_id: int) -> Pairing:
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound("联手结对")
    return pairing


async def _held_counts(session: AsyncSession, pairing_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Meetings held, by (pairing, year of the time they took place)."""
    if not pairing_ids:
        return {}
    rows = (
        await session.execute(
            select(MeetingSeries.pairing_id, MeetingOccurrence.original_start, MeetingOccurrence.moved_start)
            .join(MeetingSeries, MeetingSeries.id == MeetingOccurrence.series_id)
            .where(MeetingSeries.pairing_id.in_(list(pairing_ids)), MeetingOccurrence.status == MeetingStatus.HELD)
        )
    ).all()
    counts: Counter[tuple[int, int]] = Counter()
    for pairing_id, original, moved in rows:
        counts[(pairing_id, (moved or original).year)] += 1
    return dict(counts)


async def list_pairings(db: Database, actor: Actor, *, now: dt.datetime | None = None) -> list[PairingSummary]:
    """Every pairing with its partners, meetings held (in all and this year), overdue ones and the next."""
    actor.require_organiser()
    now = now or now_local()
    async with db.read() as session:
        pairings = list((await session.scalars(select(Pairing).order_by(Pairing.starts_on.desc(), Pairing.id))).all())
        partners = (await session.scalars(select(PairingPartner).order_by(PairingPartner.position, PairingPartner.id))).all()
        counts = await _held_counts(session, [p.id for p in pairings])
        summaries = []
        for pairing in pairings:
            first, last = _period(pairing)
            views = (await _views(session, [pairing], first, min(last, now + dt.timedelta(days=400)), now))[pairing.id]
            summaries.append(
                PairingSummary(
                    pairing=pairing,
                    partners=[p for p in partners if p.pairing_id == pairing.id],
                    held_total=sum(n for (pid, _), n in counts.items() if pid == pairing.id),
                    held_this_year=counts.get((pairing.id, now.year), 0),
                    overdue=[v for v in views if v.overdue],
                    next_meeting=next((v for v in views if v.occurrence.start >= now and not v.occurrence.cancelled), None),
                )
            )
        return summaries


async def pairing_page(db: Database, actor: Actor, pairing_id: int, *, now: dt.datetime | None = None, upcoming: int = 3) -> PairingPage:
    actor.require_organiser()
    now = now or now_local()
    async with db.read() as session:
        pairing = await _pairing(session, pairing_id)
        partners = (
            await session.scalars(
                select(PairingPartner).where(PairingPartner.pairing_id == pairing_id).order_by(PairingPartner.position, PairingPartner.id)
            )
        ).all()
        history = (
            await session.scalars(
                select(PartnerLevelChange)
                .where(PartnerLevelChange.partner_id.in_([p.id for p in partners] or [0]))
                .order_by(PartnerLevelChange.changed_on.desc(), PartnerLevelChange.id.desc())
            )
        ).all()
        first, last = _period(pairing)
        views = (await _views(session, [pairing], first, last, now))[pairing.id]
        series_rows = (
            await session.scalars(select(MeetingSeries).where(MeetingSeries.pairing_id == pairing_id).order_by(MeetingSeries.dtstart))
        ).all()
        counts = await _held_counts(session, [pairing_id])
    series = [
        SeriesView(s, [v for v in views if v.series.id == s.id and v.occurrence.end > now][:upcoming]) for s in series_rows
    ]
    return PairingPage(
        pairing=pairing,
        partners=[PartnerView(p, [h for h in history if h.partner_id == p.id]) for p in partners],
        series=series,
        overdue=[v for v in views if v.overdue],
        recent=[v for v in reversed(views) if v.occurrence.start < now][:12],
        held_by_year={year: n for (_, year), n in sorted(counts.items())},
    )


async def series_schedule(
    db: Database, actor: Actor, series_id: int, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> tuple[Pairing, MeetingSeries, list[OccurrenceView]]:
    """A series and all its occurrences in the pairing's period."""
    actor.require_organiser()
    now = now or now_local()
    async with db.read() as session:
        series = await session.get(MeetingSeries, series_id)
        if series is None or (pairing_id is not None and series.pairing_id != pairing_id):
            raise NotFound("会议")
        pairing = await _pairing(session, series.pairing_id)
        first, last = _period(pairing)
        views = [v for v in (await _views(session, [pairing], first, last, now))[pairing.id] if v.series.id == series_id]
    return pairing, series, views


# Pairings and partners --------------------------------------------------------------------------


async def save_pairing(db: Database, actor: Actor, data: PairingInput, pairing_id: int | None = None) -> Pairing:
    actor.require_organiser()
    p = Problems()
    name = p.text("name", data.name, "结对名称", max_len=80)
    model_unit = p.text("model_unit", data.model_unit, "模范职工之家单位", max_len=80)
    starts = parse_date(p, "starts_on", data.starts_on, "开始日期")
    ends = parse_date(p, "ends_on", data.ends_on, "结束日期")
    if starts and ends and ends < starts:
        p.add("ends_on", "结束日期不能早于开始日期")
    goals = p.text("goals", data.goals, "工作目标", max_len=2000, required=False)
    p.raise_if_any()
    assert starts and ends
    async with db.write() as session:
        other = await session.scalar(select(Pairing.id).where(Pairing.name == name))
        if other is not None and other != pairing_id:
            raise DomainError(f"已有名为「{name}」的联手结对", field="name")
        if pairing_id is None:
            pairing = Pairing(created_by=actor.user_id)
            session.add(pairing)
        else:
            pairing = await _pairing(session, pairing_id)
            await _keeps_its_meetings(session, pairing_id, starts, ends)
            await _bump_all_series(session, pairing_id)
        pairing.name, pairing.model_unit, pairing.starts_on, pairing.ends_on, pairing.goals = name, model_unit, starts, ends, goals
        await session.flush()
        verb = "创建" if pairing_id is None else "修改"
        audit.record(
            session, actor, "pairing_save",
            f"{verb}联手结对 {name}({model_unit},{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d})",
            target=f"pairing:{pairing.id}",
        )
    return pairing


async def _keeps_its_meetings(session: AsyncSession, pairing_id: int, starts: dt.date, ends: dt.date) -> None:
    """A period shortened past a meeting already recorded, or moved to its day, would drop it from
    every view of the pairing (they show the period only): refused, naming the meeting. Planned
    meetings the rule gives simply end with the period."""
    rows = (
        await session.execute(
            select(MeetingSeries.title, MeetingOccurrence)
            .join(MeetingSeries, MeetingSeries.id == MeetingOccurrence.series_id)
            .where(MeetingSeries.pairing_id == pairing_id)
            .order_by(func.coalesce(MeetingOccurrence.moved_start, MeetingOccurrence.original_start))
        )
    ).all()
    for title, row in rows:
        at = row.moved_start or row.original_start
        if starts <= at.date() <= ends or not (_recorded(row) or _moved_away(row, starts, ends)):
            continue
        field_name = "starts_on" if at.date() < starts else "ends_on"
        if _recorded(row):
            raise DomainError(f"{title} {at:%Y-%m-%d %H:%M} 已有记录,结对期须包含这一天", field=field_name)
        raise DomainError(f"{title} 已改期到 {at:%Y-%m-%d %H:%M},结对期须包含这一天", field=field_name)


def _moved_away(row: MeetingOccurrence, starts: dt.date, ends: dt.date) -> bool:
    """A planned meeting the rule still gives inside the period, moved to a day outside it."""
    return row.moved_start is not None and row.status != MeetingStatus.CANCELLED and starts <= row.original_start.date() <= ends


async def _bump_all_series(session: AsyncSession, pairing_id: int) -> None:
    """The pairing's period or name changed: every meeting item may look different."""
    for series in (await session.scalars(select(MeetingSeries).where(MeetingSeries.pairing_id == pairing_id))).all():
        series.sequence += 1


async def add_partner(db: Database, actor: Actor, pairing_id: int, data: PartnerInput, *, on: dt.date | None = None) -> PairingPartner:
    """A partner unit with its starting level (the first line of its history)."""
    actor.require_organiser()
    p = Problems()
    unit = p.text("unit", data.unit, "联手单位", max_len=80)
    contact = p.text("contact", data.contact, "联系人", max_len=60, required=False)
    p.choice("level", data.level, PartnerLevel, "建家水平")
    note = p.text("note", data.note, "说明", max_len=500, required=False)
    p.raise_if_any()
    async with db.write() as session:
        pairing = await _pairing(session, pairing_id)
        if unit == pairing.model_unit:
            raise DomainError("联手单位不能是模范职工之家单位本身", field="unit")
        exists = await session.scalar(
            select(PairingPartner.id).where(PairingPartner.pairing_id == pairing_id, PairingPartner.unit == unit)
        )
        if exists is not None:
            raise DomainError(f"「{unit}」已是该结对的联手单位", field="unit")
        position = await session.scalar(
            select(func.coalesce(func.max(PairingPartner.position), 0)).where(PairingPartner.pairing_id == pairing_id)
        )
        partner = PairingPartner(pairing_id=pairing_id, unit=unit, contact=contact, level=data.level, position=(position or 0) + 1)
        session.add(partner)
        await session.flush()
        session.add(
            PartnerLevelChange(
                partner_id=partner.id, from_level=None, to_level=data.level, note=note or "结对时的建家水平",
                changed_on=on or pairing.starts_on, changed_by=actor.user_id,
            )
        )
        audit.record(
            session, actor, "pairing_partner_add", f"{pairing.name} 增加联手单位 {unit}(现为{data.level})",
            target=f"pairing:{pairing_id}",
        )
    return partner


async def _partner(session: AsyncSession, partner_id: int, pairing_id: int | None) -> PairingPartner:
    """The partner unit, of ``pairing_id`` when given (an id from a URL never reaches another pairing)."""
    partner = await session.get(PairingPartner, partner_id)
    if partner is None or (pairing_id is not None and partner.pairing_id != pairing_id):
        raise NotFound("联手单位")
    return partner


async def edit_partner(db: Database, actor: Actor, partner_id: int, data: PartnerInput, *, pairing_id: int | None = None) -> PairingPartner:
    """Rename a partner unit or change its contact; its level changes only through ``set_partner_level``."""
    actor.require_organiser()
    p = Problems()
    unit = p.text("unit", data.unit, "联手单位", max_len=80)
    contact = p.text("contact", data.contact, "联系人", max_len=60, required=False)
    p.raise_if_any()
    async with db.write() as session:
        partner = await _partner(session, partner_id, pairing_id)
        clash = await session.scalar(
            select(PairingPartner.id).where(
                PairingPartner.pairing_id == partner.pairing_id, PairingPartner.unit == unit, PairingPartner.id != partner_id
            )
        )
        if clash is not None:
            raise DomainError(f"「{unit}」已是该结对的联手单位", field="unit")
        before = partner.unit
        partner.unit, partner.contact = unit, contact
        audit.record(
            session, actor, "pairing_partner_edit", f"联手单位 {before} 改为 {unit}(联系人 {contact or '—'})",
            target=f"pairing:{partner.pairing_id}",
        )
    return partner


async def set_partner_level(db: Database, actor: Actor, partner_id: int, data: LevelInput, *, pairing_id: int | None = None) -> PartnerLevelChange:
    """Change a partner's level (e.g. after a 季考评); the change is kept in its history."""
    actor.require_organiser()
    p = Problems()
    p.choice("level", data.level, PartnerLevel, "建家水平")
    on = parse_date(p, "changed_on", data.changed_on, "评定日期")
    note = p.text("note", data.note, "评定说明", max_len=500, required=False)
    p.raise_if_any()
    assert on
    async with db.write() as session:
        partner = await _partner(session, partner_id, pairing_id)
        if partner.level == data.level:
            raise DomainError(f"{partner.unit} 已是「{data.level}」", field="level")
        await _level_date_in_order(session, partner, on)
        change = PartnerLevelChange(
            partner_id=partner.id, from_level=partner.level, to_level=data.level, note=note,
            changed_on=on, changed_by=actor.user_id,
        )
        session.add(change)
        before, partner.level = partner.level, data.level
        await session.flush()
        audit.record(
            session, actor, "pairing_partner_level", f"{partner.unit} 建家水平 {before} → {data.level}",
            target=f"pairing:{partner.pairing_id}", reason=note,
        )
    return change


async def _level_date_in_order(session: AsyncSession, partner: PairingPartner, on: dt.date) -> None:
    """A level is dated inside the pairing and not before the partner's latest change: the
    history reads in order, and the level on any day is the last change before it."""
    pairing = await _pairing(session, partner.pairing_id)
    if not pairing.starts_on <= on <= pairing.ends_on:
        raise DomainError(
            f"评定日期须在结对期内({pairing.starts_on:%Y-%m-%d} 至 {pairing.ends_on:%Y-%m-%d})", field="changed_on"
        )
    latest = await session.scalar(
        select(func.max(PartnerLevelChange.changed_on)).where(PartnerLevelChange.partner_id == partner.id)
    )
    if latest is not None and on < latest:
        raise DomainError(f"{partner.unit} 最近一次评定在 {latest:%Y-%m-%d},新的评定日期不能更早", field="changed_on")


# Meeting series ------------------------------------------------------------------------------------


@dataclass
class SeriesValues:
    kind: str
    title: str
    rule: str
    dtstart: dt.datetime
    duration_minutes: int
    location: str
    note: str


def check_series(data: SeriesInput) -> SeriesValues:
    p = Problems()
    p.choice("kind", data.kind, MeetingKind, "会议类型")
    title = p.text("title", data.title, "会议名称", max_len=80, required=False)
    if not title and data.kind in KIND_LABELS:
        title = KIND_LABELS[data.kind]
    preset = (data.preset or "").strip() or KIND_PRESETS.get(data.kind, "once")
    rule = ""
    if preset == "custom":
        rule = data.rule.strip()
        if rule.upper().startswith("RRULE:"):
            rule = rule[len("RRULE:"):].strip()
        message = validate_rule(rule)
        if message:
            p.add("rule", message)
        elif len(rule) > 200:
            p.add("rule", "重复规则不能超过 200 个字符")
    elif preset in PRESETS:
        rule = PRESETS[preset]
    elif preset != "once":
        p.add("preset", "重复方式无效")
    day = parse_date(p, "starts_on", data.starts_on, "首次日期")
    at = parse_time(p, "start_time", data.start_time, "开始时间")
    minutes = _int(p, "duration_minutes", data.duration_minutes, "时长(分钟)", 5, 1440)
    location = p.text("location", data.location, "地点", max_len=120, required=False)
    note = p.text("note", data.note, "说明", max_len=2000, required=False)
    p.raise_if_any()
    assert day and at and minutes
    return SeriesValues(data.kind, title, rule, dt.datetime.combine(day, at), minutes, location, note)


async def save_series(db: Database, actor: Actor, pairing_id: int, data: SeriesInput, series_id: int | None = None) -> MeetingSeries:
    """Create a meeting series (preset or any RRULE, or one meeting), or change one (SEQUENCE + 1)."""
    actor.require_organiser()
    values = check_series(data)
    async with db.write() as session:
        pairing = await _pairing(session, pairing_id)
        first, last = _period(pairing)
        if not first <= values.dtstart < last:
            raise DomainError(
                f"首次日期须在结对期内({pairing.starts_on:%Y-%m-%d} 至 {pairing.ends_on:%Y-%m-%d})", field="starts_on"
            )
        if series_id is None:
            series = MeetingSeries(pairing_id=pairing_id, created_by=actor.user_id, sequence=0)
            session.add(series)
        else:
            series = await session.get(MeetingSeries, series_id)
            if series is None or series.pairing_id != pairing_id:
                raise NotFound("会议")
            series.sequence += 1
        for key, value in values.__dict__.items():
            setattr(series, key, value)
        await session.flush()
        verb = "安排" if series_id is None else "修改"
        audit.record(
            session, actor, "meeting_series_save",
            f"{pairing.name} {verb}{KIND_LABELS[values.kind]}「{values.title}」:{rule_label(values.rule)},"
            f"自 {values.dtstart:%Y-%m-%d %H:%M} 起,每次 {values.duration_minutes} 分钟",
            target=f"meeting_series:{series.id}",
        )
    return series


# One occurrence -----------------------------------------------------------------------------------


async def _occurrence(
    session: AsyncSession, series_id: int, original_start: dt.datetime, now: dt.datetime, pairing_id: int | None = None
) -> tuple[Pairing, MeetingSeries, OccurrenceView]:
    """The occurrence the rule gives at ``original_start`` — refused when the rule has no such time
    (or when the series is not the given pairing's)."""
    series = await session.get(MeetingSeries, series_id)
    if series is None or (pairing_id is not None and series.pairing_id != pairing_id):
        raise NotFound("会议")
    pairing = await _pairing(session, series.pairing_id)
    rows = (await _rows_by_series(session, [series_id]))[series_id]
    row = next((r for r in rows if r.original_start == original_start), None)
    base = [o for o in series_occurrences(series, pairing, [], original_start, original_start + dt.timedelta(minutes=1))
            if o.original_start == original_start]
    if not base and row is not None and _recorded(row):  # a recorded meeting the changed rule no longer gives
        base = [_kept(series, row)]
    if not base:
        raise NotFound("会议")
    found = base[0]
    if row is not None:
        begin = row.moved_start or found.start
        finish = row.moved_end or found.end
        found = Occurrence(original_start, begin, finish, row.status == MeetingStatus.CANCELLED, row.moved_start is not None)
    return pairing, series, OccurrenceView(series, found, row, now)


async def get_occurrence(
    db: Database, actor: Actor, series_id: int, original_start: dt.datetime, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> tuple[Pairing, OccurrenceView]:
    actor.require_organiser()
    async with db.read() as session:
        pairing, _, view = await _occurrence(session, series_id, original_start, now or now_local(), pairing_id)
    return pairing, view


def _row_for(view: OccurrenceView, session: AsyncSession, actor: Actor) -> MeetingOccurrence:
    row = view.row
    if row is None:
        row = MeetingOccurrence(
            series_id=view.series.id, original_start=view.occurrence.original_start, status=MeetingStatus.PLANNED,
            cancel_reason="", minutes="", attendance="", outcomes="", sequence=1,  # the first change of it
        )
        session.add(row)
    else:
        row.sequence += 1
    row.recorded_by = actor.user_id
    row.updated_at = dt.datetime.now(dt.UTC)
    return row


async def move_occurrence(
    db: Database, actor: Actor, series_id: int, original_start: dt.datetime, data: MoveInput, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> MeetingOccurrence:
    """Move one occurrence to another day or time; the rest of the series stays."""
    actor.require_organiser()
    p = Problems()
    day = parse_date(p, "day", data.day, "日期")
    begin = parse_time(p, "start_time", data.start_time, "开始时间")
    finish = parse_time(p, "end_time", data.end_time, "结束时间")
    if begin and finish and finish <= begin:
        p.add("end_time", "结束时间须晚于开始时间")
    p.raise_if_any()
    assert day and begin and finish
    start, end = dt.datetime.combine(day, begin), dt.datetime.combine(day, finish)
    async with db.write() as session:
        pairing, series, view = await _occurrence(session, series_id, original_start, now or now_local(), pairing_id)
        if view.status == MeetingStatus.CANCELLED:
            raise DomainError("该次会议已取消,请先恢复再改期")
        if view.status == MeetingStatus.HELD:
            raise DomainError("该次会议已召开,不能改期")
        _within_period(pairing, day)
        row = _row_for(view, session, actor)
        natural = (original_start, original_start + dt.timedelta(minutes=series.duration_minutes))
        row.moved_start, row.moved_end = (None, None) if (start, end) == natural else (start, end)
        audit.record(
            session, actor, "meeting_move",
            f"{pairing.name}「{series.title}」{original_start:%Y-%m-%d %H:%M} 改期至 {start:%Y-%m-%d %H:%M}–{end:%H:%M}",
            target=f"meeting_series:{series.id}",
        )
    return row


async def cancel_occurrence(
    db: Database, actor: Actor, series_id: int, original_start: dt.datetime, reason: str, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> MeetingOccurrence:
    """Cancel one occurrence, with a reason; it stays on calendars marked cancelled."""
    actor.require_organiser()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写取消原因", field="reason")
    if len(reason) > 500:
        raise DomainError("取消原因不能超过 500 个字", field="reason")
    async with db.write() as session:
        pairing, series, view = await _occurrence(session, series_id, original_start, now or now_local(), pairing_id)
        if view.status == MeetingStatus.HELD:
            raise DomainError("该次会议已召开,不能取消")
        if view.status == MeetingStatus.CANCELLED:
            raise DomainError("该次会议已经取消")
        row = _row_for(view, session, actor)
        row.status, row.cancel_reason = MeetingStatus.CANCELLED, reason
        audit.record(
            session, actor, "meeting_cancel", f"{pairing.name}「{series.title}」{original_start:%Y-%m-%d %H:%M} 取消",
            target=f"meeting_series:{series.id}", reason=reason,
        )
    return row


async def restore_occurrence(
    db: Database, actor: Actor, series_id: int, original_start: dt.datetime, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> MeetingOccurrence:
    """Undo a cancellation: the occurrence is planned again (at its moved time, if it was moved)."""
    actor.require_organiser()
    async with db.write() as session:
        pairing, series, view = await _occurrence(session, series_id, original_start, now or now_local(), pairing_id)
        if view.status != MeetingStatus.CANCELLED or view.row is None:
            raise DomainError("该次会议没有取消")
        row = _row_for(view, session, actor)
        row.status, row.cancel_reason = MeetingStatus.PLANNED, ""
        audit.record(
            session, actor, "meeting_restore", f"{pairing.name}「{series.title}」{original_start:%Y-%m-%d %H:%M} 恢复",
            target=f"meeting_series:{series.id}",
        )
    return row


async def record_occurrence(
    db: Database, actor: Actor, series_id: int, original_start: dt.datetime, data: RecordInput, *, now: dt.datetime | None = None, pairing_id: int | None = None
) -> MeetingOccurrence:
    """Minutes, attendance and outcomes of one occurrence; marked held when it took place."""
    actor.require_organiser()
    now = now or now_local()
    p = Problems()
    minutes = p.text("minutes", data.minutes, "会议纪要", max_len=20000, required=False)
    attendance = p.text("attendance", data.attendance, "出席情况", max_len=4000, required=False)
    count = _int(p, "attendee_count", data.attendee_count, "出席人数", 0, 10000, required=False)
    outcomes = p.text("outcomes", data.outcomes, "活动成果", max_len=8000, required=False)
    held = (data.held or "").strip() in ("1", "on", "true", "yes")
    if held and not minutes:
        p.add("minutes", "记录为已召开时请填写会议纪要")
    p.raise_if_any()
    async with db.write() as session:
        pairing, series, view = await _occurrence(session, series_id, original_start, now, pairing_id)
        if view.status == MeetingStatus.CANCELLED:
            raise DomainError("该次会议已取消,不能记录")
        if held and view.occurrence.start > now:
            raise DomainError("会议尚未开始,不能记录为已召开", field="held")
        row = _row_for(view, session, actor)
        row.minutes, row.attendance, row.attendee_count, row.outcomes = minutes, attendance, count, outcomes
        row.status = MeetingStatus.HELD if held else MeetingStatus.PLANNED
        audit.record(
            session, actor, "meeting_record",
            f"{pairing.name}「{series.title}」{view.occurrence.start:%Y-%m-%d %H:%M} "
            + ("记录为已召开" if held else "保存记录(未召开)") + (f",出席 {count} 人" if count is not None else ""),
            target=f"meeting_series:{series.id}",
        )
    return row


# Reports ----------------------------------------------------------------------------------------


@dataclass
class CountRow:
    pairing: Pairing
    by_year: dict[int, int]
    by_kind: dict[str, int]  # kind label -> held, all years

    @property
    def total(self) -> int:
        return sum(self.by_year.values())


@dataclass
class CountReport:
    years: list[int]
    rows: list[CountRow]

    def year_total(self, year: int) -> int:
        return sum(r.by_year.get(year, 0) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


async def activity_counts(db: Database, actor: Actor) -> CountReport:
    """Meetings and activities held per pairing and year ("累计开展各类活动X场次")."""
    actor.require_organiser()
    async with db.read() as session:
        pairings = list((await session.scalars(select(Pairing).order_by(Pairing.starts_on, Pairing.id))).all())
        held = (
            await session.execute(
                select(MeetingSeries.pairing_id, MeetingSeries.kind, MeetingOccurrence.original_start, MeetingOccurrence.moved_start)
                .join(MeetingSeries, MeetingSeries.id == MeetingOccurrence.series_id)
                .where(MeetingOccurrence.status == MeetingStatus.HELD)
            )
        ).all()
    rows = {p.id: CountRow(p, {}, {}) for p in pairings}
    years: set[int] = set()
    for pairing_id, kind, original, moved in held:
        year = (moved or original).year
        years.add(year)
        row = rows[pairing_id]
        row.by_year[year] = row.by_year.get(year, 0) + 1
        label = KIND_LABELS.get(kind, kind)
        row.by_kind[label] = row.by_kind.get(label, 0) + 1
    return CountReport(sorted(years), list(rows.values()))


# Calendar ---------------------------------------------------------------------------------------


def _naive(value: dt.datetime) -> dt.datetime:
    return local(value).replace(tzinfo=None)


def _key_text(moment: dt.datetime) -> str:
    """``occurrence_key`` without strftime (called for every occurrence in a feed)."""
    return "%04d%02d%02dT%02d%02d" % (moment.year, moment.month, moment.day, moment.hour, moment.minute)  # twice as fast as the f-string


# Plain columns, not ORM objects: a feed expands hundreds of series into thousands of
# occurrences, and the identity map and attribute instrumentation cost more than the rest.
_CALENDAR_PAIRINGS = select(Pairing.id, Pairing.name, Pairing.model_unit, Pairing.starts_on, Pairing.ends_on)
_CALENDAR_SERIES = select(
    MeetingSeries.id, MeetingSeries.pairing_id, MeetingSeries.kind, MeetingSeries.title, MeetingSeries.rule,
    MeetingSeries.dtstart, MeetingSeries.duration_minutes, MeetingSeries.location, MeetingSeries.sequence,
).order_by(MeetingSeries.id)
_CALENDAR_OCCURRENCES = select(
    MeetingOccurrence.series_id, MeetingOccurrence.original_start, MeetingOccurrence.moved_start,
    MeetingOccurrence.moved_end, MeetingOccurrence.status, MeetingOccurrence.cancel_reason,
    (MeetingOccurrence.minutes != "").label("has_minutes"), MeetingOccurrence.sequence,
).order_by(MeetingOccurrence.series_id, MeetingOccurrence.original_start)  # a fixed order: part of a series' key
_ITEM_STATUS = {MeetingStatus.CANCELLED: "cancelled", MeetingStatus.HELD: "done"}


MATERIALISED_WINDOW = dt.timedelta(days=62)  # the calendar's views; not a feed's year


async def pairing_calendar_items(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Every meeting occurrence overlapping [start, end), cancelled ones kept (organisers only).

    Status, SEQUENCE and link as ``OccurrenceView`` gives them on the pairing pages."""
    if not actor.is_organiser:
        return []
    window_start, window_end = _naive(start), _naive(end)
    pairings = {
        row.id: row
        for row in (await (await session.connection()).execute(_CALENDAR_PAIRINGS.where(
            Pairing.starts_on <= window_end.date() + dt.timedelta(days=1),
            Pairing.ends_on >= window_start.date() - dt.timedelta(days=1),
        ))).all()
    }
    if not pairings:
        return []
    ids = list(pairings)
    units: dict[int, list[str]] = {}
    for pairing_id, unit in (await (await session.connection()).execute(
        # in a fixed order: the units are part of a materialised series' key (and of its text)
        select(PairingPartner.pairing_id, PairingPartner.unit).where(PairingPartner.pairing_id.in_(ids))
        .order_by(PairingPartner.pairing_id, PairingPartner.position, PairingPartner.id)
    )).all():
        units.setdefault(pairing_id, []).append(unit)
    all_series = (await (await session.connection()).execute(_CALENDAR_SERIES.where(MeetingSeries.pairing_id.in_(ids)))).all()
    rows_by_series: dict[int, list[Any]] = {series.id: [] for series in all_series}
    if all_series:
        for row in (await (await session.connection()).execute(
            _CALENDAR_OCCURRENCES.where(MeetingOccurrence.series_id.in_(list(rows_by_series)))
        )).all():
            rows_by_series[row.series_id].append(row)
    now = now_local()
    # Views (a month with the days around it, a week, the agenda) are materialised; a feed's
    # year-long window is expanded each time, so that the kept items stay a few per entry.
    expand_series = _series_calendar if window_end - window_start <= MATERIALISED_WINDOW else _series_calendar.__wrapped__
    items: list[CalendarItem] = []
    for series in all_series:
        pairing = pairings[series.pairing_id]
        materialised = expand_series(
            series, pairing, tuple(units.get(pairing.id, ())), tuple(rows_by_series[series.id]), window_start, window_end
        )
        for item, due in materialised.items:
            items.append(item if due is None or not due < now else materialised.overdue(item))
    return items


def materialised_clear() -> None:
    """Forget every materialised series (benchmarks measure the calendar without them)."""
    _series_calendar.cache_clear()


class _SeriesCalendar(msgspec.Struct, frozen=True, gc=False):  # strings and items only: never in a cycle
    """A series' occurrences in a window as calendar items, each planned one without minutes
    with the (naive local) time it becomes overdue: the one part that depends on the clock."""

    items: tuple[tuple[CalendarItem, dt.datetime | None], ...]
    about: str

    def overdue(self, item: CalendarItem) -> CalendarItem:
        return msgspec.structs.replace(item, description=f"{self.about}已过会议时间,尚未记录纪要。")


@functools.lru_cache(maxsize=1024)  # series × windows of up to 62 days: some 40 000 items at most (a daily rule)
def _series_calendar(series: Any, pairing: Any, units: tuple[str, ...], rows: tuple[Any, ...],
                     window_start: dt.datetime, window_end: dt.datetime) -> _SeriesCalendar:
    """The occurrences of a series in a window, materialised: the result depends only on the
    rows read (a series, its pairing, partner units and occurrence rows, all plain values) and
    the window, so it is kept under them, and any change to a row is a different key. A month
    viewed again, or by another organiser, expands no rule."""
    kind = "exchange" if series.kind == MeetingKind.EXCHANGE else "pairing_meeting"
    about = f"{pairing.name} · {KIND_LABELS.get(series.kind, '')}。联手单位:{'、'.join(units) or '—'}。"
    title = f"{series.title}({pairing.model_unit})"
    groups = (f"pairing:{pairing.id}",)
    url_prefix = f"/org/pairings/{pairing.id}/series/{series.id}/occurrences/"
    uid_prefix = f"pairing-meeting-{series.id}-"
    location, unit, series_sequence = series.location, pairing.model_unit, series.sequence
    by_original = {r.original_start: r for r in rows}
    # Naive local times made aware by adding their distance from the window's start to the
    # aware start: the same wall-clock value as .replace(tzinfo=SHANGHAI), at a fraction of
    # the cost of a keyword replace for each of a thousand occurrences.
    aware_base = window_start.replace(tzinfo=SHANGHAI)
    items: list[tuple[CalendarItem, dt.datetime | None]] = []
    for occ in series_occurrences(series, pairing, rows, window_start, window_end):  # rows with the same columns
        row = by_original.get(occ.original_start)
        status = settled_status(occ, row)  # overdue is applied later, by the clock (see _SeriesCalendar)
        description = about
        if status == MeetingStatus.CANCELLED and row is not None:
            description += f"已取消:{row.cancel_reason}"
        elif occ.moved:
            description += f"由 {occ.original_start:%Y-%m-%d %H:%M} 改期。"
        due = overdue_from(occ, row)
        key = _key_text(occ.original_start)
        items.append((
            CalendarItem(
                uid=f"{uid_prefix}{key}@zhijia",
                kind=kind,
                title=title,
                start=aware_base + (occ.start - window_start),
                end=aware_base + (occ.end - window_start),
                location=location,
                unit=unit,
                groups=groups,
                status=_ITEM_STATUS.get(status, "confirmed"),
                sequence=series_sequence + (row.sequence if row is not None else 0),
                url=url_prefix + key,
                description=description,
            ),
            due,
        ))
    return _SeriesCalendar(tuple(items), about)


async def counts_xlsx(db: Database, actor: Actor) -> tuple[str, bytes]:
    """The yearly counts report as a workbook."""
    report = await activity_counts(db, actor)
    columns = ["联手结对", "模范职工之家", "结对期"] + [f"{y}年" for y in report.years] + ["累计(场次)", "其中"]
    rows = [
        [r.pairing.name, r.pairing.model_unit, f"{r.pairing.starts_on:%Y-%m-%d} 至 {r.pairing.ends_on:%Y-%m-%d}"]
        + [r.by_year.get(y, 0) for y in report.years]
        + [r.total, "、".join(f"{k}{n}场" for k, n in r.by_kind.items())]
        for r in report.rows
    ]
    rows.append(["合计", "", ""] + [report.year_total(y) for y in report.years] + [report.total, ""])
    sheet = Sheet(title="联手兴家活动统计", columns=columns, rows=rows, heading=(f"“联手兴家”活动开展情况统计(累计开展各类活动{report.total}场次)",))
    return xlsx_filename("联手兴家活动统计"), write_xlsx([sheet])
