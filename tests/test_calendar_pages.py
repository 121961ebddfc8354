"""The calendar pages and the phone-calendar feed over HTTP (web/calendar.py): month, week and
agenda views with HTMX partials and pushed URLs, filters in the query string, bad input shown in
place, the week list of the home pages, and secret feed URLs made, read by two parsers, bumped
on change, revoked — with no beneficiary's details anywhere in the feed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable

import icalendar
import pytest
import vobject
from sqlalchemy import select

from events import calendar, visit_groups
from events.calendar_items import SHANGHAI, CalendarItem
from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.models import Beneficiary, Campaign, Meet, VisitGroup
from events.visit_groups import GroupInput
from scheduling.recurrence import Override, expand
from tests.support import LEADER, ORGANISER, REFEREE, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def _meet(db: Database, demo: DemoMeet) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    return meet


async def test_month_view_shows_chinese_labels_and_the_meet_days(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    meet = await _meet(demo_db, demo)
    organiser = await clients(ORGANISER)
    response = await organiser.get(f"/calendar?view=month&d={meet.starts_on.isoformat()}")
    assert response.status_code == 200
    text = response.text
    assert f"{meet.starts_on.year}年{meet.starts_on.month}月" in text
    assert all(day in text for day in ("周一", "周二", "周三", "周四", "周五", "周六", "周日"))
    assert f"{meet.name}(第1天)" in text and "kind-meet" in text
    assert 'hx-push-url="true"' in text and 'hx-target="#calendar"' in text
    assert '<a href="/calendar" aria-current="page">日程</a>' in text


async def test_htmx_navigation_gets_the_partial_and_history_restore_the_page(clients: Clients) -> None:
    organiser = await clients(ORGANISER)
    part = await organiser.get("/calendar?view=week&d=2027-02-01", htmx=True)
    assert part.status_code == 200 and "<html" not in part.text and "cal-week" in part.text
    assert "2027年2月1日 – 2月7日" in part.text
    assert "第一组走访" in part.text
    restored = await organiser.get("/calendar?view=week&d=2027-02-01", htmx=True, headers={"HX-History-Restore-Request": "true"})
    assert "<html" in restored.text and "cal-week" in restored.text


async def test_agenda_and_filters_live_in_the_query_string(clients: Clients) -> None:
    organiser = await clients(ORGANISER)
    agenda = await organiser.get("/calendar?view=agenda&d=2027-01-20&kind=visit")
    assert agenda.status_code == 200
    assert "第一组走访" in agenda.text and "2027年春节慰问 公示期" not in agenda.text
    assert 'value="visit" checked' in agenda.text
    # links keep the filter
    assert "kind=visit" in agenda.text


async def test_bad_query_values_are_noted_in_chinese_never_a_500(clients: Clients) -> None:
    organiser = await clients(ORGANISER)
    response = await organiser.get("/calendar?view=year&d=2027-13-45&person=abc")
    assert response.status_code == 200
    for note in ("未知的视图", "日期格式不正确", "人员编号不正确"):
        assert note in response.text


async def test_the_public_sees_only_the_meets(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    meet = await _meet(demo_db, demo)
    public = await clients(None)
    response = await public.get(f"/calendar?view=agenda&d={meet.registration_opens.isoformat()}")
    assert response.status_code == 200 and f"{meet.name}(第1天)" in response.text
    assert "报名截止" not in response.text and 'href="/calendar"' not in response.text
    feb = await public.get("/calendar?view=month&d=2027-02-01")
    assert "走访" not in feb.text and DEMO_CAMPAIGN_NAME not in feb.text


async def test_the_week_list_appears_on_each_roles_home_page(clients: Clients, demo: DemoMeet) -> None:
    for username, home in ((ORGANISER, "/org"), (LEADER, f"/teams/{demo.team_of(LEADER)}"), (REFEREE, "/referee")):
        client = await clients(username)
        page = await client.get(home)
        assert 'hx-get="/calendar/this-week"' in page.text, home
        week = await client.get("/calendar/this-week", htmx=True)
        assert week.status_code == 200 and "本周日程" in week.text


async def test_api_calendar_lists_the_same_items(clients: Clients) -> None:
    organiser = await clients(ORGANISER)
    response = await organiser.api("GET", "/api/calendar?view=month&d=2027-02-01&kind=visit")
    assert response.status_code == 200
    body = response.json()
    assert [i["title"] for i in body["items"]] == ["2027年春节慰问 第一组走访(东城片区)", "2027年春节慰问 第二组走访(西城片区)"]


# The phone-calendar feed ----------------------------------------------------------------------------


async def _make_feed(client: Client, label: str = "我的手机") -> str:
    response = await client.post_form("/calendar/feeds", {"label": label})
    assert response.status_code == 200 and "只显示这一次" in response.text
    match = re.search(r'value="https?://[^"/]+(/calendar/feed/[A-Za-z0-9_-]+\.ics)"', response.text)
    assert match, response.text
    return match.group(1)


async def _beneficiaries(db: Database) -> list[Beneficiary]:
    async with db.read() as session:
        return list((await session.scalars(select(Beneficiary))).all())


def _recurring_source(overrides: list[Override]):  # type: ignore[no-untyped-def]
    """A stand-in recurring source: monthly coordination meetings with moved and cancelled ones."""
    first = dt.datetime(2027, 1, 15, 9, 0)

    async def source(session, actor, start, end):  # type: ignore[no-untyped-def]
        occurrences = expand("FREQ=MONTHLY", first, dt.timedelta(hours=2), start.replace(tzinfo=None), end.replace(tzinfo=None), overrides)
        return [
            CalendarItem(
                uid=f"test-meeting-{o.original_start:%Y%m%dT%H%M}@zhijia", kind="pairing_meeting", title="月会办",
                start=o.start.replace(tzinfo=SHANGHAI), end=o.end.replace(tzinfo=SHANGHAI),
                status="cancelled" if o.cancelled else "confirmed", sequence=1 if (o.cancelled or o.moved) else 0,
            )
            for o in occurrences
        ]

    return source


async def test_feed_is_read_by_two_parsers_with_stable_uids_bumped_sequence_and_cancellations(
    clients: Clients, demo_db: Database, demo: DemoMeet, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = [Override(dt.datetime(2027, 3, 15, 9, 0), cancelled=True)]
    monkeypatch.setattr(calendar, "SOURCES", [*calendar.SOURCES, _recurring_source(overrides)])
    organiser = await clients(ORGANISER)
    url = await _make_feed(organiser)
    public = await clients(None)
    first = await public.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "private" in first.headers["cache-control"]
    parsed = icalendar.Calendar.from_ical(first.content)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    cards = {e.uid.value: e for e in vobject.readOne(first.content.decode("utf-8")).vevent_list}
    assert set(events) == set(cards)
    assert "visit-group-1@zhijia" in events or any(uid.startswith("visit-group-") for uid in events)
    cancelled = events["test-meeting-20270315T0900@zhijia"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and cards["test-meeting-20270315T0900@zhijia"].status.value == "CANCELLED"
    assert str(parsed["X-WR-CALNAME"]).startswith("职工之家")

    # an edit of a visit group bumps its SEQUENCE; the UIDs stay
    async with demo_db.read() as session:
        group = await session.scalar(select(VisitGroup).order_by(VisitGroup.id).limit(1))
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME))
    assert group is not None and campaign_id is not None
    uid = f"visit-group-{group.id}@zhijia"
    before = int(events[uid]["SEQUENCE"])
    await visit_groups.save_group(
        demo_db, demo.actor(ORGANISER), campaign_id,
        GroupInput(name=group.name, area=group.area, leader=group.leader, visit_on="2027-02-02", starts_at="10:00",
                   gathers_at="09:30", assembly_point=group.assembly_point),
        group.id,
    )
    second = await public.get(url)
    again = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(second.content).walk("VEVENT")}
    assert set(again) == set(events)
    assert int(again[uid]["SEQUENCE"]) == before + 1
    assert again[uid].decoded("DTSTART") == dt.datetime(2027, 2, 2, 9, 30, tzinfo=SHANGHAI)

    # never a beneficiary's details
    for b in await _beneficiaries(demo_db):
        for secret in (b.name, b.address, b.contact, b.id_number, b.illness):
            if secret:
                assert secret.encode("utf-8") not in second.content, secret


async def test_revoked_and_unknown_feeds_are_404_and_only_the_owner_may_revoke(clients: Clients, demo_db: Database) -> None:
    leader = await clients(LEADER)
    url = await _make_feed(leader, "领队手机")
    public = await clients(None)
    assert (await public.get(url)).status_code == 200
    assert (await public.get("/calendar/feed/not-a-token.ics")).status_code == 404
    assert (await public.get(url[: -len(".ics")])).status_code == 404
    page = await leader.get("/calendar/subscribe")
    feed_id = int(re.search(r"/calendar/feeds/(\d+)/revoke", page.text).group(1))  # type: ignore[union-attr]
    organiser = await clients(ORGANISER)
    assert (await organiser.post_form(f"/calendar/feeds/{feed_id}/revoke")).status_code == 404
    assert (await public.get(url)).status_code == 200
    assert (await leader.post_form(f"/calendar/feeds/{feed_id}/revoke")).status_code in (200, 303)
    assert (await public.get(url)).status_code == 404
    listing = await leader.get("/calendar/subscribe")
    assert "已停用" in listing.text and url not in listing.text
    from events.models import AuditLog

    async with demo_db.read() as session:
        actions = list((await session.scalars(select(AuditLog.action).where(AuditLog.action.like("calendar_feed_%")))).all())
    assert sorted(actions) == ["calendar_feed_create", "calendar_feed_revoke"]


async def test_only_the_token_digest_is_stored(clients: Clients, demo_db: Database) -> None:
    from events.activity_models import CalendarFeed

    referee = await clients(REFEREE)
    url = await _make_feed(referee)
    token = url.rsplit("/", 1)[1][: -len(".ics")]
    async with demo_db.read() as session:
        stored = list((await session.scalars(select(CalendarFeed.token_hash))).all())
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
