"""The programme and print books over HTTP: the organiser's 秩序册 (one click from the meet
page), the public daily schedule, start lists and result books, each as an A4 print page and as
an xlsx that opens with openpyxl and never runs a hostile name as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from events.db import Database
from events.demo_field import enter_demo_field
from events.models import Entry, Person, Team
from tests.support import Client, DemoMeet
from tests.test_programme import drawn_demo

ORGANISER, LEADER = "zuweihui", "lingdui1"
HOSTILE_TEAM = '=HYPERLINK("http://evil.example","x")'
HOSTILE_PERSON = "@SUM(1+1)"


async def _hostile(db: Database, demo: DemoMeet) -> None:
    """一车间 renamed to a formula, and one of its sprinters too, before the heats are drawn (a
    start list keeps the names as they were when it was drawn)."""
    await enter_demo_field(db, demo.meet_id)
    team_id = demo.team_ids["一车间"]
    async with db.write() as session:
        await session.execute(update(Team).where(Team.id == team_id).values(name=HOSTILE_TEAM))
        person_id = await session.scalar(
            select(Entry.person_id)
            .where(Entry.team_id == team_id, Entry.event_id == demo.event_ids["ATH-100M-M"])
            .order_by(Entry.person_id)
            .limit(1)
        )
        await session.execute(update(Person).where(Person.id == person_id).values(name=HOSTILE_PERSON))


def _cells(data: bytes) -> list[object]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [cell for ws in book.worksheets for row in ws.iter_rows(values_only=True) for cell in row if cell is not None]


async def test_the_organiser_prints_the_programme_from_the_meet_page(demo_db: Database, demo: DemoMeet, clients) -> None:
    await drawn_demo(demo_db, demo)
    org: Client = await clients(ORGANISER)
    meet_page = await org.get(f"/org/meets/{demo.meet_id}")
    assert f'href="/org/meets/{demo.meet_id}/programme">打印秩序册</a>' in meet_page.text
    page = await org.get(f"/org/meets/{demo.meet_id}/programme")
    assert page.status_code == 200
    html = page.text
    for heading in ("秩 序 册", "目 录", "一、组织机构", "二、竞赛规程", "三、竞赛日程", "四、各代表队名单",
                    "五、各项目参赛名单", "六、竞赛分组、对阵与道次", "七、大会纪录"):
        assert heading in html, heading
    assert "赛程尚未发布" in html  # no timetable published in the demo
    assert "第六届职工运动会" in html and "男子100米" in html and "预览" in html
    assert 'class="print-book"' in html and "book-section" in html
    # The chess knockout is drawn as a tree (once: not also as a table of its lines).
    assert html.count('class="ko-tree"') == 1 and "中国象棋 · 淘汰赛</th>" not in html


async def test_the_programme_is_for_organisers_only(demo_db: Database, demo: DemoMeet, clients) -> None:
    leader: Client = await clients(LEADER)
    assert (await leader.get(f"/org/meets/{demo.meet_id}/programme")).status_code == 403
    assert (await leader.get(f"/org/meets/{demo.meet_id}/programme.xlsx")).status_code == 403


async def test_programme_xlsx_opens_and_escapes_hostile_names(demo_db: Database, demo: DemoMeet, clients) -> None:
    await _hostile(demo_db, demo)
    await drawn_demo(demo_db, demo)
    org: Client = await clients(ORGANISER)
    response = await org.get(f"/org/meets/{demo.meet_id}/programme.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["竞赛规程", "竞赛日程", "代表队名单", "项目参赛名单", "检录单", "大会纪录"]
    cells = _cells(response.content)
    texts = [c for c in cells if isinstance(c, str)]
    assert "'" + HOSTILE_TEAM in texts and "'" + HOSTILE_PERSON in texts
    assert not any(t.startswith(("=", "+", "@")) for t in texts)


async def test_public_books_show_what_is_published(demo_db: Database, demo: DemoMeet, clients) -> None:
    await drawn_demo(demo_db, demo)
    public: Client = await clients(None)
    schedule = await public.get(f"/meets/{demo.meet_id}/schedule")
    assert schedule.status_code == 200 and "赛程尚未发布" in schedule.text
    bad_day = await public.get(f"/meets/{demo.meet_id}/schedule", params={"day": "not-a-day"})
    assert bad_day.status_code == 200
    lists = await public.get(f"/meets/{demo.meet_id}/start-lists")
    assert lists.status_code == 200
    assert "男子100米" in lists.text and "中国象棋" in lists.text
    assert "女子100米" not in lists.text  # its heats are a draft
    assert "预览" not in lists.text
    book = await public.get(f"/meets/{demo.meet_id}/results-book")
    assert book.status_code == 200 and "破纪录一览" in book.text
    one = await public.get(f"/meets/{demo.meet_id}/events/{demo.event_ids['ATH-100M-M']}/results-book")
    assert one.status_code == 200 and "男子100米" in one.text
    missing = await public.get(f"/meets/{demo.meet_id}/events/99999/results-book")
    assert missing.status_code == 404


async def test_public_xlsx_books_open_and_escape_hostile_names(demo_db: Database, demo: DemoMeet, clients) -> None:
    await _hostile(demo_db, demo)
    await drawn_demo(demo_db, demo)
    public: Client = await clients(None)
    for url in ("schedule.xlsx", "start-lists.xlsx", "results-book.xlsx",
                f"events/{demo.event_ids['ATH-100M-M']}/results-book.xlsx"):
        response = await public.get(f"/meets/{demo.meet_id}/{url}")
        assert response.status_code == 200, url
        texts = [c for c in _cells(response.content) if isinstance(c, str)]
        assert not any(t.startswith(("=", "+", "@")) for t in texts), url
        if url == "start-lists.xlsx":
            assert "'" + HOSTILE_PERSON in texts and "'" + HOSTILE_TEAM in texts
