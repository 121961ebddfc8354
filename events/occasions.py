"""Member occasions (职工关怀) — seeds/003 篇二 / 篇十五.

The members' archive records each member's birthday ("每位职工在其生日那天都会收到一份温馨的
祝福": flowers and cake on the day); the union visits members for weddings, funerals and illness
(婚、丧、病), and holds 三八 and 五一 activities. Birthdays come from the people archive: a
Gregorian ``birth_date`` (29 February falls on 28 February in common years) or a lunar birthday
(农历, month/day/leap) whose solar date is computed for each year — an RRULE cannot say it.
Other occasions are rows of ``member_occasion``. Each has a reminder: it is due from
``remind_days`` before the day until the day.

Organisers only; the people's occasions are private calendar items (never in feeds as such).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.activity_models import MemberOccasion, OccasionKind
from events.actors import Actor
from events.calendar_items import SHANGHAI, CalendarItem, local
from events.campaigns import parse_date
from events.db import Database
from events.errors import DomainError, NotFound
from events.models import AuditLog, Person, utcnow
from events.validation import Problems, chosen_id, plain_int
from scheduling.recurrence import lunar_dates, lunar_to_solar

KIND_LABELS: dict[str, str] = {
    OccasionKind.BIRTHDAY: "生日",
    OccasionKind.WEDDING: "婚礼",
    OccasionKind.FUNERAL: "丧事",
    OccasionKind.HOSPITAL: "住院探望",
    OccasionKind.WOMENS_DAY: "三八活动",
    OccasionKind.LABOUR_DAY: "五一活动",
    OccasionKind.OTHER: "其他",
}
UNION_KINDS = frozenset({OccasionKind.WOMENS_DAY, OccasionKind.LABOUR_DAY, OccasionKind.OTHER})
BIRTHDAY_REMIND_DAYS = 3  # flowers and cake are ordered a few days ahead
LUNAR_MONTHS = "正二三四五六七八九十冬腊"
LUNAR_DAYS = [
    "初一", "初二", "初三", "初四", "初五", "初六", "初七", "初八", "初九", "初十",
    "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十",
    "廿一", "廿二", "廿三", "廿四", "廿五", "廿六", "廿七", "廿八", "廿九", "三十",
]


def today_local() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def lunar_label(month: int, day: int, leap: bool = False) -> str:
    """农历闰四月初八, 农历腊月廿三 …"""
    return f"农历{'闰' if leap else ''}{LUNAR_MONTHS[month - 1]}月{LUNAR_DAYS[day - 1]}"


def gregorian_birthdays(birth: dt.date, start: dt.date, end: dt.date) -> list[dt.date]:
    """The yearly birthdays in [start, end); 29 February is kept on 28 February in common years."""
    found = []
    for year in range(start.year, end.year + 1):
        try:
            day = birth.replace(year=year)
        except ValueError:
            day = dt.date(year, 2, 28)
        if start <= day < end and year >= birth.year:
            found.append(day)
    return found


# Birthdays ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Birthday:
    person_id: int
    name: str
    unit: str
    on: dt.date
    lunar: str  # "" for a Gregorian birthday, else e.g. 农历八月十五
    age: int | None  # the age reached, when the birth year is known

    @property
    def remind_from(self) -> dt.date:
        return self.on - dt.timedelta(days=BIRTHDAY_REMIND_DAYS)


async def _birthdays(session: AsyncSession, start: dt.date, end: dt.date) -> list[Birthday]:
    rows = (
        await session.execute(
            select(Person.id, Person.name, Person.unit, Person.birth_date, Person.lunar_birth_month,
                   Person.lunar_birth_day, Person.lunar_birth_leap)
            .where(or_(Person.birth_date.is_not(None), Person.lunar_birth_month.is_not(None)))
        )
    ).all()
    found: list[Birthday] = []
    for pid, name, unit, birth, l_month, l_day, l_leap in rows:
        if l_month is not None and l_day is not None:
            days = lunar_dates(l_month, l_day, bool(l_leap), start, end)
            label = lunar_label(l_month, l_day, bool(l_leap))
        elif birth is not None:
            days, label = gregorian_birthdays(birth, start, end), ""
        else:
            continue
        for day in days:
            age = day.year - birth.year if birth is not None and day.year >= birth.year else None
            found.append(Birthday(pid, name, unit, day, label, age))
    found.sort(key=lambda b: (b.on, b.name, b.person_id))
    return found


async def birthdays(db: Database, actor: Actor, start: dt.date, end: dt.date) -> list[Birthday]:
    """Members' birthdays in [start, end) from the archive, Gregorian and lunar, by date."""
    actor.require_organiser()
    if end <= start:
        return []
    async with db.read() as session:
        return await _birthdays(session, start, end)


