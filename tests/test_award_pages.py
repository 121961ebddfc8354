"""Team points, the medal table, award lists and certificates over HTTP: pages that refresh
themselves, xlsx downloads, the JSON API, the organiser-only certificates, and the meet
form's points settings."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from events.db import Database
from events.models import Meet
from tests.support import Client, DemoMeet
from tests.test_team_points import TEAMS, enter_squad, timed_final

ORGANISER, LEADER = "zuweihui", "lingdui1"


def is_full_page(html: str) -> bool:
    return "<html" in html


async def _results(db: Database, demo: DemoMeet) -> dict[str, list[str]]:
    """A complete 100 m final (a record for 一车间) and a complete relay of four teams."""
    squads = {t: await enter_squad(db, demo, "RELAY-4X100-M", t, 4, "M") for t in TEAMS[:4]}
    await timed_final(db, demo, "RELAY-4X100-M", [(t, 48_000 + 500 * i) for i, t in enumerate(TEAMS[:4])])
    lines = [(t, 11_000 + 100 * i) for i, t in enumerate(TEAMS)]
    lines[0] = ("一车间", 10_980, "record")
    await timed_final(db, demo, "ATH-100M-M", lines)
    return squads


async def _ends_on(db: Database, demo: DemoMeet) -> str:
    async with db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    return f"{meet.ends_on.year}年{meet.ends_on.month}月{meet.ends_on.day}日"


async def test_the_team_points_page_shows_totals_and_breakdown_and_polls_for_updates(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    await _results(demo_db, demo)
    public = await clients(None)
    page = await public.get(f"/meets/{demo.meet_id}/points")
    assert page.status_code == 200 and is_full_page(page.text)
    html = page.text
    assert "团体总分" in html and "暂定" in html and "已决出 2 / 20 个项目" in html
    assert 'hx-trigger="every 30s"' in html and f'hx-get="/meets/{demo.meet_id}/points"' in html
    # 一车间: 7 (100 m) + 14 (relay, 4 teams: 3 places, doubled) = 21.
    first = re.search(r'<td class="num place">1</td>\s*<td><a href="#team-\d+">一车间</a></td>\s*<td class="num total">21</td>', html)
    assert first, html
    assert "各队得分明细" in html and "男子4×100米接力" in html
    assert "前 6 名依次得 7-5-4-3-2-1 分;接力及团体项目得分×2" in html
    poll = await public.get(f"/meets/{demo.meet_id}/points", htmx=True)
    assert poll.status_code == 200 and not is_full_page(poll.text)
    assert poll.text.lstrip().startswith('<div id="team-points"') and 'hx-trigger="every 30s"' in poll.text


async def test_the_medal_table_page_polls_and_counts_awarded_places(demo_db: Database, demo: DemoMeet, clients) -> None:
    await _results(demo_db, demo)
    public = await clients(None)
    page = await public.get(f"/meets/{demo.meet_id}/medals")
    assert page.status_code == 200 and "奖牌榜" in page.text and "金牌" in page.text
    row = re.search(r'<td class="num place">1</td>\s*<td>一车间</td>\s*<td class="num">2</td>', page.text)
    assert row, page.text
    poll = await public.get(f"/meets/{demo.meet_id}/medals", htmx=True)
    assert not is_full_page(poll.text) and poll.text.lstrip().startswith('<div id="medal-table"')


async def test_award_lists_are_public_and_export_to_xlsx(demo_db: Database, demo: DemoMeet, clients) -> None:
    squads = await _results(demo_db, demo)
    public = await clients(None)
    page = await public.get(f"/meets/{demo.meet_id}/awards")
    assert page.status_code == 200
    html = page.text
    assert html.index("男子100米") < html.index("男子4×100米接力"), "programme order"
    assert "第一名" in html and '<span class="badge record">破纪录</span>' in html
    assert "、".join(squads["一车间"]) in html
    assert "打印奖状" not in html, "the public does not print certificates"
    one = await public.get(f"/meets/{demo.meet_id}/events/{demo.event_ids['ATH-100M-M']}/awards")
    assert one.status_code == 200 and "男子100米 获奖名单" in one.text and "男子4×100米接力" not in one.text
    sheet = await public.get(f"/meets/{demo.meet_id}/awards.xlsx")
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''" in sheet.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[3][:4] == ("男子100米", "第一名", rows[3][2], "一车间") and rows[3][6] == "破纪录"
    event_sheet = await public.get(f"/meets/{demo.meet_id}/events/{demo.event_ids['RELAY-4X100-M']}/awards.xlsx")
    relay_rows = list(load_workbook(io.BytesIO(event_sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert relay_rows[3][4] == "、".join(squads["一车间"])
    organiser = await clients(ORGANISER)
    assert "打印奖状" in (await organiser.get(f"/meets/{demo.meet_id}/awards")).text
    missing = await public.get(f"/meets/{demo.meet_id}/events/999999/awards")
    assert missing.status_code == 404 and "找不到该项目" in missing.text


async def test_certificates_print_one_page_each_for_organisers_only(demo_db: Database, demo: DemoMeet, clients) -> None:
    squads = await _results(demo_db, demo)
    organiser = await clients(ORGANISER)
    page = await organiser.get(f"/org/meets/{demo.meet_id}/certificates")
    assert page.status_code == 200
    html = page.text
    assert html.count('<article class="certificate"') == 3 + 3  # 100 m top 3, relay top 3
    first = html[html.index('<article class="certificate"') :]
    first = first[: first.index("</article>")]
    for text in ("奖<span class=\"cert-gap\"></span>状", "一车间", "第六届职工运动会男子100米比赛中", "第一名", "10.98", "破纪录", "公司工会", await _ends_on(demo_db, demo)):
        assert text in first, text
    relay = html[html.index("男子4×100米接力比赛中") - 800 :]
    assert "队员：" + "、".join(squads["一车间"]) in relay
    one = await organiser.get(f"/org/meets/{demo.meet_id}/events/{demo.event_ids['ATH-100M-M']}/certificates")
    assert one.text.count('<article class="certificate"') == 3
    waiting = await organiser.get(f"/org/meets/{demo.meet_id}/events/{demo.event_ids['ATH-1500M-M']}/certificates")
    assert waiting.status_code == 200 and "暂不能打印奖状" in waiting.text and '<article class="certificate"' not in waiting.text
    leader = await clients(LEADER)
    refused = await leader.get(f"/org/meets/{demo.meet_id}/certificates")
    assert refused.status_code == 403
    anonymous = await clients(None)
    sent = await anonymous.get(f"/org/meets/{demo.meet_id}/certificates")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/login")


async def test_the_json_api_gives_points_medals_and_awards(demo_db: Database, demo: DemoMeet, clients) -> None:
    squads = await _results(demo_db, demo)
    client = await clients(None)
    points = (await client.api("GET", f"/api/meets/{demo.meet_id}/points")).json()
    assert points["provisional"] is True and points["decided"] == 2 and points["events"] == 20
    assert points["rules"]["points"] == [7, 5, 4, 3, 2, 1] and points["rules"]["team_event_multiplier"] == 2
    top = points["teams"][0]
    assert (top["team_name"], top["points"], top["place"]) == ("一车间", 21, 1)
    assert {(x["event_name"], x["points"]) for x in top["scored"]} == {("男子100米", 7), ("男子4×100米接力", 14)}
    medals = (await client.api("GET", f"/api/meets/{demo.meet_id}/medals")).json()
    assert medals["medals"][0] == {"place": 1, "team_id": demo.team_ids["一车间"], "team_name": "一车间", "gold": 2, "silver": 0, "bronze": 0, "total": 2}
    awards = (await client.api("GET", f"/api/meets/{demo.meet_id}/awards?event_id={demo.event_ids['RELAY-4X100-M']}")).json()
    assert [a["place_text"] for a in awards["awards"]] == ["第一名", "第二名", "第三名"]
    assert awards["awards"][0]["members"] == squads["一车间"]
    everything = (await client.api("GET", f"/api/meets/{demo.meet_id}/awards")).json()
    assert everything["awards"][0]["record_label"] == "破纪录" and len(everything["awards"]) == 6


async def test_the_meet_form_edits_the_points_rules_with_chinese_messages(demo_db: Database, demo: DemoMeet, clients) -> None:
    organiser = await clients(ORGANISER)
    form_page = await organiser.get(f"/org/meets/{demo.meet_id}/edit")
    assert form_page.status_code == 200
    assert 'name="points_table"' in form_page.text and 'value="7,5,4,3,2,1"' in form_page.text
    assert 'name="points_multiplier"' in form_page.text and 'value="2"' in form_page.text
    assert re.search(r'<option value="1" selected>计分名次为参赛数减一</option>', form_page.text)
    async with demo_db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    base = {
        "name": meet.name, "edition": str(meet.edition), "host": meet.host, "location": meet.location,
        "starts_on": meet.starts_on.isoformat(), "ends_on": meet.ends_on.isoformat(),
        "registration_opens": meet.registration_opens.isoformat(), "registration_closes": meet.registration_closes.isoformat(),
        "per_person_limit": "3", "counted_kinds": meet.counted_kinds,
    }
    bad = await organiser.post_form(f"/org/meets/{demo.meet_id}", base | {"points_table": "7,5,五", "points_multiplier": "2", "points_short_field": "1"}, htmx=True)
    assert bad.status_code == 422 and "名次分须为用逗号分隔的数字,如 7,5,4,3,2,1" in bad.text and 'value="7,5,五"' in bad.text
    bad = await organiser.post_form(f"/org/meets/{demo.meet_id}", base | {"points_table": "7,5,4", "points_multiplier": "两倍", "points_short_field": "1"}, htmx=True)
    assert bad.status_code == 422 and "「接力及团体项目得分倍数」格式不正确" in bad.text
    saved = await organiser.post_form(f"/org/meets/{demo.meet_id}", base | {"points_table": "9,7,6,5,4,3,2,1", "points_multiplier": "1", "points_short_field": "0"})
    assert saved.status_code == 303
    points = (await organiser.api("GET", f"/api/meets/{demo.meet_id}/points")).json()
    assert points["rules"]["points"] == [9, 7, 6, 5, 4, 3, 2, 1] and points["rules"]["team_event_multiplier"] == 1
    assert points["rules"]["short_field_reduction"] is None
    again = await organiser.get(f"/org/meets/{demo.meet_id}/edit")
    assert 'value="9,7,6,5,4,3,2,1"' in again.text and re.search(r'<option value="0" selected>不减少</option>', again.text)


async def test_the_meet_pages_link_to_points_medals_and_awards(demo: DemoMeet, clients) -> None:
    public = await (await clients(None)).get(f"/meets/{demo.meet_id}")
    for href in ("points", "medals", "awards"):
        assert f'href="/meets/{demo.meet_id}/{href}"' in public.text
    organiser = await (await clients(ORGANISER)).get(f"/org/meets/{demo.meet_id}")
    assert f'href="/org/meets/{demo.meet_id}/certificates"' in organiser.text
