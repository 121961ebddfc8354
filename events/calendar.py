"""The shared calendar: every source's items for a window, filtered, checked for double bookings.

Sources are plain functions ``async def <x>_calendar_items(session, actor, start, end)``
returning ``CalendarItem`` values that overlap [start, end) (aware Asia/Shanghai datetimes).
``SOURCES`` lists them; a module that owns dated rows adds its function there. The sources here
are the meets (their days, and the close of registration for organisers and team leaders) and
the festival visit campaigns (the campaign's dates and 公示 period, each visit group's outing
with its time and assembly point — never a beneficiary's name, address or telephone).

Who sees what (``visible``): organisers everything; everyone else never a private item (one
that carries personal or union-internal details); the anonymous public only the meets' public
items; a non-public item that belongs to teams only the leaders of those teams.

SEQUENCE (RFC 5545) of the rows here comes from the audit log: every change of a meet, a
campaign or a visit group writes one audit row with the row as its target, so the number of
those rows only grows, and grows with each edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import Select, String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from events.actors import Actor
from events.calendar_items import SHANGHAI, CalendarItem, local
from events.db import Database
from events.models import AuditLog, Beneficiary, Campaign, Meet, Person, VisitGroup, VisitGroupMember
from events.occasions import occasion_calendar_items
from events.pairings import pairing_calendar_items
from events.timetable import timetable_calendar_items
from scheduling.overlaps import Booking, first_clashes

Source = Callable[[AsyncSession, Actor, dt.datetime, dt.datetime], Awaitable[list[CalendarItem]]]

KIND_LABELS: dict[str, str] = {
    "meet": "运动会",
    "registration": "报名截止",
    "match": "比赛场次",
    "heat": "径赛分组",
    "round": "比赛轮次",
    "ceremony": "仪式",
    "campaign": "节日慰问",
    "visit": "慰问走访",
    "pairing_meeting": "联手兴家",
    "exchange": "交流展示",
    "occasion": "职工关怀",
}
OTHER_KIND = "其他"
PUBLIC_KINDS = frozenset({"meet", "match", "heat", "round", "ceremony"})
VISIT_HOURS = 3  # a visit group's outing, when only its start is known: half a day
WARNING_LIMIT = 50


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, OTHER_KIND)


# Helpers for sources ----------------------------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)


def overlaps(item: CalendarItem, start: dt.datetime, end: dt.datetime) -> bool:
    """Half-open overlap with [start, end); an item without an end is an instant."""
    item_end = item.end or item.start
    if item_end <= item.start:
        return start <= item.start < end
    return item.start < end and item_end > start


async def audit_sequences(session: AsyncSession, targets: Iterable[str]) -> dict[str, int]:
    """How many audit rows name each target: grows with every change (the item's SEQUENCE)."""
    wanted = sorted(set(targets))
    counts: dict[str, int] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk : chunk + 500]
        rows = await (await session.connection()).execute(
            select(AuditLog.target, func.count()).where(AuditLog.target.in_(part)).group_by(AuditLog.target)
        )
        counts.update({target: count for target, count in rows.all()})
    return counts


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


# Meets ------------------------------------------------------------------------------------------


