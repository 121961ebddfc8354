"""Excel entry forms: the downloadable form, reading messy filled forms, the preview, the
all-or-nothing commit, hostile files, and the upload pages. Service tests run on both
backends; the hostile-file tests need no database."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import to_excel
from sqlalchemy import select, update

from events import entry_forms, registration
from events.actors import Actor
from events.db import Database
from events.entry_forms import UnreadableFile
from events.errors import DomainError, Forbidden
from events.meets import today
from events.models import EntryFormUpload, Entry, Meet, Person
from tests.support import SYSTEM_ORGANISER as ORG
from tests.support import Client, DemoMeet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


# Helpers -----------------------------------------------------------------------------------


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The same xlsx with some parts replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        assert set(replace or {}) <= set(source.namelist())
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
        for name, part in (add or {}).items():
            target.writestr(name, part)
    return out.getvalue()


def simple_form(header: list[str], rows: list[list[Any]], title: str = "报名表") -> bytes:
    """A one-title-row form: the header is row 2, data from row 3."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = title
    ws.append(["第六届职工运动会报名表"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    return save(workbook)


async def team_people(db: Database, demo: DemoMeet, team: str = "一车间") -> dict[str, Person]:
    board = await registration.board(db, ORG, demo.team_ids[team])
    return {p.employee_no: p for p in board.people}


async def entries_of(db: Database, team_id: int) -> set[tuple[int, int, str]]:
    async with db.read() as session:
        rows = await session.execute(select(Entry.person_id, Entry.event_id, Entry.status).where(Entry.team_id == team_id))
        return {tuple(r) for r in rows.all()}  # type: ignore[misc]


def leader(demo: DemoMeet) -> Actor:
    return demo.actor("lingdui1")


# The downloadable form ---------------------------------------------------------------------


async def test_template_lists_every_member_and_event_with_current_entries_ticked(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=demo.event_ids["XQ"], person_id=people["ZJ01002"].id)
    board = await registration.board(demo_db, ORG, team_id)

    workbook = load_workbook(io.BytesIO(entry_forms.build_template(board)))
    ws = workbook["报名表"]
    assert "第六届职工运动会" in ws["A1"].value and "一车间" in ws["A1"].value
    assert "每人限报 3 项" in ws["A2"].value
    header = [c.value for c in ws[3]]
    events = [*board.individual_events, *board.team_events]
    assert header == ["姓名", "性别", "出生日期", "工号", *(e.name for e in events)]
    assert "男子4×100米接力" in header and "拔河" in header
    assert ws.max_row == 3 + len(board.people)
    rows = {ws.cell(row=r, column=4).value: r for r in range(4, ws.max_row + 1)}
    row = rows["ZJ01002"]
    assert ws.cell(row=row, column=1).value == people["ZJ01002"].name
    assert ws.cell(row=row, column=2).value == "男"
    assert ws.cell(row=row, column=3).value.date() == people["ZJ01002"].birth_date
    ticked = [header[c - 1] for c in range(5, ws.max_column + 1) if ws.cell(row=row, column=c).value == "√"]
    assert ticked == ["中国象棋"]
    assert len(ws.data_validations.dataValidation) == 2
    assert "填表说明" in workbook.sheetnames


async def test_template_read_back_unchanged_plans_no_change(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=demo.event_ids["TUG"], person_id=people["ZJ01001"].id)
    board = await registration.board(demo_db, ORG, team_id)

    preview = entry_forms.parse_upload(entry_forms.build_template(board), board)

    assert preview.problems == []
    assert (len(preview.added), len(preview.withdrawn), len(preview.unchanged)) == (0, 0, 1)
    assert len(preview.rows) == len(board.people)
    assert preview.notes == []


# Reading what real forms look like ---------------------------------------------------------


def messy_form(people: dict[str, Person]) -> bytes:
    """Two title lines, a two-row header with merged cells, full-width and spaced text,
    dates in five shapes, M/F in any case, many kinds of ticks, blank and footer rows."""
    m1, m2, m3, w1, w2 = (people[n] for n in ("ZJ01001", "ZJ01002", "ZJ01003", "ZJ01016", "ZJ01017"))
    workbook = Workbook()
    ws = workbook.active
    ws.title = "一车间"
    ws["A1"] = "第六届职工运动会报名表"
    ws.merge_cells("A1:K1")
    ws["A2"] = "单位(盖章):一车间        填表日期:  年  月  日"
    for column, text in zip("ABCDE", ("序号", "姓  名", "性别", "出生年月日", "工 号"), strict=True):
        ws[f"{column}3"] = text
        ws.merge_cells(f"{column}3:{column}4")
    ws["F3"] = "个人项目"
    ws.merge_cells("F3:H3")
    ws["F4"], ws["G4"], ws["H4"] = "男子１００米", "100米(女)", "中国 象棋"
    ws["I3"] = "团体项目"
    ws.merge_cells("I3:J3")
    ws["I4"], ws["J4"] = "篮球", "４×100米接力(男)"
    ws["K3"] = "备注"
    ws.merge_cells("K3:K4")
    d = [p.birth_date for p in (m1, m2, m3, w1, w2)]
    assert all(d)
    rows = [
        [],
        [1, m1.name[0] + " " + m1.name[1:], "m", to_excel(d[0]), m1.employee_no.translate(FULL_WIDTH), "√", None, "Y", "x", None, ""],
        [2, m2.name + "\u3000", "M", f"{d[1].year}年{d[1].month}月{d[1].day}日", m2.employee_no, 1, None, None, None, "是"],
        [None] * 11,
        [3, f" {w1.name} ", "f", f"{d[3].year}/{d[3].month}/{d[3].day}", f" {w1.employee_no.lower()} ", None, "✔", "", "", ""],
        [4, w2.name, "女", dt.datetime.combine(d[4], dt.time()), w2.employee_no, None, "", "", None, None, "不报了"],
        [5, m3.name, "男", d[2].strftime("%Y%m%d"), m3.employee_no, "-", None, "X", None, None],
        [],
        ["领队签字:", None, None, None, None, None, None, None, None, None, "联系电话:138"],
    ]
    for row in rows:
        ws.append(row)
    return save(workbook)


async def test_messy_form_is_read_into_the_right_people_and_events(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    ev = demo.event_ids
    w2, m3 = people["ZJ01017"], people["ZJ01003"]
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=ev["ATH-100M-W"], person_id=w2.id)
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=ev["ATH-1500M-M"], person_id=m3.id)

    preview = await entry_forms.preview_upload(demo_db, leader(demo), team_id, messy_form(people))

    assert [p.text for p in preview.problems] == []
    pid = {n: people[n].id for n in people}
    assert preview.wanted == {
        pid["ZJ01001"]: {ev["ATH-100M-M"], ev["XQ"], ev["BB-M"]},
        pid["ZJ01002"]: {ev["ATH-100M-M"], ev["RELAY-4X100-M"]},
        pid["ZJ01016"]: {ev["ATH-100M-W"]},
        pid["ZJ01017"]: set(),
        pid["ZJ01003"]: {ev["XQ"], ev["ATH-1500M-M"]},  # 1500米 has no column: kept
    }
    assert [(c.person.employee_no, c.event.name, c.row) for c in preview.withdrawn] == [("ZJ01017", "女子100米", 10)]
    assert [(c.person.employee_no, c.event.name) for c in preview.unchanged] == [("ZJ01003", "男子1500米")]
    assert len(preview.added) == 7
    assert [r.row for r in preview.rows] == [6, 7, 9, 10, 11]
    assert any("男子1500米" in note and "保持不变" in note for note in preview.notes)
    assert any("不在表中" in note for note in preview.notes)
    assert preview.checked and preview.result is not None and preview.result.added == 7
    assert preview.ok and not preview.committed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985-03-02", (dt.date(1985, 3, 2), True)),
        ("1985/3/2", (dt.date(1985, 3, 2), True)),
        ("1985.3.2", (dt.date(1985, 3, 2), True)),
        ("1985年3月2日", (dt.date(1985, 3, 2), True)),
        ("１９８５年３月２日", (dt.date(1985, 3, 2), True)),
        ("19850302", (dt.date(1985, 3, 2), True)),
        (19850302, (dt.date(1985, 3, 2), True)),
        (31108, (dt.date(1985, 3, 2), True)),
        (31108.0, (dt.date(1985, 3, 2), True)),
        ("31108", (dt.date(1985, 3, 2), True)),
        (dt.datetime(1985, 3, 2), (dt.date(1985, 3, 2), True)),
        ("1985.03", (dt.date(1985, 3, 1), False)),
        ("1985年3月", (dt.date(1985, 3, 1), False)),
        ("", None),
        (None, None),
    ],
)
def test_birth_dates_are_read_however_they_were_typed(value: Any, expected: Any) -> None:
    assert entry_forms.parse_birth_date(value) == expected


