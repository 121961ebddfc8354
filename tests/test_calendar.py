"""The shared calendar (events/calendar.py) on SQLite and PostgreSQL, with the demo meet and the
demo campaign 2027年春节慰问: sources, visibility by role, filters, double-booking warnings and
the week list of each role's home page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from events import calendar, meets, people, visit_groups
from events.actors import ANONYMOUS
from events.calendar import Filters, calendar_view, due_this_week, visible
from events.calendar_items import SHANGHAI, CalendarItem
from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.models import Campaign, Meet, Person, VisitGroup, VisitGroupMember
from events.schemas import PersonInput
from events.visit_groups import GroupInput, MemberInput
from tests.support import LEADER, ORGANISER, OTHER_LEADER, REFEREE, DemoMeet

FEB_2027 = (dt.datetime(2027, 1, 25, tzinfo=SHANGHAI), dt.datetime(2027, 3, 8, tzinfo=SHANGHAI))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


async def _meet(db: Database, demo: DemoMeet) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    return meet


async def _campaign(db: Database) -> Campaign:
    async with db.read() as session:
        campaign = await session.scalar(select(Campaign).where(Campaign.name == DEMO_CAMPAIGN_NAME))
    assert campaign is not None
    return campaign


def _window(meet: Meet) -> tuple[dt.datetime, dt.datetime]:
    first = min(meet.registration_opens, meet.starts_on)
    return calendar.day_start(first - dt.timedelta(days=3)), calendar.day_start(meet.ends_on + dt.timedelta(days=3))


async def test_meet_days_are_all_day_items_and_registration_close_is_for_organisers_and_leaders(demo_db: Database, demo: DemoMeet) -> None:
    meet = await _meet(demo_db, demo)
    start, end = _window(meet)
    by_role = {}
    for name, actor in [("organiser", demo.actor(ORGANISER)), ("leader", demo.actor(LEADER)),
                        ("referee", demo.actor(REFEREE)), ("anonymous", ANONYMOUS)]:
        async with demo_db.read() as session:
            by_role[name] = (await calendar_view(session, actor, start, end)).items
    days = [i for i in by_role["anonymous"] if i.kind == "meet"]
    assert [(i.start.date(), i.all_day, i.end - i.start) for i in days] == [
        (meet.starts_on, True, dt.timedelta(days=1)), (meet.ends_on, True, dt.timedelta(days=1))
    ]
    assert [i.title for i in days] == [f"{meet.name}(第1天)", f"{meet.name}(第2天)"]
    closes = [i for i in by_role["organiser"] if i.kind == "registration"]
    assert [(i.start.date(), i.title) for i in closes] == [(meet.registration_closes, f"{meet.name} 报名截止")]
    assert any(i.kind == "registration" for i in by_role["leader"])
    assert {i.kind for i in by_role["referee"]} == {"meet"}
    assert {i.kind for i in by_role["anonymous"]} == {"meet"}
    leader_close = next(i for i in by_role["leader"] if i.kind == "registration")
    assert leader_close.url == f"/teams/{demo.team_of(LEADER)}/entries"


async def test_visit_groups_show_their_outing_and_no_beneficiary_details(demo_db: Database, demo: DemoMeet) -> None:
    async with demo_db.read() as session:
        view = await calendar_view(session, demo.actor(ORGANISER), *FEB_2027)
    visits = [i for i in view.items if i.kind == "visit"]
    assert [(i.title, i.start, i.location) for i in visits] == [
        ("2027年春节慰问 第一组走访(东城片区)", at(2027, 2, 1, 9, 45), "公司办公楼一楼大堂"),
        ("2027年春节慰问 第二组走访(西城片区)", at(2027, 2, 1, 9, 45), "公司办公楼一楼大堂"),
    ]
    assert all(i.private and "走访 3 户" in i.description for i in visits)
    campaign = await _campaign(demo_db)
    spans = [i for i in view.items if i.kind == "campaign"]
    assert (spans[0].start.date(), spans[0].end.date()) == (campaign.starts_on, campaign.ends_on + dt.timedelta(days=1))
    text = repr(view.items)
    for private in ("周秀兰", "马建军", "13800001111", "西城区老厂宿舍", "110101198001010018", "尿毒症"):
        assert private not in text


@pytest.mark.parametrize("username", [LEADER, REFEREE, None])
async def test_campaigns_and_visits_are_for_organisers_only(demo_db: Database, demo: DemoMeet, username: str | None) -> None:
    actor = demo.actor(username) if username else ANONYMOUS
    async with demo_db.read() as session:
        view = await calendar_view(session, actor, *FEB_2027)
    assert [i for i in view.items if i.kind in ("campaign", "visit")] == []


def test_visibility_rules_by_role(demo: DemoMeet) -> None:
    base = dict(start=at(2027, 3, 1, 9), end=at(2027, 3, 1, 10))
    public_meet = CalendarItem(uid="a", kind="meet", title="运动会", **base)
    private = CalendarItem(uid="b", kind="occasion", title="生日", private=True, **base)
    union = CalendarItem(uid="c", kind="pairing_meeting", title="月会办", **base)
    own_team = demo.team_of(LEADER)
    team_item = CalendarItem(uid="d", kind="pairing_meeting", title="队务会", groups=(f"team:{own_team}",), **base)
    organiser, leader, other, referee = (demo.actor(u) for u in (ORGANISER, LEADER, OTHER_LEADER, REFEREE))
    assert all(visible(i, organiser) for i in (public_meet, private, union, team_item))
    assert [visible(i, ANONYMOUS) for i in (public_meet, private, union, team_item)] == [True, False, False, False]
    assert [visible(i, leader) for i in (public_meet, private, union, team_item)] == [True, False, True, True]
    assert [visible(i, other) for i in (public_meet, private, union, team_item)] == [True, False, True, False]
    assert [visible(i, referee) for i in (public_meet, private, union, team_item)] == [True, False, True, False]


async def _add_group(db: Database, demo: DemoMeet, name: str, day: str, gathers: str, members: list[tuple[str, str]]) -> VisitGroup:
    campaign = await _campaign(db)
    organiser = demo.actor(ORGANISER)
    group = await visit_groups.save_group(
        db, organiser, campaign.id, GroupInput(name=name, area="南城片区", visit_on=day, gathers_at=gathers, starts_at=gathers)
    )
    for member, unit in members:
        await visit_groups.add_member(db, organiser, campaign.id, group.id, MemberInput(name=member, unit=unit))
    return group


async def _a_person(db: Database) -> Person:
    async with db.read() as session:
        person = await session.scalar(select(Person).order_by(Person.id).limit(1))
    assert person is not None
    return person


async def test_the_same_person_in_two_overlapping_visits_is_warned_about(demo_db: Database, demo: DemoMeet) -> None:
    person = await _a_person(demo_db)
    await _add_group(demo_db, demo, "第三组", "2027-02-02", "09:00", [(person.name, person.unit)])
    await _add_group(demo_db, demo, "第四组", "2027-02-02", "11:00", [(person.name, person.unit)])
    await _add_group(demo_db, demo, "第五组", "2027-02-02", "12:00", [(person.name, person.unit)])  # after 第三组 ends
    async with demo_db.read() as session:
        view = await calendar_view(session, demo.actor(ORGANISER), *FEB_2027)
    pairs = [(w.first.title[-10:], w.second.title[-10:]) for w in view.warnings]
    assert pairs == [("2027年春节慰问 第三组走访(南城片区)"[-10:], "2027年春节慰问 第四组走访(南城片区)"[-10:]),
                     ("2027年春节慰问 第四组走访(南城片区)"[-10:], "2027年春节慰问 第五组走访(南城片区)"[-10:])]
    assert all(w.message.startswith(person.name) for w in view.warnings)
    # the person filter shows just their items, with their name
    async with demo_db.read() as session:
        mine = await calendar_view(session, demo.actor(ORGANISER), *FEB_2027, Filters(person_id=person.id))
    assert len(mine.items) == 3 and mine.person_name == person.name and len(mine.warnings) == 2


async def test_a_member_written_down_before_joining_the_archive_is_checked_once_archived(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    await _add_group(demo_db, demo, "第三组", "2027-02-02", "09:00", [("新来的", "工会办公室"), ("外聘司机", "")])
    await _add_group(demo_db, demo, "第四组", "2027-02-02", "10:00", [("新来的", "工会办公室")])
    async with demo_db.read() as session:
        assert (await calendar_view(session, organiser, *FEB_2027)).warnings == []  # nobody of that name yet
    person = await people.save_person(demo_db, organiser, PersonInput(name="新来的", gender="F", employee_no="NEW-001", unit="工会办公室"))
    async with demo_db.read() as session:
        view = await calendar_view(session, organiser, *FEB_2027)
        mine = await calendar_view(session, organiser, *FEB_2027, Filters(person_id=person.id))
    assert [w.message.split("同时")[0] for w in view.warnings] == ["新来的"]
    assert sorted(item.title.split()[-1] for item in mine.items) == ["第三组走访(南城片区)", "第四组走访(南城片区)"]


async def test_members_are_relinked_whenever_the_archive_changes_under_their_name(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    first = await people.save_person(demo_db, organiser, PersonInput(name="欧阳明远", gender="M", employee_no="OY-001", unit="一车间"))
    group = await _add_group(demo_db, demo, "第三组", "2027-02-02", "09:00", [("欧阳明远", "二车间"), ("欧阳明远", "")])

    async def links() -> dict[str, int | None]:
        async with demo_db.read() as session:
            rows = (await session.execute(
                select(VisitGroupMember.unit, VisitGroupMember.person_id).where(VisitGroupMember.group_id == group.id)
            )).all()
        return {unit or "无单位": person_id for unit, person_id in rows}

    assert await links() == {"二车间": first.id, "无单位": first.id}  # the only one of that name
    second = await people.save_person(demo_db, organiser, PersonInput(name="欧阳明远", gender="M", employee_no="OY-002", unit="二车间"))
    assert await links() == {"二车间": second.id, "无单位": None}  # by unit; without one, ambiguous
    await people.save_person(demo_db, organiser, PersonInput(name="欧阳明辉", gender="M", employee_no="OY-002", unit="二车间"), second.id)
    assert await links() == {"二车间": first.id, "无单位": first.id}  # renamed: the name is his alone again


async def test_filters_by_kind_and_unit(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    async with demo_db.read() as session:
        visits = await calendar_view(session, organiser, *FEB_2027, Filters(kinds=("visit",)))
        by_unit = await calendar_view(session, organiser, *FEB_2027, Filters(unit="公司工会"))
        nothing = await calendar_view(session, organiser, *FEB_2027, Filters(unit="没有这个单位"))
    assert {i.kind for i in visits.items} == {"visit"} and "campaign" in visits.kinds
    assert by_unit.items and all(i.unit == "公司工会" for i in by_unit.items)
    assert nothing.items == [] and "公司工会" in nothing.units


async def test_sequence_grows_with_each_edit(demo_db: Database, demo: DemoMeet) -> None:
    meet = await _meet(demo_db, demo)
    start, end = _window(meet)
    organiser = demo.actor(ORGANISER)

    async def sequence() -> int:
        async with demo_db.read() as session:
            items = (await calendar_view(session, organiser, start, end)).items
        return next(i for i in items if i.kind == "meet").sequence

    before = await sequence()
    from tests.support import meet_input

    await meets.update_meet(demo_db, organiser, meet.id, meet_input(
        name=meet.name, edition=meet.edition, host=meet.host, location="新体育馆", starts_on=meet.starts_on,
        ends_on=meet.ends_on, registration_opens=meet.registration_opens, registration_closes=meet.registration_closes,
    ))
    assert await sequence() == before + 1


async def test_due_this_week_lists_the_next_seven_days(demo_db: Database, demo: DemoMeet) -> None:
    meet = await _meet(demo_db, demo)
    async with demo_db.read() as session:
        week = await due_this_week(session, demo.actor(LEADER), meet.registration_closes - dt.timedelta(days=2))
        later = await due_this_week(session, demo.actor(LEADER), meet.registration_closes + dt.timedelta(days=1))
        anon = await due_this_week(session, ANONYMOUS, meet.starts_on)
    assert [i.kind for i in week] == ["registration"]
    assert "registration" not in [i.kind for i in later]
    assert [i.kind for i in anon] == ["meet", "meet"]


async def test_feed_tokens_are_stored_as_digests_and_revoked_feeds_are_not_found(demo_db: Database, demo: DemoMeet) -> None:
    from events import calendar_feed
    from events.activity_models import CalendarFeed
    from events.errors import NotFound

    leader = demo.actor(LEADER)
    created = await calendar_feed.create_feed(demo_db, leader, "")
    assert created.feed.label == calendar_feed.DEFAULT_LABEL
    async with demo_db.read() as session:
        stored = await session.scalar(select(CalendarFeed.token_hash).where(CalendarFeed.id == created.feed.id))
    assert stored == calendar_feed.digest(created.token) and created.token not in (stored or "")
    meet = await _meet(demo_db, demo)
    body = await calendar_feed.feed_ics(demo_db, created.token, on=meet.registration_opens)
    assert f"{meet.name} 报名截止".encode() in body and b"BEGIN:VCALENDAR" in body
    with pytest.raises(NotFound):
        await calendar_feed.revoke_feed(demo_db, demo.actor(OTHER_LEADER), created.feed.id)
    await calendar_feed.revoke_feed(demo_db, leader, created.feed.id)
    with pytest.raises(NotFound):
        await calendar_feed.feed_ics(demo_db, created.token)
    assert [f.revoked_at is not None for f in await calendar_feed.list_feeds(demo_db, leader)] == [True]


async def test_the_demo_pairings_year_of_meetings_is_on_the_calendar_and_in_the_feed(demo_db: Database, demo: DemoMeet) -> None:
    import icalendar

    from events import calendar_feed
    from events.activity_models import Pairing

    async with demo_db.read() as session:
        pairing = await session.scalar(select(Pairing).order_by(Pairing.id).limit(1))
    assert pairing is not None
    organiser = demo.actor(ORGANISER)
    start, end = calendar.day_start(pairing.starts_on), calendar.day_start(pairing.ends_on + dt.timedelta(days=1))
    async with demo_db.read() as session:
        view = await calendar_view(session, organiser, start, end, Filters(kinds=("pairing_meeting", "exchange")))
    monthly = [i for i in view.items if i.title.startswith("月会办")]
    assert len(monthly) == 12 and len({i.start.month for i in monthly}) == 12
    assert any(i.kind == "exchange" for i in view.items)
    async with demo_db.read() as session:
        assert [i for i in (await calendar_view(session, demo.actor(LEADER), start, end)).items if i.kind == "pairing_meeting"] == []
    created = await calendar_feed.create_feed(demo_db, organiser, "联手兴家")
    body = await calendar_feed.feed_ics(demo_db, created.token, on=pairing.starts_on + dt.timedelta(days=calendar_feed.DAYS_BACK))
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert {i.uid for i in view.items} <= uids