class LunarBirthdayInput(msgspec.Struct, forbid_unknown_fields=False):
    month: str = ""
    day: str = ""
    leap: str = ""
    clear: str = ""  # "1": back to the Gregorian birthday (an explicit button, never an empty form)


async def set_lunar_birthday(db: Database, actor: Actor, person_id: int, data: LunarBirthdayInput) -> Person:
    """Keep a member's birthday by the lunar calendar; ``clear`` takes it back to the Gregorian
    one. An empty month and day is a form sent too soon, not a wish to clear: refused."""
    actor.require_organiser()
    month_text, day_text = (data.month or "").strip(), (data.day or "").strip()
    leap = (data.leap or "").strip() in ("1", "on", "true", "yes")
    month = day = None
    if not (data.clear or "").strip() == "1":
        p = Problems()
        month = _number(p, "month", month_text, "农历月份", 12)
        day = _number(p, "day", day_text, "农历日期", 30)
        p.raise_if_any()
        assert month and day
        # A leap month that no year 1900–2099 has would never fall; refuse it plainly.
        if leap and not any(_has_leap(year, month) for year in range(1900, 2100)):
            raise DomainError(f"没有闰{LUNAR_MONTHS[month - 1]}月", field="leap")
    async with db.write() as session:
        person = await session.get(Person, person_id)
        if person is None:
            raise NotFound("职工")
        person.lunar_birth_month, person.lunar_birth_day, person.lunar_birth_leap = month, day, bool(month and leap)
        text = lunar_label(month, day, leap) if month and day else "改为公历生日"
        audit.record(session, actor, "person_lunar_birthday", f"{person.name} 生日:{text}", target=f"person:{person.id}")
    return person


def _number(p: Problems, field: str, text: str, label: str, most: int) -> int | None:
    """1…most, or a problem: an empty field asks for it, anything else says the range."""
    if not text:
        p.add(field, f"请填写{label}(1–{most})")
    elif (number := plain_int(text)) is None or not 1 <= number <= most:
        p.add(field, f"{label}应为 1–{most}")
    else:
        return number
    return None


def chosen_person(text: str | None) -> int:
    """The member a form names by id, or a Chinese refusal (never an error from the database)."""
    person_id = chosen_id(text, "person_id", "请选择职工", "职工无效")
    assert person_id is not None
    return person_id


def _has_leap(year: int, month: int) -> bool:
    from lunardate import LunarDate

    return LunarDate.leap_month_for_year(year) == month


# Other occasions -------------------------------------------------------------------------------


class OccasionInput(msgspec.Struct, forbid_unknown_fields=False):
    person_id: str = ""
    kind: str = OccasionKind.HOSPITAL.value
    title: str = ""
    occurs_on: str = ""
    at_time: str = ""
    location: str = ""
    note: str = ""
    remind_days: str = "3"


@dataclass
class OccasionView:
    occasion: MemberOccasion
    person_name: str
    person_unit: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.occasion.kind, self.occasion.kind)

    @property
    def title(self) -> str:
        o = self.occasion
        if o.title:
            return o.title if not self.person_name else f"{self.person_name} {o.title}"
        return f"{self.person_name} {self.kind_label}"

    @property
    def remind_from(self) -> dt.date:
        return self.occasion.occurs_on - dt.timedelta(days=self.occasion.remind_days)

    @property
    def cancelled(self) -> bool:
        return self.occasion.cancelled_at is not None


async def list_occasions(db: Database, actor: Actor, start: dt.date, end: dt.date) -> list[OccasionView]:
    actor.require_organiser()
    async with db.read() as session:
        return await _occasions(session, start, end)