@pytest.mark.parametrize("value", ["1985-13-02", "1985-02-30", "85-3-2", "三月", "1985", 1985, "2999-01-01", True, "1800-01-01"])
def test_impossible_birth_dates_are_not_read(value: Any) -> None:
    assert entry_forms.parse_birth_date(value) is entry_forms._INVALID


@pytest.mark.parametrize("value", ["√", "✓", "✔", "1", 1, 1.0, "是", "Y", "y", "X", "x", " √ ", "Ｙ", True])
def test_ticks_count_as_entries(value: Any) -> None:
    assert entry_forms.parse_mark(value) is True


@pytest.mark.parametrize("value", [None, "", "  ", 0, "0", "否", "N", "-", "—", "/"])
def test_blanks_and_noes_are_not_entries(value: Any) -> None:
    assert entry_forms.parse_mark(value) is False


@pytest.mark.parametrize("value", ["?", "2", 2, "报了吗", "✗"])
def test_unclear_marks_are_problems(value: Any) -> None:
    assert entry_forms.parse_mark(value) is None


def test_event_headers_match_by_normalised_name_and_only_unambiguously() -> None:
    names = ["男子100米", "女子100米", "男子篮球", "中国象棋", "搭桥板(女)", "男子4×100米接力", "女子4×50米接力"]
    events = [type("E", (), {"name": n, "id": i})() for i, n in enumerate(names)]
    matcher = entry_forms.EventMatcher(events)  # type: ignore[arg-type]

    def found(header: str) -> str | None:
        event, _ = matcher.match(header)
        return event.name if event else None

    assert found("男子１００米") == "男子100米"
    assert found("男 子 100 米") == "男子100米"
    assert found("男100米") == "男子100米"
    assert found("100米(女)") == "女子100米"
    assert found("100m（男子）") == "男子100米"
    assert found("篮球") == "男子篮球"  # the only basketball event
    assert found("女子搭桥板") == "搭桥板(女)"
    assert found("男子4X100米接力") == "男子4×100米接力"
    assert found("4×50米接力") == "女子4×50米接力"
    assert found("100米") is None and {e.name for e in matcher.match("100米")[1]} == {"男子100米", "女子100米"}
    assert found("女子篮球") is None
    assert found("跳绳") is None


