"""Odd bytes in forms on both databases: a NUL typed or pasted into a text field is dropped
(PostgreSQL stores none, so it would be a 500), and a number no id column holds is refused in
Chinese before any query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select

from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.models import Beneficiary, Campaign
from events.validation import MAX_ID, Problems, chosen_id
from events.errors import DomainError
from tests.support import ORGANISER, Client

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
        try:
            chosen_id(odd, "x", None, "无效")
        except DomainError as refused:
            assert refused.message == "无效"
        else:
            raise AssertionError(odd)
    try:
        chosen_id(" ", "x", "请选择", "无效")
    except DomainError as refused:
        assert refused.message == "请选择"
    else:
        raise AssertionError("empty")


async def test_an_id_in_the_address_beyond_any_row_is_not_found_not_a_500(clients: Clients, demo_db: Database) -> None:
    organiser = await clients(ORGANISER)
    huge = str(MAX_ID + 1)
    for url in (f"/org/campaigns/{huge}", f"/org/campaigns/{huge}/households/{huge}", f"/teams/{huge}/entries"):
        answer = await organiser.get(url)
        assert answer.status_code == 404 and "找不到该页面" in answer.text, (url, answer.status_code, answer.text[:200])
    mark = await organiser.api("POST", f"/api/start-entries/{huge}/mark", {"version": 0, "mark": "12.5", "idempotency_key": "k"})
    assert mark.status_code == 404 and "找不到该页面" in mark.json()["detail"]
    assert (await organiser.get(f"/org/campaigns/{MAX_ID}")).status_code == 404  # the largest id is an ordinary miss