async def meet_calendar_items(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Each day of each meet as an all-day item; the close of registration for organisers and leaders."""
    first, last = local(start).date(), local(end).date()
    meets = (
        await session.scalars(
            select(Meet).where(
                ((Meet.starts_on <= last) & (Meet.ends_on >= first - dt.timedelta(days=1)))
                | ((Meet.registration_closes >= first - dt.timedelta(days=1)) & (Meet.registration_closes <= last))
            )
        )
    ).all()
    sequences = await audit_sequences(session, (f"meet:{m.id}" for m in meets))
    show_deadline = actor.is_organiser or actor.is_leader
    items: list[CalendarItem] = []
    for meet in meets:
        sequence = sequences.get(f"meet:{meet.id}", 0)
        days = list(_days(meet.starts_on, meet.ends_on))
        for number, day in enumerate(days, start=1):
            title = meet.name if len(days) == 1 else f"{meet.name}(第{number}天)"
            items.append(
                CalendarItem(
                    uid=f"meet-{meet.id}-day-{day:%Y%m%d}@zhijia", kind="meet", title=title,
                    start=day_start(day), end=day_start(day + dt.timedelta(days=1)), all_day=True,
                    location=meet.location, sequence=sequence, url=f"/meets/{meet.id}",
                    description=f"{meet.host}主办" if meet.host else "",
                )
            )
        if show_deadline:
            day = meet.registration_closes
            url = f"/org/meets/{meet.id}/entries" if actor.is_organiser else f"/teams/{actor.team_id}/entries"
            items.append(
                CalendarItem(
                    uid=f"meet-{meet.id}-registration-close@zhijia", kind="registration",
                    title=f"{meet.name} 报名截止", start=day_start(day), end=day_start(day + dt.timedelta(days=1)),
                    all_day=True, sequence=sequence, url=url,
                    description=f"报名时间 {meet.registration_opens:%Y-%m-%d} 至 {meet.registration_closes:%Y-%m-%d}(含当日)",
                )
            )
    return [item for item in items if overlaps(item, start, end)]


# Festival visit campaigns -------------------------------------------------------------------------


async def _member_people(session: AsyncSession, window_groups: Select[tuple[int]]) -> dict[int, tuple[int, ...]]:
    """The archived people in the given visit groups: person ids by group id (members from
    outside the archive take part too, but cannot be checked for double bookings)."""
    found: dict[int, list[int]] = {}
    for group_id, person_id in (await (await session.connection()).execute(
        select(VisitGroupMember.group_id, VisitGroupMember.person_id)
        .where(VisitGroupMember.group_id.in_(window_groups), VisitGroupMember.person_id.is_not(None))
    )).all():
        found.setdefault(group_id, []).append(person_id)
    return {group_id: tuple(sorted(ids)) for group_id, ids in found.items()}


async def campaign_calendar_items(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Campaign dates, 公示 periods and visit group outings (organisers only: campaigns are private).

    Plain columns, not ORM objects: a busy month has hundreds of outings."""
    if not actor.is_organiser:
        return []
    first, last = local(start).date(), local(end).date()
    campaigns = (
        await (await session.connection()).execute(
            select(Campaign.id, Campaign.name, Campaign.festival, Campaign.host, Campaign.starts_on, Campaign.ends_on,
                   Campaign.notice_starts_on, Campaign.notice_ends_on).where(
                ((Campaign.starts_on <= last) & (Campaign.ends_on >= first - dt.timedelta(days=1)))
                | ((Campaign.notice_starts_on <= last) & (Campaign.notice_ends_on >= first - dt.timedelta(days=1)))
            )
        )
    ).all()
    in_window = (VisitGroup.visit_on >= first - dt.timedelta(days=1)) & (VisitGroup.visit_on <= last)
    groups = (
        await (await session.connection()).execute(
            select(VisitGroup.id, VisitGroup.campaign_id, VisitGroup.name, VisitGroup.area, VisitGroup.leader,
                   VisitGroup.visit_on, VisitGroup.starts_at, VisitGroup.gathers_at, VisitGroup.assembly_point,
                   VisitGroup.cancelled_at,
                   Campaign.name.label("campaign_name"))
            .join(Campaign, Campaign.id == VisitGroup.campaign_id)
            .where(in_window)
        )
    ).all()
    people: dict[int, tuple[int, ...]] = {}
    households: dict[int, int] = {}
    group_sequences: dict[int, int] = {}
    if groups:
        # The window's groups as a sub-select, not a list of ids: a busy month has a thousand
        # groups, and as many bound parameters cost more to compile and send than the rows.
        window_groups = select(VisitGroup.id).where(in_window)
        people = await _member_people(session, window_groups)
        households = dict((await (await session.connection()).execute(  # type: ignore[arg-type]
            select(Beneficiary.group_id, func.count()).where(Beneficiary.group_id.in_(window_groups)).group_by(Beneficiary.group_id)
        )).all())
        # SEQUENCE as audit_sequences counts it (rows targeting "visit_group:<id>"), joined in SQL
        group_sequences = dict((await (await session.connection()).execute(  # type: ignore[arg-type]
            select(VisitGroup.id, func.count())
            .join(AuditLog, AuditLog.target == literal("visit_group:", String) + cast(VisitGroup.id, String))
            .where(in_window).group_by(VisitGroup.id)
        )).all())
    sequences = await audit_sequences(session, [f"campaign:{c.id}" for c in campaigns])
    items: list[CalendarItem] = []
    for campaign in campaigns:
        sequence = sequences.get(f"campaign:{campaign.id}", 0)
        items.append(
            CalendarItem(
                uid=f"campaign-{campaign.id}@zhijia", kind="campaign", title=campaign.name,
                start=day_start(campaign.starts_on), end=day_start(campaign.ends_on + dt.timedelta(days=1)),
                all_day=True, unit=campaign.host, groups=(f"campaign:{campaign.id}",), sequence=sequence,
                url=f"/org/campaigns/{campaign.id}", private=True, description=f"{campaign.festival}慰问",
            )
        )
        if campaign.notice_starts_on and campaign.notice_ends_on:
            items.append(
                CalendarItem(
                    uid=f"campaign-{campaign.id}-notice@zhijia", kind="campaign", title=f"{campaign.name} 公示期",
                    start=day_start(campaign.notice_starts_on),
                    end=day_start(campaign.notice_ends_on + dt.timedelta(days=1)), all_day=True, unit=campaign.host,
                    groups=(f"campaign:{campaign.id}",), sequence=sequence,
                    url=f"/org/campaigns/{campaign.id}/notice", private=True,
                )
            )
    visit_length = dt.timedelta(hours=VISIT_HOURS)
    one_day = dt.timedelta(days=1)
    # A month's outings share a few dozen days and start times: their aware datetimes and
    # "出发 08:00。" texts are made once per distinct value, not once per outing.
    spans: dict[tuple[dt.date, dt.time | None], tuple[dt.datetime, dt.datetime, bool]] = {}
    departures: dict[dt.time | None, str] = {None: ""}
    # unpacked by position: a thousand rows, and a Row's attribute lookup costs more than the rest
    for (group_id, campaign_id, name, area, leader, visit_on, starts_at, gathers_at, assembly_point, cancelled_at,
         campaign_name) in groups:
        begins = gathers_at or starts_at
        span = spans.get((visit_on, begins))
        if span is None:
            if begins is None:
                span = (day_start(visit_on), day_start(visit_on + one_day), True)
            else:
                at = dt.datetime.combine(visit_on, begins, tzinfo=SHANGHAI)
                span = (at, at + visit_length, False)
            spans[visit_on, begins] = span
        departure = departures.get(starts_at)
        if departure is None:
            departure = departures[starts_at] = f"出发 {starts_at.hour:02d}:{starts_at.minute:02d}。"
        title = f"{campaign_name} {name}走访({area})" if area else f"{campaign_name} {name}走访"
        description = f"{f'带队:{leader}。' if leader else ''}{departure}走访 {households.get(group_id, 0)} 户。"
        items.append(
            CalendarItem(
                uid=f"visit-group-{group_id}@zhijia", kind="visit", title=title, start=span[0], end=span[1],
                all_day=span[2], location=assembly_point, people=people.get(group_id, ()),
                groups=(f"visit_group:{group_id}",), sequence=group_sequences.get(group_id, 0),
                url=f"/org/campaigns/{campaign_id}#groups", private=True, description=description,
                status="confirmed" if cancelled_at is None else "cancelled",  # a cancelled group is kept, marked
            )
        )
    return [item for item in items if overlaps(item, start, end)]


SOURCES: list[Source] = [
    meet_calendar_items,
    campaign_calendar_items,
    pairing_calendar_items,
    occasion_calendar_items,
    timetable_calendar_items,
]


# Visibility, filters, warnings --------------------------------------------------------------------


def visible(item: CalendarItem, actor: Actor) -> bool:
    if actor.is_organiser:
        return True
    if item.private:
        return False
    if actor.is_anonymous:
        return item.kind in PUBLIC_KINDS
    teams = [g for g in item.groups if g.startswith("team:")]
    if teams and item.kind not in PUBLIC_KINDS:
        return actor.is_leader and f"team:{actor.team_id}" in teams
    return True


class Filters(msgspec.Struct, frozen=True):
    kinds: tuple[str, ...] = ()  # empty: every kind
    unit: str = ""
    person_id: int | None = None

    def keeps(self, item: CalendarItem) -> bool:
        if self.kinds and item.kind not in self.kinds:
            return False
        if self.unit and item.unit != self.unit:
            return False
        return self.person_id is None or self.person_id in item.people


class DoubleBooking(msgspec.Struct, frozen=True):
    first: CalendarItem
    second: CalendarItem
    message: str  # Chinese: who is booked twice


@dataclass
class CalendarView:
    start: dt.datetime
    end: dt.datetime
    filters: Filters
    items: list[CalendarItem]  # visible, filtered, sorted by start
    warnings: list[DoubleBooking]
    kinds: list[str]  # the kinds present in the window (before filtering), for the legend
    units: list[str]
    person_name: str = ""
    more_warnings: int = 0
    names: dict[int, str] = field(default_factory=dict)  # everyone in the window's items, for the person filter


def sort_key(item: CalendarItem) -> tuple[dt.datetime, bool, str, str]:
    return (item.start, not item.all_day, item.title, item.uid)


async def collect(session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime) -> list[CalendarItem]:
    """Every source's items the actor may see in [start, end), sorted; a uid given twice is kept once."""
    seen: dict[str, CalendarItem] = {}
    sees_all = actor.is_organiser  # asked once, not for each of a month's thousands of items
    for source in SOURCES:
        for item in await source(session, actor, start, end):
            if (sees_all or visible(item, actor)) and overlaps(item, start, end):
                seen.setdefault(item.uid, item)
    return sorted(seen.values(), key=sort_key)


GROUP_LABELS = {"visit_group": "慰问小组", "pairing": "结对单位", "team": "代表队", "campaign": "慰问活动"}


def _warning_text(clash_people: Sequence[int], clash_groups: Sequence[str], names: dict[int, str]) -> str:
    who = [names.get(pid, f"职工#{pid}") for pid in clash_people]
    who += [GROUP_LABELS.get(key.split(":", 1)[0], "同一小组") for key in clash_groups if key.split(":", 1)[0] != "team"]
    return "、".join(dict.fromkeys(who))


def double_bookings(
    items: Sequence[CalendarItem], limit: int | None = None, among: Collection[str] | None = None
) -> tuple[list[tuple[CalendarItem, CalendarItem, tuple[int, ...], tuple[str, ...]]], int]:
    """Overlapping timed items that share a person or a group: the first ``limit`` pairs (all
    when None) — of those with an item in ``among`` when given — and how many there are.

    All-day items mark a day, not a place one has to be, and cancelled ones take nobody's time;
    a team (``team:``) may be in two places at once through different members, so only people
    and other groups count."""
    by_uid = {item.uid: item for item in items}
    # Many items carry the same groups (all the occurrences of a meeting series): each distinct
    # tuple has its teams left out once.
    without_teams: dict[tuple[str, ...], tuple[str, ...]] = {}
    bookings = []
    for item in items:
        if item.all_day or item.status == "cancelled" or not (item.people or item.groups):
            continue
        groups = without_teams.get(item.groups)
        if groups is None:
            groups = without_teams[item.groups] = tuple(g for g in item.groups if not g.startswith("team:"))
        bookings.append(Booking(item.uid, item.start, item.end or item.start, item.people, groups, item.checked))
    found, total = first_clashes(bookings, limit, among)
    return [(by_uid[c.first], by_uid[c.second], c.people, c.groups) for c in found], total


async def _names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {pid: name for pid, name in rows.all()}


async def calendar_view(
    session: AsyncSession, actor: Actor, start: dt.datetime, end: dt.datetime, filters: Filters | None = None
) -> CalendarView:
    """The items of [start, end) the actor may see, filtered; double-booking warnings for the shown ones."""
    filters = filters or Filters()
    start, end = local(start), local(end)
    everything = await collect(session, actor, start, end)
    shown = [item for item in everything if filters.keeps(item)]
    # warnings for the items shown, each naming what the other one is even when filtered out
    among = None if len(shown) == len(everything) else {item.uid for item in shown}
    found, total = double_bookings(everything, WARNING_LIMIT, among)
    wanted_names = {pid for item in everything for pid in item.people}
    if filters.person_id is not None:
        wanted_names.add(filters.person_id)
    names = await _names(session, wanted_names)
    warnings = [
        DoubleBooking(first, second, f"{_warning_text(people, groups, names)}同时安排在「{first.title}」和「{second.title}」")
        for first, second, people, groups in found
    ]
    return CalendarView(
        start=start, end=end, filters=filters, items=shown, warnings=warnings,
        kinds=sorted({item.kind for item in everything}, key=lambda k: (k not in KIND_LABELS, list(KIND_LABELS).index(k) if k in KIND_LABELS else 0, k)),
        units=sorted({item.unit for item in everything if item.unit}),
        person_name=names.get(filters.person_id, "") if filters.person_id is not None else "",
        more_warnings=total - len(found), names=names,
    )


async def due_this_week(session: AsyncSession, actor: Actor, today: dt.date) -> list[CalendarItem]:
    """What the actor has in the seven days from ``today`` (for each role's home page)."""
    start = day_start(today)
    return await collect(session, actor, start, start + dt.timedelta(days=7))


# Services for the web layer (one read transaction each) ------------------------------------------


async def view(db: Database, actor: Actor, start: dt.datetime, end: dt.datetime, filters: Filters | None = None) -> CalendarView:
    async with db.read() as session:
        return await calendar_view(session, actor, start, end, filters)


async def this_week(db: Database, actor: Actor, today: dt.date) -> list[CalendarItem]:
    async with db.read() as session:
        return await due_this_week(session, actor, today)