# Problems, each with its sheet, row and column ---------------------------------------------


async def test_every_problem_names_its_sheet_row_and_column(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    m = [people[f"ZJ0100{i}"] for i in range(1, 6)]
    header = ["姓名", "性别", "出生日期", "工号", "男子100米", "跳绳", "100米"]
    rows = [
        [m[0].name, "男", None, m[0].employee_no, "√"],
        [m[1].name, "男", "1985-13-02", m[1].employee_no],
        ["某某", "男", None, "ZJ02001", "√"],
        ["张三", "男", None, m[2].employee_no],
        [m[0].name, "男", None, m[0].employee_no],
        [m[3].name, "男女", None, m[3].employee_no],
        [m[4].name, "男", None, m[4].employee_no, "?"],
        ["某某", None, None, None, "√"],
    ]

    preview = await entry_forms.preview_upload(demo_db, leader(demo), team_id, simple_form(header, rows))

    texts = [p.text for p in preview.problems]
    assert texts == [
        "报名表 第 2 行 F 列:表头「跳绳」不是本届运动会的比赛项目",
        "报名表 第 2 行 G 列:表头「100米」可能是 「男子100米」、「女子100米」,请写明完整项目名称",
        "报名表 第 4 行 C 列:出生日期「1985-13-02」无法识别",
        "报名表 第 5 行:工号 ZJ02001 不是本队队员",
        f"报名表 第 6 行 A 列:姓名「张三」与工号 {m[2].employee_no} 的队员「{m[2].name}」不符",
        f"报名表 第 7 行:工号 {m[0].employee_no}({m[0].name})在第 3 行已出现,每人只能填一行",
        "报名表 第 8 行 B 列:性别「男女」无法识别,请填 男 或 女",
        "报名表 第 9 行 E 列:「?」不是报名标记:报名请填 √(或 ✓、1、是、Y),不报请留空",
        "报名表 第 10 行 D 列:缺少工号",
    ]
    assert not preview.ok


async def test_several_sheets_are_read_and_problems_name_their_sheet(demo_db: Database, demo: DemoMeet) -> None:
    people = await team_people(demo_db, demo)
    man, woman = people["ZJ01001"], people["ZJ01016"]
    workbook = Workbook()
    men = workbook.active
    men.title = "男职工"
    for row in (["姓名", "工号", "男子100米"], [man.name, man.employee_no, "√"]):
        men.append(row)
    women = workbook.create_sheet("女职工")
    for row in (["女职工报名"], ["姓名", "工号", "女子100米"], [woman.name, woman.employee_no, "√"], [man.name, man.employee_no, "√"]):
        women.append(row)
    workbook.create_sheet("说明").append(["请按工号填写"])

    preview = await entry_forms.preview_upload(demo_db, leader(demo), demo.team_ids["一车间"], save(workbook))

    assert [p.text for p in preview.problems] == [f"女职工 第 4 行:工号 {man.employee_no}({man.name})在「男职工」第 2 行已出现,每人只能填一行"]
    assert preview.wanted == {man.id: {demo.event_ids["ATH-100M-M"]}, woman.id: {demo.event_ids["ATH-100M-W"]}}


async def test_gender_and_birth_date_must_agree_with_the_archive(demo_db: Database, demo: DemoMeet) -> None:
    people = await team_people(demo_db, demo)
    man = people["ZJ01001"]
    assert man.birth_date is not None
    other_day = man.birth_date + dt.timedelta(days=1)
    form = simple_form(["姓名", "性别", "出生日期", "工号"], [[man.name, "女", other_day.isoformat(), man.employee_no]])

    preview = await entry_forms.preview_upload(demo_db, leader(demo), demo.team_ids["一车间"], form)

    assert [(p.row, p.column) for p in preview.problems] == [(3, "B"), (3, "C")]
    assert "档案中" in preview.problems[0].message and "为男" in preview.problems[0].message
    assert "与职工档案" in preview.problems[1].message


async def test_rule_refusals_appear_in_the_preview_at_their_cells(demo_db: Database, demo: DemoMeet) -> None:
    people = await team_people(demo_db, demo)
    man, woman = people["ZJ01001"], people["ZJ01016"]
    header = ["姓名", "工号", "男子100米", "男子1500米", "中国象棋", "拔河", "女子100米"]
    rows = [[man.name, man.employee_no, "√", "√", "√", "√"], [woman.name, woman.employee_no, "√"]]

    preview = await entry_forms.preview_upload(demo_db, leader(demo), demo.team_ids["一车间"], simple_form(header, rows))

    # The rules take events in programme order: 象棋, 拔河, 100米 fit; 1500米 (column D) is the fourth.
    assert [(p.row, p.column) for p in preview.problems] == [(3, "D"), (4, "C")]
    assert "达到每人限报 3 项" in preview.problems[0].message
    assert "不能报男子项目「男子100米」" in preview.problems[1].message
    assert preview.checked and not preview.ok
    # the changes the form asks for say which of them the rules refuse
    refused = {(c.person.name, c.event.name): c.refused for c in preview.added if c.refused}
    assert set(refused) == {(man.name, "男子1500米"), (woman.name, "男子100米")}
    assert preview.refused(preview.added) == 2 and len(preview.added) == 5


async def test_a_file_without_the_header_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])
    with pytest.raises(UnreadableFile) as excinfo:
        entry_forms.parse_upload(simple_form(["名字", "编号"], [["张三", "1"]]), board)
    assert "姓名" in excinfo.value.message and "工号" in excinfo.value.message


