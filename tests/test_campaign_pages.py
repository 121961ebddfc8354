"""Condolence visit pages (web/campaigns.py) over HTTP: organisers only, privacy of households,
an audit row per viewing of a household's details, the printed sheets and the xlsx exports."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.models import AuditLog, Beneficiary, Campaign, Person, VisitGroup, VisitGroupMember
from tests.support import LEADER, ORGANISER, REFEREE, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def _ids(db: Database) -> tuple[int, list[Beneficiary], list[int]]:
    async with db.read() as session:
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME))
        households = list((await session.scalars(select(Beneficiary).where(Beneficiary.campaign_id == campaign_id).order_by(Beneficiary.id))).all())
        groups = list((await session.scalars(select(VisitGroup.id).where(VisitGroup.campaign_id == campaign_id).order_by(VisitGroup.id))).all())
    assert campaign_id is not None
    return campaign_id, households, groups


async def _views(db: Database, household_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "household_view", AuditLog.target == f"household:{household_id}")
        ) or 0


async def test_organiser_sees_the_campaign_board_without_private_details(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    listing = await organiser.get("/org/campaigns")
    assert listing.status_code == 200 and DEMO_CAMPAIGN_NAME in listing.text
    board = await organiser.get(f"/org/campaigns/{campaign_id}")
    assert board.status_code == 200
    for b in households:
        assert b.name in board.text
    ill = next(b for b in households if b.illness)
    assert ill.illness not in board.text and ill.id_number not in board.text
    assert "第一组" in board.text and "东城片区" in board.text


@pytest.mark.parametrize("username", [None, LEADER, REFEREE])
async def test_team_leaders_referees_and_the_public_are_refused(clients: Clients, demo_db: Database, username: str | None) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    client = await clients(username)
    for url in (
        "/org/campaigns", f"/org/campaigns/{campaign_id}", f"/org/campaigns/{campaign_id}/households/{households[0].id}",
        f"/org/campaigns/{campaign_id}/notice", f"/org/campaigns/{campaign_id}/arrangement.xlsx",
    ):
        response = await client.get(url)
        if username is None:
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
        else:
            assert response.status_code == 403, url
            assert households[0].name not in response.text
    assert await _views(demo_db, households[0].id) == 0


async def test_each_viewing_of_a_households_details_is_audited(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    ill = next(b for b in households if b.illness)
    organiser = await clients(ORGANISER)
    for n in (1, 2):
        page = await organiser.get(f"/org/campaigns/{campaign_id}/households/{ill.id}")
        assert page.status_code == 200
        assert ill.illness in page.text and ill.id_number in page.text
        assert "符合困难职工家庭条件" in page.text and "第三条" in page.text
        assert await _views(demo_db, ill.id) == n


async def test_a_household_of_another_campaign_is_not_found_under_this_one(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    response = await organiser.post_form("/org/campaigns", {
        "name": "2027年中秋慰问", "festival": "中秋", "starts_on": "2027-09-01", "ends_on": "2027-09-15",
    })
    assert response.status_code == 303
    other_id = int(response.headers["location"].rsplit("/", 1)[1])
    missing = await organiser.get(f"/org/campaigns/{other_id}/households/{households[0].id}")
    assert missing.status_code == 404
    assert await _views(demo_db, households[0].id) == 0


async def test_notice_publishes_masked_names_unit_and_category_only(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    notice = await organiser.get(f"/org/campaigns/{campaign_id}/notice")
    assert notice.status_code == 200
    text = notice.text
    assert "2027年春节慰问对象公示" in text and "2027年1月11日至2027年1月15日" in text
    for b in households:
        assert b.name not in text  # masked: 王*明
        assert b.category in text and b.unit in text
        if b.illness:
            assert b.illness not in text
        if b.id_number:
            assert b.id_number not in text
        assert b.address not in text and (not b.contact or b.contact not in text)
    assert "收入" not in text.split("<article", 1)[1]


async def test_notice_shows_full_names_when_the_union_chooses(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    saved = await organiser.post_form(f"/org/campaigns/{campaign_id}", {
        "name": DEMO_CAMPAIGN_NAME, "festival": "春节", "host": "公司工会", "region": "本市", "starts_on": "2027-01-20",
        "ends_on": "2027-02-05", "cash_budget": "3000", "goods_budget": "2000", "notice_mask": "none",
    })
    assert saved.status_code == 303
    notice = await organiser.get(f"/org/campaigns/{campaign_id}/notice")
    assert all(b.name in notice.text for b in households)


async def test_arrangement_and_summary_print_pages(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    arrangement = await organiser.get(f"/org/campaigns/{campaign_id}/arrangement")
    assert arrangement.status_code == 200
    assert "2027年春节慰问安排表" in arrangement.text and "09:45" in arrangement.text and "公司办公楼一楼大堂" in arrangement.text
    assert all(b.address in arrangement.text for b in households)
    summary = await organiser.get(f"/org/campaigns/{campaign_id}/summary")
    assert summary.status_code == 200 and "慰问金:预算 3,000 元,计划 2,700 元" in summary.text


async def test_a_cancelled_group_leaves_the_arrangement_and_its_households_are_listed_as_unassigned(
    clients: Clients, demo_db: Database
) -> None:
    campaign_id, _, groups = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    cancelled = await organiser.post_form(f"/org/campaigns/{campaign_id}/groups/{groups[1]}/cancel", {}, htmx=True)
    assert cancelled.status_code < 400
    arrangement = await organiser.get(f"/org/campaigns/{campaign_id}/arrangement")
    assert "第一组" in arrangement.text and "第二组" not in arrangement.text
    assert "未分组 3 户" in arrangement.text and "no-print" not in arrangement.text.split("未分组 3 户")[0][-80:]


async def test_group_assignment_from_the_board_answers_with_the_row(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, groups = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    b = households[0]
    response = await organiser.post_form(
        f"/org/campaigns/{campaign_id}/households/{b.id}/group", {"group_id": str(groups[1])}, htmx=True,
        headers={"HX-Target": f"household-{b.id}"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="household-{b.id}"')
    assert f'value="{groups[1]}" selected' in response.text


async def test_a_member_from_the_archive_is_linked_and_one_from_outside_is_marked(clients: Clients, demo_db: Database) -> None:
    campaign_id, _, groups = await _ids(demo_db)
    async with demo_db.read() as session:
        person = await session.scalar(select(Person).order_by(Person.id).limit(1))
    assert person is not None
    organiser = await clients(ORGANISER)
    for name, unit in ((person.name, person.unit), ("外聘司机", "")):
        added = await organiser.post_form(f"/org/campaigns/{campaign_id}/groups/{groups[0]}/members", {"name": name, "unit": unit})
        assert added.status_code in (200, 303)
    async with demo_db.read() as session:
        linked = dict((await session.execute(
            select(VisitGroupMember.name, VisitGroupMember.person_id).where(VisitGroupMember.group_id == groups[0])
        )).all())
    assert linked[person.name] == person.id and linked["外聘司机"] is None
    board = await organiser.get(f"/org/campaigns/{campaign_id}")
    card = board.text[board.text.index(f'id="group-{groups[0]}"'):]
    card = card[:card.index("</ul>")]
    line = {name: card[card.index(name):].split("</li>")[0] for name in (person.name, "外聘司机")}
    assert "未关联档案" not in line[person.name] and "未关联档案" in line["外聘司机"]


async def test_bad_input_is_a_chinese_message_not_a_500(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    bad = await organiser.post_form(f"/org/campaigns/{campaign_id}/households/{households[0].id}/amount", {"cash": "abc", "override_reason": "x"})
    assert bad.status_code == 422 and "慰问金应为不小于 0 的金额" in bad.text
    no_sign = await organiser.post_form(
        f"/org/campaigns/{campaign_id}/households/{households[0].id}/visit", {"status": "visited", "visited_on": "2027-02-01"}, htmx=True
    )
    assert no_sign.status_code == 422 and "请填写签收人" in no_sign.text
    group = await organiser.post_form(f"/org/campaigns/{campaign_id}/households/{households[0].id}/group", {"group_id": "x"})
    assert group.status_code == 422
    dates = await organiser.post_form("/org/campaigns", {"name": "坏日期", "festival": "春节", "starts_on": "2027-13-01", "ends_on": ""})
    assert dates.status_code == 422 and "开始日期格式不正确" in dates.text


async def test_xlsx_exports_escape_formulas(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    b = households[0]
    saved = await organiser.post_form(f"/org/campaigns/{campaign_id}/households/{b.id}", {
        "name": b.name, "category": b.category, "unit": "=HYPERLINK(\"http://x\")", "area": b.area,
        "address": "+1 楼", "contact": "@SUM(A1)", "persons": "1",
    })
    assert saved.status_code == 303
    for url in (f"/org/campaigns/{campaign_id}/arrangement.xlsx", f"/org/campaigns/{campaign_id}/summary.xlsx"):
        response = await organiser.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(response.content)).active
        values = [cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]
        assert "'=HYPERLINK(\"http://x\")" in values
        assert not any(v.startswith(("=", "+", "@")) for v in values)
        if "arrangement" in url:
            assert "'+1 楼" in values and "'@SUM(A1)" in values
            assert any("09:45" in v for v in values)


async def test_visit_flow_through_the_pages(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    b = households[0]
    visited = await organiser.post_form(f"/org/campaigns/{campaign_id}/households/{b.id}/visit", {
        "status": "visited", "visited_on": "2027-02-01", "cash": "500", "goods": "米、油", "goods_value": "300", "signed_by": b.name,
    })
    assert visited.status_code == 303
    board = await organiser.get(f"/org/campaigns/{campaign_id}")
    assert "已慰问" in board.text
    summary = await organiser.get(f"/org/campaigns/{campaign_id}/summary")
    assert "实发 500 元" in summary.text


async def test_tags_and_living_lines_pages(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    organiser = await clients(ORGANISER)
    tags = await organiser.get("/org/campaigns/tags")
    assert tags.status_code == 200 and "困难职工" in tags.text
    added = await organiser.post_form("/org/campaigns/tags", {"tag": "退休", "employee_nos": "ZJ02001, ZJ02002", "action": "add"})
    assert added.status_code == 303
    assert "ZJ02002" in (await organiser.get("/org/campaigns/tags?tag=退休")).text
    unknown = await organiser.post_form("/org/campaigns/tags", {"tag": "退休", "employee_nos": "NOPE-1"})
    assert unknown.status_code == 422 and "NOPE-1" in unknown.text
    lines = await organiser.get("/org/campaigns/living-lines")
    assert lines.status_code == 200 and "780" in lines.text
    saved = await organiser.post_form("/org/campaigns/living-lines", {"region": "本市", "year": "2028", "line": "820"})
    assert saved.status_code == 303
    assert "820" in (await organiser.get("/org/campaigns/living-lines")).text


async def test_a_person_added_twice_to_a_group_is_refused_in_place(clients: Clients, demo_db: Database) -> None:
    campaign_id, _, groups = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    url = f"/org/campaigns/{campaign_id}/groups/{groups[0]}/members"
    first = await organiser.post_form(url, {"name": "王重复", "unit": "工会办公室"}, htmx=True)
    assert first.status_code < 300
    again = await organiser.post_form(url, {"name": "王重复", "unit": "工会办公室"}, htmx=True)
    assert again.status_code == 409 and "王重复(工会办公室) 已在「第一组」中" in again.text
    assert again.headers.get("hx-retarget") == "#flash"


async def test_amounts_and_ids_beyond_any_range_are_refused_in_chinese_not_a_500(clients: Clients, demo_db: Database) -> None:
    campaign_id, households, _ = await _ids(demo_db)
    organiser = await clients(ORGANISER)
    household = f"/org/campaigns/{campaign_id}/households/{households[0].id}"
    huge = await organiser.post_form(household + "/amount", {"cash": "1e999999999", "override_reason": "核对"}, htmx=True)
    assert huge.status_code == 422 and "慰问金不能超过 2,000 万元" in huge.text
    lines = await organiser.post_form("/org/campaigns/living-lines", {"region": "本市", "year": "2027", "line": "1e999999999"}, htmx=True)
    assert lines.status_code == 422 and "最低生活保障线不能超过 2,000 万元" in lines.text
    # "²" passes str.isdigit, but int() cannot read it
    odd_year = await organiser.post_form("/org/campaigns/living-lines", {"region": "本市", "year": "²", "line": "780"}, htmx=True)
    assert odd_year.status_code == 422 and "年度应为" in odd_year.text
    odd_persons = await organiser.post_form(f"/org/campaigns/{campaign_id}/households", {"name": "李某", "category": "退休", "persons": "1²"}, htmx=True)
    assert odd_persons.status_code == 422 and "慰问人数应为 1–20 之间的整数" in odd_persons.text
    for group_id in ("9" * 20, "²"):
        picked = await organiser.post_form(household + "/group", {"group_id": group_id}, htmx=True)
        assert picked.status_code == 422 and "慰问小组无效" in picked.text