async def _occasions(session: AsyncSession, start: dt.date, end: dt.date) -> list[OccasionView]:
    rows = (
        await session.execute(
            select(MemberOccasion, Person.name, Person.unit)
            .outerjoin(Person, Person.id == MemberOccasion.person_id)
            .where(MemberOccasion.occurs_on >= start, MemberOccasion.occurs_on < end)
            .order_by(MemberOccasion.occurs_on, MemberOccasion.at_time, MemberOccasion.id)
        )
    ).all()
    return [OccasionView(o, name or "", unit or "") for o, name, unit in rows]


async def get_occasion(db: Database, actor: Actor, occasion_id: int) -> OccasionView:
    actor.require_organiser()
    async with db.read() as session:
        row = (
            await session.execute(
                select(MemberOccasion, Person.name, Person.unit)
                .outerjoin(Person, Person.id == MemberOccasion.person_id)
                .where(MemberOccasion.id == occasion_id)
            )
        ).first()
    if row is None:
        raise NotFound("关怀事项")
    return OccasionView(row[0], row[1] or "", row[2] or "")


async def save_occasion(db: Database, actor: Actor, data: OccasionInput, occasion_id: int | None = None) -> MemberOccasion:
    """Add or change an occasion (wedding, funeral, hospital visit, 三八/五一 activity …)."""
    actor.require_organiser()
    p = Problems()
    p.choice("kind", data.kind, OccasionKind, "类别")
    title = p.text("title", data.title, "事由", max_len=80, required=False)
    on = parse_date(p, "occurs_on", data.occurs_on, "日期")
    at: dt.time | None = None
    if (data.at_time or "").strip():
        try:
            at = dt.time.fromisoformat(data.at_time.strip()).replace(second=0, microsecond=0)
        except ValueError:
            p.add("at_time", "时间格式不正确(例如 14:30)")
    location = p.text("location", data.location, "地点", max_len=120, required=False)
    note = p.text("note", data.note, "备注", max_len=2000, required=False)
    remind = (data.remind_days or "").strip() or "0"
    if (days := plain_int(remind)) is None or not 0 <= days <= 60:
        p.add("remind_days", "提前提醒天数应为 0–60")
    person_id = None
    if (data.person_id or "").strip():
        try:
            person_id = chosen_person(data.person_id)
        except DomainError as refused:
            p.add("person_id", refused.message)
    if person_id is None and data.kind not in UNION_KINDS:
        p.add("person_id", f"{KIND_LABELS.get(data.kind, '该类')}须选择职工")
    if person_id is None and not title and data.kind in UNION_KINDS:
        p.add("title", "全体活动请填写活动名称")
    p.raise_if_any()
    assert on
    async with db.write() as session:
        person = None
        if person_id is not None:
            person = await session.get(Person, person_id)
            if person is None:
                raise DomainError("找不到该职工", field="person_id")
        if occasion_id is None:
            occasion = MemberOccasion(created_by=actor.user_id, sequence=0)
            session.add(occasion)
        else:
            occasion = await session.get(MemberOccasion, occasion_id)
            if occasion is None:
                raise NotFound("关怀事项")
            occasion.sequence += 1
        occasion.person_id, occasion.kind, occasion.title, occasion.occurs_on = person_id, data.kind, title, on
        occasion.at_time, occasion.location, occasion.note, occasion.remind_days = at, location, note, int(remind)
        await session.flush()
        who = person.name if person else "全体"
        verb = "登记" if occasion_id is None else "修改"
        audit.record(
            session, actor, "occasion_save", f"{verb}{KIND_LABELS[data.kind]}:{who} {title} {on:%Y-%m-%d}".replace("  ", " "),
            target=f"occasion:{occasion.id}",
        )
    return occasion


async def cancel_occasion(db: Database, actor: Actor, occasion_id: int) -> None:
    """Cancel an occasion. It is kept and marked, not deleted: a phone calendar subscribed to the
    feed then shows it cancelled (STATUS:CANCELLED, SEQUENCE raised) instead of losing it."""
    actor.require_organiser()
    async with db.write() as session:
        occasion = await session.get(MemberOccasion, occasion_id)
        if occasion is None:
            raise NotFound("关怀事项")
        if occasion.cancelled_at is not None:
            return
        occasion.cancelled_at = utcnow()
        occasion.sequence += 1
        audit.record(
            session, actor, "occasion_cancel", f"取消{KIND_LABELS.get(occasion.kind, '')} {occasion.occurs_on:%Y-%m-%d}",
            target=f"occasion:{occasion_id}",
        )