async def test_other_teams_leader_may_not_preview(demo_db: Database, demo: DemoMeet) -> None:
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])
    with pytest.raises(Forbidden):
        await entry_forms.preview_upload(demo_db, demo.actor("lingdui2"), demo.team_ids["一车间"], entry_forms.build_template(board))


async def test_closed_window_is_a_problem_for_a_leader(demo_db: Database, demo: DemoMeet) -> None:
    async with demo_db.write() as session:
        await session.execute(
            update(Meet).where(Meet.id == demo.meet_id).values(
                registration_opens=today() - dt.timedelta(days=10), registration_closes=today() - dt.timedelta(days=1)
            )
        )
    people = await team_people(demo_db, demo)
    man = people["ZJ01001"]
    form = simple_form(["姓名", "工号", "男子100米"], [[man.name, man.employee_no, "√"]])

    preview = await entry_forms.preview_upload(demo_db, leader(demo), demo.team_ids["一车间"], form)

    assert [p.text for p in preview.problems] == [preview.problems[0].message]
    assert "截止" in preview.problems[0].message


# Commit: all or nothing --------------------------------------------------------------------


async def test_commit_saves_the_whole_form(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    ev = demo.event_ids
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=ev["ATH-100M-W"], person_id=people["ZJ01017"].id)

    preview = await entry_forms.commit_upload(demo_db, leader(demo), team_id, messy_form(people))

    assert preview.committed and preview.result is not None
    assert (preview.result.added, preview.result.withdrawn) == (7, 1)
    after = {(p, e) for p, e, _ in await entries_of(demo_db, team_id)}
    assert (people["ZJ01017"].id, ev["ATH-100M-W"]) not in after
    assert (people["ZJ01001"].id, ev["BB-M"]) in after
    assert (people["ZJ01002"].id, ev["RELAY-4X100-M"]) in after
    assert len(after) == 7


