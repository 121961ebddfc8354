"""The programme and print books over HTTP: the organiser's 秩序册 (one click from the meet
page), the public daily schedule, start lists and result books, each as an A4 print page and as
an xlsx that opens with openpyxl and never runs a hostile name as a formula."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from openpyxl import load_workbook
from sqlalchemy import select, update

from events.db import Database
from events.demo_field import enter_demo_field
from events.models import Entry, Person, Team
from tests.support import Client, DemoMeet
from events import programme
from tests.test_programme import drawn_demo, published_meet, sheet

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


# Reading a printed page's structure -------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.texts: list[str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        return "".join(self.texts) + "".join(c.text for c in self.children)

    def all(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        found = []
        for c in self.children:
            if (tag is None or c.tag == tag) and (cls is None or cls in c.classes):
                found.append(c)
            found += c.all(tag, cls)
        return found

    def block(self) -> "Node | None":
        """The nearest unbreakable block (.book-block) around this node."""
        node = self.parent
        while node is not None and "book-block" not in node.classes:
            node = node.parent
        return node


class _Tree(HTMLParser):
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.root = self.at = Node("root", {}, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in self.VOID:
            self.at = node

    def handle_endtag(self, tag: str) -> None:
        node = self.at
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.at = node.parent

    def handle_data(self, data: str) -> None:
        self.at.texts.append(data)


def dom(html: str) -> Node:
    parser = _Tree()
    parser.feed(html)
    return parser.root


def cells(row: Node) -> list[str]:
    return [" ".join(c.text.split()) for c in row.children if c.tag in ("td", "th")]


def section_of(root: Node, title: str) -> Node:
    return next(s for s in root.all("section", "book-section") if s.all("h2") and s.all("h2")[0].text.strip().startswith(title))


# The print defects -----------------------------------------------------------------------------


async def test_no_programme_heading_ends_a_page_apart_from_its_table_or_bracket(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    """Each event heading of the draws section rides in the unbreakable block of its first group
    table, match table, bracket or heat; so does the timetable's 按场地."""
    await published_meet(demo_db, demo)
    org: Client = await clients(ORGANISER)
    root = dom((await org.get(f"/org/meets/{demo.meet_id}/programme")).text)
    events = root.all("div", "book-event")
    assert len(events) >= 15
    for event in events:
        (head,) = event.all("div", "book-head")
        block = head.block()
        assert block is not None and block in event.all("div", "book-block"), head.text
        assert block.all("table") or block.all("div", "ko-tree"), head.text
        assert not [h for h in event.children if h.tag in ("h2", "h3")]  # nothing loose above the block
    draft = next(e for e in events if "扑克" in e.all("div", "book-head")[0].text)
    assert "对阵尚未公布" in draft.all("div", "book-head")[0].text  # the draft note stays with it too
    (by_venue,) = [h for h in root.all("h3") if h.text.strip() == "按场地"]
    assert by_venue.block() is not None and by_venue.block().all("table")  # type: ignore[union-attr]


async def test_the_printed_timetable_says_each_fact_once(demo_db: Database, demo: DemoMeet, clients) -> None:
    """内容 holds the players (or a ceremony), never the event and round printed beside it."""
    await published_meet(demo_db, demo)
    public: Client = await clients(None)
    names = [s.event.name for s in (await programme.public_books(demo_db, demo.meet_id)).events]
    root = dom((await public.get(f"/meets/{demo.meet_id}/schedule")).text)
    details = [" ".join(td.text.split()) for td in root.all("td", "detail")]
    assert details and not [d for d in details if any(name in d for name in names)]
    assert any(" 对 " in d for d in details) and "开幕式" in details
    org: Client = await clients(ORGANISER)
    book = dom((await org.get(f"/org/meets/{demo.meet_id}/programme")).text)
    assert not [td for td in book.all("td", "detail") if any(name in td.text for name in names)]


async def test_start_lists_give_each_match_its_time_court_and_players(demo_db: Database, demo: DemoMeet, clients) -> None:
    await published_meet(demo_db, demo)
    books = await programme.public_books(demo_db, demo.meet_id)
    public: Client = await clients(None)
    root = dom((await public.get(f"/meets/{demo.meet_id}/start-lists")).text)
    basketball = section_of(root, "男子篮球")
    rows = basketball.all("tr")
    at = next(i for i, r in enumerate(rows) if cells(r)[:1] == ["场次"])
    header, first = rows[at], rows[at + 1]
    assert cells(header)[:3] == ["场次", "时间", "场地"]
    match = sheet(books, "BB-M").draw.stages[0].matches[0]  # type: ignore[union-attr]
    slot = match.slot
    assert slot is not None
    number, when, where = cells(first)[:3]
    assert (number, when) == (str(match.number), f"{slot.start.month}月{slot.start.day}日 {slot.start:%H:%M}")
    assert where == f"{slot.venue_name} {slot.unit_label}" and slot.unit_label.endswith("号场")
    players = [" ".join(d.text.split()) for d in first.all("div", "members")]
    assert players == ["、".join(match.a_members), "、".join(match.b_members)] and all(players)


async def test_a_relay_start_list_names_each_team_once_with_its_runners(demo_db: Database, demo: DemoMeet, clients) -> None:
    await published_meet(demo_db, demo)
    public: Client = await clients(None)
    root = dom((await public.get(f"/meets/{demo.meet_id}/start-lists")).text)
    relay = section_of(root, "男子4×100米接力")
    rows = [r for r in relay.all("tr") if len(r.children) > 1]
    assert cells(rows[0]) == ["道次", "代表队"]  # no 队名 beside 代表队, no empty 号码
    for row in rows[1:]:
        team, *_ = row.all("td")[1].texts
        runners = row.all("div", "members")[0].text.split("、")
        assert team.strip() and len(runners) == 4
        assert cells(row)[1].count(team.strip()) == 1


async def test_the_result_book_lists_events_without_results_in_one_short_list(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    """Not a page per empty event: one list by where they stand, each wording true to it."""
    import random

    from events.models import Event
    from tests.test_demo_track_meet import _score_round

    await published_meet(demo_db, demo)
    async with demo_db.read() as session:
        men = await session.get(Event, demo.event_ids["ATH-100M-M"])
    await _score_round(demo_db, men, random.Random(6))  # type: ignore[arg-type]
    public: Client = await clients(None)
    html = (await public.get(f"/meets/{demo.meet_id}/results-book")).text
    root = dom(html)
    pages = [s.all("h2")[0].text for s in root.all("section", "book-section")]
    assert len(pages) == 2 and "男子100米" in pages[1]  # the front page, and the one event with marks
    (waiting,) = root.all("div", "book-waiting")
    assert "以下项目尚无成绩" in waiting.text
    lines = {li.all("strong")[0].text: li.text for li in waiting.all("li")}
    assert set(lines) == {"尚未比赛", "对阵尚未公布", "分组尚未公布"}  # everything is drawn: no 尚未编排
    assert "扑克(三副牌升级)" in lines["对阵尚未公布"] and "女子1500米" in lines["分组尚未公布"]
    assert "男子篮球" in lines["尚未比赛"] and "男子100米" not in waiting.text
    one = await public.get(f"/meets/{demo.meet_id}/events/{demo.event_ids['PK-SJ']}/results-book")
    assert "尚无成绩:对阵尚未公布" in one.text and "尚未编排" not in one.text
