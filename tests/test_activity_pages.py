"""联手兴家 and member occasion pages (web/activities.py) over HTTP: the demo pairing's list with
counts and the overdue alert, a pairing's page, recording an occurrence, moving and cancelling,
Chinese refusals in place for HTMX forms, the counts report and its xlsx, the occasions page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Awaitable, Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from events import pairings
from events.activity_models import MemberOccasion, Pairing
from events.db import Database
from events.demo_activities import DEMO_PAIRING_NAME
from tests.support import LEADER, ORGANISER, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def _pairing_id(db: Database) -> int:
    async with db.read() as session:
        pairing_id = await session.scalar(select(Pairing.id).where(Pairing.name == DEMO_PAIRING_NAME))
    assert pairing_id is not None
    return pairing_id


async def test_pairings_list_shows_counts_and_the_overdue_alert(clients: Clients, demo_db: Database) -> None:
    organiser = await clients(ORGANISER)
    listing = await organiser.get("/org/pairings")
    assert listing.status_code == 200
    assert DEMO_PAIRING_NAME in listing.text and "三车间(合格)" in listing.text and "机修车间(未达标)" in listing.text
    assert "累计开展活动" in listing.text and "逾期未记录 1 次" in listing.text
    assert 'href="/org/pairings"' in listing.text and "职工关怀" in listing.text  # nav links


async def test_leaders_are_turned_away(clients: Clients, demo_db: Database) -> None:
    leader = await clients(LEADER)
    assert (await leader.get("/org/pairings")).status_code == 403
    assert (await leader.get("/org/occasions")).status_code == 403


async def test_pairing_page_and_recording_an_occurrence(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    pairing_id = await _pairing_id(demo_db)
    organiser = await clients(ORGANISER)
    page = await organiser.get(f"/org/pairings/{pairing_id}")
    assert page.status_code == 200
    for text in ("月会办", "季考评", "半年通报", "经验交流暨成果展示会", "未达标 → 合格", "逾期未记录"):
        assert text in page.text
    summary = (await pairings.list_pairings(demo_db, demo.actor(ORGANISER)))[0]
    overdue = summary.overdue[0]
    occurrence = await organiser.get(overdue.url)
    assert occurrence.status_code == 200 and "尚未记录会议纪要" in occurrence.text
    refused = await organiser.post_form(overdue.url + "/record", {"minutes": "", "held": "1"}, htmx=True)
    assert refused.status_code == 422 and "请填写会议纪要" in refused.text
    assert refused.headers.get("hx-retarget") == "#flash"
    done = await organiser.post_form(
        overdue.url + "/record", {"minutes": "会办三件事", "attendance": "三家单位", "attendee_count": "8", "outcomes": "定稿", "held": "1"}
    )
    assert done.status_code == 303 and done.headers["location"] == overdue.url
    again = await organiser.get(overdue.url)
    assert "已召开" in again.text and "会办三件事" in again.text
    listing = await organiser.get("/org/pairings")
    assert "逾期未记录" not in listing.text


async def test_move_and_cancel_a_planned_occurrence(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    pairing_id = await _pairing_id(demo_db)
    organiser = await clients(ORGANISER)
    page = await pairings.pairing_page(demo_db, demo.actor(ORGANISER), pairing_id)
    monthly = next(s for s in page.series if s.series.kind == "monthly")
    first, second = monthly.upcoming[0], monthly.upcoming[1]
    bad = await organiser.post_form(first.url + "/move", {"day": "2027-01-01", "start_time": "10:00", "end_time": "09:00"}, htmx=True)
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.text
    day = first.occurrence.start.date().isoformat()
    moved = await organiser.post_form(first.url + "/move", {"day": day, "start_time": "14:00", "end_time": "15:30"})
    assert moved.status_code == 303
    assert "14:00" in (await organiser.get(first.url)).text
    no_reason = await organiser.post_form(second.url + "/cancel", {"reason": ""}, htmx=True)
    assert no_reason.status_code == 422 and "请填写取消原因" in no_reason.text
    cancelled = await organiser.post_form(second.url + "/cancel", {"reason": "与联席会议合并"})
    assert cancelled.status_code == 303
    text = (await organiser.get(second.url)).text
    assert "已取消" in text and "与联席会议合并" in text
    series = await organiser.get(f"/org/pairings/{pairing_id}/series/{monthly.series.id}")
    assert series.status_code == 200 and "已取消" in series.text


async def test_bad_rule_is_refused_in_chinese_and_a_good_one_creates_a_series(clients: Clients, demo_db: Database) -> None:
    pairing_id = await _pairing_id(demo_db)
    organiser = await clients(ORGANISER)
    base = {"kind": "joint", "preset": "custom", "starts_on": "", "start_time": "10:00"}
    async with demo_db.read() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    base["starts_on"] = pairing.starts_on.isoformat()
    bad = await organiser.post_form(f"/org/pairings/{pairing_id}/series", {**base, "rule": "FREQ=NEVER"}, htmx=True)
    assert bad.status_code == 422 and "规则" in bad.text
    good = await organiser.post_form(f"/org/pairings/{pairing_id}/series", {**base, "rule": "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"})
    assert good.status_code == 303 and "/series/" in good.headers["location"]
    assert "联席会议" in (await organiser.get(good.headers["location"])).text


async def test_unknown_occurrence_key_is_not_found(clients: Clients, demo_db: Database) -> None:
    pairing_id = await _pairing_id(demo_db)
    organiser = await clients(ORGANISER)
    assert (await organiser.get(f"/org/pairings/{pairing_id}/series/1/occurrences/not-a-time")).status_code == 404
    assert (await organiser.get(f"/org/pairings/{pairing_id}/series/1/occurrences/20000101T0900")).status_code == 404
    assert (await organiser.get(f"/org/pairings/{pairing_id + 99}/series/1")).status_code == 404


async def test_counts_report_prints_and_exports(clients: Clients, demo_db: Database) -> None:
    organiser = await clients(ORGANISER)
    report = await organiser.get("/org/pairings/report")
    assert report.status_code == 200 and "累计开展各类活动" in report.text and DEMO_PAIRING_NAME in report.text
    xlsx = await organiser.get("/org/pairings/report.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any(DEMO_PAIRING_NAME in row for row in values) and any("合计" in row for row in values)


async def test_occasions_page_with_lunar_birthdays_and_adding_an_occasion(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    page = await organiser.get("/org/occasions")
    assert page.status_code == 200
    for text in ("近期生日", "农历八月十五", "农历腊月廿三", "住院探望", "三八活动", "提醒"):
        assert text in page.text
    bad = await organiser.post_form("/org/occasions", {"kind": "funeral", "occurs_on": "2027-01-05"}, htmx=True)
    assert bad.status_code == 422 and "丧事须选择职工" in bad.text
    person_id = demo.person_ids[demo.team_of(LEADER)][3]
    made = await organiser.post_form(
        "/org/occasions", {"kind": "funeral", "person_id": str(person_id), "title": "直系亲属丧事慰问", "occurs_on": "2027-01-05", "remind_days": "1"}
    )
    assert made.status_code == 303
    async with demo_db.read() as session:
        made_id = await session.scalar(select(MemberOccasion.id).where(MemberOccasion.title == "直系亲属丧事慰问"))
    occasion_url = f"/org/occasions/{made_id}"
    cancelled = await organiser.post_form(occasion_url + "/cancel", {})
    assert cancelled.status_code == 303 and cancelled.headers["location"] == occasion_url
    detail = await organiser.get(occasion_url)
    assert "已取消" in detail.text and "取消此事项" not in detail.text
    assert "已取消" in (await organiser.get("/org/occasions")).text
    lunar = await organiser.post_form("/org/occasions/lunar", {"person_id": str(person_id), "month": "13", "day": "1"}, htmx=True)
    assert lunar.status_code == 422 and "农历月份应为 1–12" in lunar.text


async def test_api_lists_pairings_records_an_occurrence_and_gives_reminders(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    listing = await organiser.api("GET", "/api/pairings")
    assert listing.status_code == 200
    (pairing,) = [p for p in listing.json() if p["name"] == DEMO_PAIRING_NAME]
    assert [p["level"] for p in pairing["partners"]] == ["合格", "未达标"] and len(pairing["overdue"]) == 1
    overdue = pairing["overdue"][0]
    url = f"/api/pairings/{pairing['id']}/series/{overdue['series_id']}/occurrences/{overdue['key']}/record"
    refused = await organiser.api("POST", url, {"minutes": "", "held": "1"})
    assert refused.status_code == 422 and refused.json()["problems"] == {"minutes": "记录为已召开时请填写会议纪要"}
    done = await organiser.api("POST", url, {"minutes": "会办", "attendee_count": "6"})
    assert done.status_code == 201 and done.json()["status"] == "held"
    report = (await organiser.api("GET", "/api/pairings/report")).json()
    assert next(r for r in report if r["pairing_id"] == pairing["id"])["total"] == pairing["held_total"] + 1
    reminders = await organiser.api("GET", "/api/occasions/reminders")
    assert reminders.status_code == 200 and any("农历" in r["title"] for r in reminders.json())
    assert (await (await clients(LEADER)).api("GET", "/api/pairings")).status_code == 403


async def test_a_move_outside_the_pairing_period_is_refused_in_place_and_the_form_keeps_to_the_period(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    pairing_id = await _pairing_id(demo_db)
    organiser = await clients(ORGANISER)
    page = await pairings.pairing_page(demo_db, demo.actor(ORGANISER), pairing_id)
    upcoming = next(s for s in page.series if s.series.kind == "monthly").upcoming[0]
    p = page.pairing
    after = (p.ends_on + dt.timedelta(days=30)).isoformat()
    refused = await organiser.post_form(upcoming.url + "/move", {"day": after, "start_time": "09:00", "end_time": "10:00"}, htmx=True)
    assert refused.status_code == 422 and refused.headers.get("hx-retarget") == "#flash"  # the form, with what was typed, stays
    assert f"结对期为 {p.starts_on:%Y-%m-%d} 至 {p.ends_on:%Y-%m-%d},不能把会议改到 {after}" in refused.text
    form = (await organiser.get(upcoming.url)).text
    assert f'name="day" type="date" required min="{p.starts_on}" max="{p.ends_on}"' in form
    partners = (await organiser.get(f"/org/pairings/{pairing_id}")).text
    assert f'name="changed_on" type="date" min="' in partners and f'max="{p.ends_on}"' in partners


async def test_an_empty_lunar_birthday_form_is_refused_in_chinese(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    nobody = await organiser.post_form("/org/occasions/lunar", {"person_id": "", "month": "", "day": ""}, htmx=True)
    assert nobody.status_code == 422 and "请选择职工" in nobody.text
    person_id = demo.person_ids[demo.team_of(LEADER)][3]
    empty = await organiser.post_form("/org/occasions/lunar", {"person_id": str(person_id), "month": "", "day": ""}, htmx=True)
    assert empty.status_code == 422 and "请填写农历月份(1–12)" in empty.text
    for odd in ("9" * 20, "²"):
        refused = await organiser.post_form("/org/occasions/lunar", {"person_id": odd, "month": "8", "day": "15"}, htmx=True)
        assert refused.status_code == 422 and "职工无效" in refused.text