async def test_a_form_with_any_problem_saves_nothing(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    await registration.enter(demo_db, ORG, team_id=team_id, event_id=demo.event_ids["XQ"], person_id=people["ZJ01003"].id)
    before = await entries_of(demo_db, team_id)
    good = [[people[n].name, n, "√"] for n in ("ZJ01001", "ZJ01002", "ZJ01004")]
    bad_row = [["某某", "ZJ02001", "√"]]

    preview = await entry_forms.commit_upload(
        demo_db, leader(demo), team_id, simple_form(["姓名", "工号", "男子100米", "中国象棋"], [*good, [people["ZJ01003"].name, "ZJ01003"], *bad_row])
    )

    assert not preview.committed
    assert [p.text for p in preview.problems] == ["报名表 第 7 行:工号 ZJ02001 不是本队队员"]
    assert await entries_of(demo_db, team_id) == before


async def test_a_form_a_rule_refuses_saves_nothing(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    before = await entries_of(demo_db, team_id)
    man = people["ZJ01001"]
    rows = [[people[n].name, n, "√"] for n in ("ZJ01002", "ZJ01003")] + [[man.name, man.employee_no, "√", "√", "√", "√"]]

    preview = await entry_forms.commit_upload(
        demo_db, leader(demo), team_id, simple_form(["姓名", "工号", "男子100米", "男子1500米", "中国象棋", "拔河"], rows)
    )

    assert not preview.committed
    assert len(preview.problems) == 1 and "限报" in preview.problems[0].message
    assert await entries_of(demo_db, team_id) == before


async def test_stored_upload_is_bound_to_its_team_and_user(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    people = await team_people(demo_db, demo)
    man = people["ZJ01001"]
    form = simple_form(["姓名", "工号", "男子100米"], [[man.name, man.employee_no, "√"]])
    token = await entry_forms.store_upload(demo_db, leader(demo), team_id, form, "报名表.xlsx")

    with pytest.raises(DomainError) as excinfo:
        await entry_forms.commit_stored(demo_db, demo.actor("zuweihui"), team_id, token)
    assert "失效" in excinfo.value.message
    with pytest.raises(Forbidden):
        await entry_forms.commit_stored(demo_db, demo.actor("lingdui2"), team_id, token)

    preview = await entry_forms.commit_stored(demo_db, leader(demo), team_id, token)
    assert preview.committed
    with pytest.raises(DomainError):  # used up
        await entry_forms.commit_stored(demo_db, leader(demo), team_id, token)


async def test_expired_upload_cannot_be_committed(demo_db: Database, demo: DemoMeet) -> None:
    team_id = demo.team_ids["一车间"]
    board = await registration.board(demo_db, ORG, team_id)
    token = await entry_forms.store_upload(demo_db, leader(demo), team_id, entry_forms.build_template(board))
    async with demo_db.write() as session:
        await session.execute(update(EntryFormUpload).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    with pytest.raises(DomainError) as excinfo:
        await entry_forms.commit_stored(demo_db, leader(demo), team_id, token)
    assert "失效" in excinfo.value.message


# Hostile and malformed files ---------------------------------------------------------------


def refused(data: bytes) -> str:
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as excinfo:
        entry_forms.load(data)
    assert time.perf_counter() - started < 5  # refused before any expensive parsing
    return excinfo.value.message


SHEET = "xl/worksheets/sheet1.xml"


def a_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["姓名", "工号"])
    return save(workbook)


def test_not_a_zip_is_refused() -> None:
    assert refused("姓名,工号\n张三,ZJ01001\n".encode()) == entry_forms.NOT_XLSX
    assert "Excel(.xlsx)" in entry_forms.NOT_XLSX


def test_empty_file_is_refused() -> None:
    assert refused(b"") == "上传的文件是空的"


def test_truncated_zip_is_refused() -> None:
    data = a_workbook()
    assert refused(data[: len(data) // 2]) == entry_forms.DAMAGED


def test_corrupted_part_is_refused() -> None:
    data = bytearray(a_workbook())
    start = data.index(b"PK\x03\x04", 10)  # the second part's compressed bytes
    data[start + 60 : start + 80] = b"\x00" * 20
    assert refused(bytes(data)) in (entry_forms.DAMAGED, entry_forms.NOT_XLSX) or "无法读取" in refused(bytes(data))


def test_old_xls_is_refused_with_a_clear_message() -> None:
    message = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    assert ".xls" in message and "另存为" in message


def test_ods_is_refused_with_a_clear_message() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert ".ods" in refused(out.getvalue())


def test_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    bomb = rezip(a_workbook(), add={"xl/media/padding.xml": b"0" * (20 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert refused(bomb) == entry_forms.TOO_BIG


def test_too_much_uncompressed_data_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entry_forms, "MAX_UNCOMPRESSED", 1024 * 1024)
    import os

    assert refused(rezip(a_workbook(), add={"xl/media/photo.bin": os.urandom(1024 * 1024)})) == entry_forms.TOO_BIG


def test_too_many_zip_entries_are_refused() -> None:
    parts = {f"xl/media/p{i}.txt": b"x" for i in range(1001)}
    assert refused(rezip(a_workbook(), add=parts)) == entry_forms.TOO_BIG


BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c><c r="B1" t="inlineStr"><is><t>工号</t></is></c></row>
</sheetData></worksheet>""".encode()


def billion_laughs_workbook() -> bytes:
    return rezip(a_workbook(), replace={SHEET: BILLION_LAUGHS})


def test_billion_laughs_is_refused_before_parsing() -> None:
    assert refused(billion_laughs_workbook()) == entry_forms.DTD_REFUSED


def test_billion_laughs_is_also_refused_by_openpyxls_defusedxml_parser() -> None:
    """The second wall: openpyxl parses through defusedxml, so even without our scan the
    entity would not be expanded."""
    with pytest.raises(ValueError) as excinfo:  # openpyxl wraps the parser's error
        load_workbook(io.BytesIO(billion_laughs_workbook()))
    assert isinstance(excinfo.value.__cause__, DefusedXmlException)


def test_defusedxml_refusal_inside_openpyxl_gets_the_same_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entry_forms, "check_archive", lambda data: None)
    assert refused(billion_laughs_workbook()) == entry_forms.DTD_REFUSED


def test_external_entity_is_refused() -> None:
    xxe = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""
    assert refused(rezip(a_workbook(), replace={SHEET: xxe})) == entry_forms.DTD_REFUSED


def test_utf16_doctype_is_refused() -> None:
    part = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'.encode("utf-16-le")
    assert refused(rezip(a_workbook(), replace={SHEET: part})) == entry_forms.DTD_REFUSED


def test_huge_merged_range_costs_nothing() -> None:
    """Read-only loading never expands merged ranges (normal mode would make a cell object
    for each of the 17 billion cells of this one)."""
    data = a_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    sheet = sheet.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    started = time.perf_counter()
    entry_forms.load(rezip(data, replace={SHEET: sheet})).close()
    assert time.perf_counter() - started < 5


def test_too_many_cells_are_refused_before_loading() -> None:
    workbook = Workbook()
    for _ in range(1001):
        workbook.active.append(["√"] * 100)
    assert "单元格" in refused(save(workbook))


async def test_a_far_away_cell_does_not_make_the_sheet_slow(demo_db: Database, demo: DemoMeet) -> None:
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])
    workbook = Workbook()
    ws = workbook.active
    ws.append(["姓名", "工号", *(f"项目{i}" for i in range(298))])
    ws.cell(row=1_048_576, column=16_384, value="x")
    started = time.perf_counter()
    preview = entry_forms.parse_upload(save(workbook), board)
    assert time.perf_counter() - started < 5
    assert len(preview.problems) == 298  # the unknown event columns; the far cell is in no column


async def test_more_than_2000_rows_are_refused(demo_db: Database, demo: DemoMeet) -> None:
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])
    rows = [[f"某{i}", f"X{i:05d}", "√"] for i in range(2001)]
    with pytest.raises(UnreadableFile) as excinfo:
        entry_forms.parse_upload(simple_form(["姓名", "工号", "男子100米"], rows), board)
    assert "2000 行" in excinfo.value.message


# The pages ---------------------------------------------------------------------------------

Clients = Callable[..., Awaitable[Client]]


async def upload(client: Client, team_id: int, data: bytes, name: str = "报名表.xlsx", **fields: str) -> Any:
    return await client.http.post(
        f"/teams/{team_id}/entry-form/preview",
        files={"file": (name, data, XLSX)},
        data=fields,
        headers={"x-csrftoken": await client.csrf_token()},
    )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_leader_downloads_previews_and_confirms_a_form(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    leader_client = await clients("lingdui1")
    team_id = demo.team_of("lingdui1")

    board_page = await leader_client.get(f"/teams/{team_id}/entries")
    assert f'href="/teams/{team_id}/entry-form"' in board_page.text
    page = await leader_client.get(f"/teams/{team_id}/entry-form")
    assert page.status_code == 200 and "下载报名表" in page.text
    download = await leader_client.get(f"/teams/{team_id}/entry-form.xlsx")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(XLSX)
    assert "filename*=UTF-8''" in download.headers["content-disposition"]

    workbook = load_workbook(io.BytesIO(download.content))
    ws = workbook["报名表"]
    header = [c.value for c in ws[3]]
    ws.cell(row=4, column=header.index("中国象棋") + 1, value="√")
    response = await upload(leader_client, team_id, save(workbook))
    assert response.status_code == 200, response.text
    assert "检查通过" in response.text and "确认提交" in response.text and "中国象棋" in response.text
    token = response.text.split('name="token" value="')[1].split('"')[0]

    confirm = await leader_client.http.post(
        f"/teams/{team_id}/entry-form/commit",
        data={"token": token, "_csrf_token": await leader_client.csrf_token()},
        follow_redirects=False,
    )
    assert confirm.status_code == 303
    assert "saved=1&added=1&withdrawn=0" in confirm.headers["location"]
    assert len(await entries_of(demo_db, team_id)) == 1
    done = await leader_client.get(confirm.headers["location"])
    assert "新增 1 项" in done.text


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_preview_with_problems_lists_them_and_offers_no_confirmation(clients: Clients, demo: DemoMeet) -> None:
    leader_client = await clients("lingdui1")
    team_id = demo.team_of("lingdui1")
    form = simple_form(["姓名", "工号", "男子100米"], [["某某", "ZJ02001", "√"]])

    response = await upload(leader_client, team_id, form)

    assert response.status_code == 422
    assert "报名表 第 3 行" in response.text and "工号 ZJ02001 不是本队队员" in response.text
    assert "确认提交" not in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook", "不是有效的 Excel(.xlsx)文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Excel(.xls)"),
        (b"PK\x03\x04truncated", "文件不完整或已损坏"),
    ],
)
async def test_bad_files_get_a_chinese_message_not_a_500(clients: Clients, demo: DemoMeet, data: bytes, message: str) -> None:
    leader_client = await clients("lingdui1")
    response = await upload(leader_client, demo.team_of("lingdui1"), data)
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_bomb_upload_gets_a_chinese_message(clients: Clients, demo: DemoMeet) -> None:
    leader_client = await clients("lingdui1")
    response = await upload(leader_client, demo.team_of("lingdui1"), billion_laughs_workbook())
    assert response.status_code == 422 and "DOCTYPE" in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_upload_over_2_mib_is_refused_with_413(clients: Clients, demo: DemoMeet) -> None:
    leader_client = await clients("lingdui1")
    response = await upload(leader_client, demo.team_of("lingdui1"), b"PK" + b"\x00" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "过大" in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_another_teams_leader_cannot_use_the_form_pages(clients: Clients, demo: DemoMeet) -> None:
    other = await clients("lingdui2")
    team_id = demo.team_of("lingdui1")
    assert (await other.get(f"/teams/{team_id}/entry-form")).status_code == 403
    assert (await other.get(f"/teams/{team_id}/entry-form.xlsx")).status_code == 403
    assert (await upload(other, team_id, a_workbook())).status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_commit_with_an_unknown_token_is_refused(clients: Clients, demo: DemoMeet) -> None:
    leader_client = await clients("lingdui1")
    team_id = demo.team_of("lingdui1")
    response = await leader_client.post_form(f"/teams/{team_id}/entry-form/commit", {"token": "forged"})
    assert response.status_code == 422
    assert "已失效" in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_anonymous_visitor_is_sent_to_sign_in(clients: Clients, demo: DemoMeet) -> None:
    anonymous = await clients()
    response = await anonymous.get(f"/teams/{demo.team_of('lingdui1')}/entry-form.xlsx", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_preview_page_marks_the_changes_a_rule_refuses(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    people = await team_people(demo_db, demo)
    man, woman = people["ZJ01001"], people["ZJ01016"]
    header = ["姓名", "工号", "男子100米", "男子1500米", "中国象棋", "拔河", "女子100米"]
    rows = [[man.name, man.employee_no, "√", "√", "√", "√"], [woman.name, woman.employee_no, "√"]]
    leader_client = await clients("lingdui1")
    response = await upload(leader_client, demo.team_of("lingdui1"), simple_form(header, rows))
    assert response.status_code == 422
    assert "整份表都不会保存" in response.text
    assert "新增报名(5,其中 2 项不符合规则)" in response.text
    assert response.text.count('<tr class="refused">') == 2
    assert "✘ " + woman.name in response.text or "不能报男子项目「男子100米」" in response.text
    assert "确认提交" not in response.text
