"""Odd bytes in forms on both databases: a NUL typed or pasted into a text field is dropped
(PostgreSQL stores none, so it would be a 500), and a number no id column holds is refused in
Chinese before any query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.models import Beneficiary, Campaign, Team
from events.validation import MAX_ID, Problems, chosen_id
from events.errors import DomainError
from tests.support import LEADER, ORGANISER, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]


async def test_a_nul_in_a_household_name_is_dropped_and_the_rest_is_saved(clients: Clients, demo_db: Database) -> None:
    async with demo_db.read() as session:
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME))
    organiser = await clients(ORGANISER)
    saved = await organiser.post_form(f"/org/campaigns/{campaign_id}/households", {"name": "李\x00某", "category": "退休", "persons": "2"}, htmx=True)
    assert saved.status_code < 400, saved.text
    async with demo_db.read() as session:
        names = (await session.scalars(select(Beneficiary.name).where(Beneficiary.campaign_id == campaign_id))).all()
    assert "李某" in names and not any("\x00" in n for n in names)


def test_service_text_drops_nul_for_callers_that_skip_the_form_layer() -> None:
    p = Problems()
    assert p.text("name", " 张\x00三 ", "姓名", max_len=10) == "张三" and not p.items
    p.text("name", "\x00", "姓名", max_len=10)
    assert p.items == {"name": "请填写姓名"}


def test_an_id_beyond_the_column_or_not_a_plain_number_is_refused_in_chinese() -> None:
    assert chosen_id(str(MAX_ID), "x", None, "无效") == MAX_ID
    assert chosen_id("", "x", None, "无效") is None
    for odd in (str(MAX_ID + 1), "²", "1.0", "-1"):
        with pytest.raises(DomainError, match="^无效$"):
            chosen_id(odd, "x", None, "无效")
    with pytest.raises(DomainError, match="^请选择$"):
        chosen_id(" ", "x", "请选择", "无效")


async def test_an_id_in_the_address_beyond_any_row_is_not_found_not_a_500(clients: Clients, demo_db: Database) -> None:
    organiser = await clients(ORGANISER)
    huge = str(MAX_ID + 1)
    for url in (f"/org/campaigns/{huge}", f"/org/campaigns/{huge}/households/{huge}", f"/teams/{huge}/entries"):
        answer = await organiser.get(url)
        assert answer.status_code == 404 and "找不到该页面" in answer.text, (url, answer.status_code, answer.text[:200])
    mark = await organiser.api("POST", f"/api/start-entries/{huge}/mark", {"version": 0, "mark": "12.5", "idempotency_key": "k"})
    assert mark.status_code == 404 and "找不到该页面" in mark.json()["detail"]
    assert (await organiser.get(f"/org/campaigns/{MAX_ID}")).status_code == 404  # the largest id is an ordinary miss


# Numbers beyond the columns and over-long text, in JSON bodies, forms and query strings: each is
# refused in Chinese naming the field (PostgreSQL's driver raised "value out of int32 range" or
# "value too long" — a 500 — while SQLite stored or missed quietly), and nothing is saved.

HUGE = 99_999_999_999


async def _team_count(db: Database) -> int:
    async with db.read() as session:
        return len((await session.scalars(select(Team.id))).all())


async def test_json_numbers_beyond_the_column_are_refused_in_chinese(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    meet, team_id = demo.meet_id, demo.team_of(LEADER)
    event = {"code": "NEW-EVENT", "name": "新项目", "sport": "fun", "division": "open", "kind": "individual_timed", "format": "timed_final"}
    teams_before = await _team_count(demo_db)
    cases = [
        ("POST", f"/api/meets/{meet}/events", event | {"venue_id": HUGE}, "场地编号无效"),
        ("POST", f"/api/meets/{meet}/events", event | {"position": -HUGE}, "「顺序」不能小于 0"),
        ("POST", f"/api/meets/{meet}/teams", {"name": "新代表队", "number": HUGE}, "「队号」不能大于 99"),
        ("POST", f"/api/teams/{team_id}/entries", {"event_id": HUGE, "person_id": demo.person_ids[team_id][0]}, "项目编号无效"),
        ("POST", f"/api/teams/{team_id}/entries", {"event_id": demo.event_ids["ATH-100M-M"], "person_id": -HUGE}, "职工编号无效"),
        ("PUT", f"/api/accounts/{demo.user_ids[LEADER]}", {"display_name": "领队", "role": "leader", "team_id": HUGE}, "代表队编号无效"),
        ("PUT", f"/api/accounts/{demo.user_ids[LEADER]}", {"display_name": "长" * 10_000, "role": "leader", "team_id": team_id}, "姓名不能超过 40 个字"),
        ("POST", f"/api/meets/{meet}/events/{demo.event_ids['ATH-100M-M']}/rounds", {"is_final": False, "qualify_by_place": HUGE}, "每组录取名次(Q)须为 0–12"),
    ]
    for method, url, body, message in cases:
        answer = await organiser.api(method, url, body)
        assert answer.status_code in (400, 422) and answer.json()["detail"] == message, (url, body, answer.status_code, answer.text[:300])
    assert await _team_count(demo_db) == teams_before


async def test_form_numbers_beyond_the_column_are_refused_in_chinese(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser, leader = await clients(ORGANISER), await clients(LEADER)
    meet, team_id = demo.meet_id, demo.team_of(LEADER)
    event_id = demo.event_ids["ATH-100M-M"]
    event = {"code": "ATH-100M-M", "name": "男子100米", "sport": "athletics", "division": "men", "kind": "individual_timed", "format": "heats_final"}
    cases = [
        (organiser, f"/org/meets/{meet}/events/{event_id}", event | {"venue_id": str(HUGE)}, "场地编号无效"),
        (organiser, f"/org/meets/{meet}/events/{event_id}", event | {"position": str(HUGE)}, "「顺序」不能大于 9999"),
        (organiser, f"/org/meets/{meet}/teams", {"name": "新代表队", "number": str(-HUGE), "category": "车间"}, "「队号」不能小于 1"),
        (organiser, f"/org/accounts/{demo.user_ids[LEADER]}", {"display_name": "领队", "role": "leader", "team_id": str(HUGE), "is_active": "on"}, "代表队编号无效"),
        (leader, f"/teams/{team_id}/entries", {"event_id": str(HUGE), "person_id": str(demo.person_ids[team_id][0])}, "项目编号无效"),
        (leader, f"/teams/{team_id}/entries", {"event_id": str(event_id), "person_id": str(HUGE)}, "职工编号无效"),
    ]
    teams_before = await _team_count(demo_db)
    for client, url, form, message in cases:
        answer = await client.post_form(url, form, htmx=True)
        assert answer.status_code == 422 and message in answer.text, (url, form, answer.status_code, answer.text[:300])
    assert await _team_count(demo_db) == teams_before


async def test_query_ids_beyond_the_column_and_long_user_names_are_no_500(clients: Clients, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    for url in (f"/api/meets/{demo.meet_id}/awards?event_id={HUGE}", f"/org/audit?meet_id={-HUGE}"):
        answer = await organiser.get(url)
        assert answer.status_code == 404 and "找不到该页面" in answer.text, (url, answer.status_code)
    calendar = await organiser.get(f"/calendar?person={HUGE}")
    assert calendar.status_code == 200 and "人员编号不正确" in calendar.text
    anonymous = await clients()
    login = await anonymous.post_form("/login", {"username": "x" * 10_000, "password": "zhijia2026"})
    assert login.status_code == 422 and "用户名或密码不正确" in login.text
    api = await anonymous.api("POST", "/api/session", {"username": "x" * 10_000, "password": "zhijia2026"})
    assert api.status_code == 422 and api.json()["detail"] == "用户名或密码不正确"


def test_a_number_longer_than_int_reads_is_refused_not_a_500() -> None:
    from events.validation import ids_of, plain_int

    long = "9" * 5000  # int() raises ValueError past 4300 digits
    assert plain_int("12") == 12 and plain_int(long) is None and plain_int("²") is None and plain_int("-1") is None
    assert ids_of(["3", long, str(MAX_ID + 1), "0", "x"]) == [3]
    with pytest.raises(DomainError, match="^无效$"):
        chosen_id(long, "x", None, "无效")


async def test_a_refused_query_or_body_is_told_in_chinese_never_by_its_english_key(clients: Clients, demo_db: Database) -> None:
    import re

    organiser = await clients(ORGANISER)
    for method, url, body in (
        ("GET", "/org/audit?meet_id=abc", None),
        ("POST", "/api/start-entries/1/mark", {"version": "abc", "mark": "12.5", "idempotency_key": "k"}),
        ("POST", "/api/matches/1/result", {"version": 0, "idempotency_key": "k", "games": [["a", 1]]}),
    ):
        answer = await organiser.api(method, url, body)
        assert answer.status_code == 400, (url, answer.status_code, answer.text[:200])
        message = answer.json()["detail"] if "json" in answer.headers.get("content-type", "") else answer.text
        assert not re.search(r"「[A-Za-z_\[\]0-9.$]+」", message), (url, message)
    version = await organiser.api("POST", "/api/start-entries/1/mark", {"version": "abc", "mark": "12.5", "idempotency_key": "k"})
    assert version.json()["detail"] == "「版本号」格式不正确"