# Reminders ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    on: dt.date
    title: str
    kind_label: str
    days_left: int
    url: str


async def reminders(db: Database, actor: Actor, *, today: dt.date | None = None) -> list[Reminder]:
    """What is due now: each occasion from ``remind_days`` before its day until the day itself."""
    actor.require_organiser()
    today = today or today_local()
    async with db.read() as session:
        found = [
            Reminder(b.on, f"{b.name} 生日" + (f"({b.lunar})" if b.lunar else ""), "生日", (b.on - today).days, "/org/occasions")
            for b in await _birthdays(session, today, today + dt.timedelta(days=BIRTHDAY_REMIND_DAYS + 1))
        ]
        for view in await _occasions(session, today, today + dt.timedelta(days=61)):
            if view.remind_from <= today and not view.cancelled:
                found.append(
                    Reminder(view.occasion.occurs_on, view.title, view.kind_label, (view.occasion.occurs_on - today).days,
                             f"/org/occasions/{view.occasion.id}")
                )
    found.sort(key=lambda r: (r.on, r.title))
    return found


# Calendar ------------------------------------------------------------------------------------------


def _day(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time(0), tzinfo=SHANGHAI)


async def _person_sequences(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, int]:
    if not person_ids:
        return {}
    targets = [f"person:{pid}" for pid in person_ids]
    rows = await session.execute(
        select(AuditLog.target, func.count()).where(AuditLog.target.in_(targets)).group_by(AuditLog.target)
    )
    return {int(target.split(":")[1]): count for target, count in rows.all()}


async def occasion_calendar_items(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Birthdays (all-day) and occasions overlapping [start, end); a member's are private (organisers only)."""
    if not actor.is_organiser:
        return []
    first = local(start).date() - dt.timedelta(days=1)
    last = local(end).date() + dt.timedelta(days=1)
    items: list[CalendarItem] = []
    born = await _birthdays(session, first, last)
    sequences = await _person_sequences(session, sorted({b.person_id for b in born}))
    for b in born:
        items.append(
            CalendarItem(
                uid=f"birthday-{b.person_id}-{b.on:%Y}@zhijia", kind="occasion",
                title=f"{b.name} 生日" + (f"({b.lunar})" if b.lunar else ""),
                start=_day(b.on), end=_day(b.on + dt.timedelta(days=1)), all_day=True, unit=b.unit,
                people=(b.person_id,), sequence=sequences.get(b.person_id, 0), url="/org/occasions", private=True,
                description="送鲜花和蛋糕,致生日祝福。",
            )
        )
    for view in await _occasions(session, first, last):
        o = view.occasion
        if o.at_time is None:
            begin, finish, all_day = _day(o.occurs_on), _day(o.occurs_on + dt.timedelta(days=1)), True
        else:
            begin = dt.datetime.combine(o.occurs_on, o.at_time, tzinfo=SHANGHAI)
            finish, all_day = begin + dt.timedelta(hours=1), False
        items.append(
            CalendarItem(
                uid=f"occasion-{o.id}@zhijia", kind="occasion", title=view.title,
                start=begin, end=finish, all_day=all_day, location=o.location, unit=view.person_unit,
                people=(o.person_id,) if o.person_id else (), sequence=o.sequence, url=f"/org/occasions/{o.id}",
                private=o.person_id is not None, description=o.note,
                status="cancelled" if view.cancelled else "confirmed",
            )
        )
    return [i for i in items if i.start < end and (i.end or i.start) > start]


def solar_birthday_this_year(month: int, day: int, leap: bool, year: int) -> dt.date:
    return lunar_to_solar(year, month, day, leap)


async def people_choices(db: Database, actor: Actor) -> list[tuple[int, str, str, str]]:
    """(id, name, unit, employee no) of the archive, for choosing whose occasion it is."""
    actor.require_organiser()
    async with db.read() as session:
        rows = await session.execute(select(Person.id, Person.name, Person.unit, Person.employee_no).order_by(Person.unit, Person.employee_no))
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]
