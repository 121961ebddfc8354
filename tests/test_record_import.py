"""Historical records from Excel: messy real-world sheets are read, every problem is named by
sheet, row and column, a file with any problem saves nothing, hostile files are refused, and
imported records are ratified by the importing organiser — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import to_excel
from sqlalchemy import func, select

from events import entry_forms, record_import, records
from events.db import Database
from events.demo_records import history_workbook
from events.entry_forms import UnreadableFile
from events.errors import Forbidden
from events.meets import today
from events.models import AuditLog, RecordDecision, RecordMark
from tests.support import DemoMeet

HEADER = list(record_import.COLUMNS)
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def recent(days: int) -> dt.date:
    """A day after the demo history (which ends in last November) and before today."""
    return today() - dt.timedelta(days=days)


def workbook_bytes(rows: list[list[Any]], header: list[str] | None = None, title: str | None = "往届大会纪录", sheet: str = "纪录表") -> bytes:
    """A sheet with an optional merged title row, the header, then the rows."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells("A1:H1")
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(code: str = "FUN-TJ-M", mark: Any = "80", holder: str = "罗明", day: Any = None, **extra: Any) -> list[Any]:
    values = {
        "name": "", "team": "财务部", "meet": "第六届职工运动会", "note": "",
    } | extra
    return [code, values["name"], mark, holder, values["team"], values["meet"], day or recent(3), values["note"]]


async def count_marks(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(RecordMark)) or 0


def texts(preview: record_import.Preview) -> list[str]:
    return [p.text for p in preview.problems]


# A good file --------------------------------------------------------------------------------


async def test_a_good_file_imports_every_row_ratified_by_the_organiser(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor("zuweihui")
    data = workbook_bytes([
        row("FUN-TJ-M", "80", "罗明", recent(5)),
        row("FUN-TJ-M", "80", "谢宇", recent(4), note="平纪录"),
        row("ATH-100M-W", "16.20", "王芳", dt.date(2022, 11, 19), team="质检部", meet="第二届职工运动会"),
        row("ATH-1500M-W", "6:40.1", "周婷", recent(3)),
    ])
    before = await count_marks(demo_db)
    preview = await record_import.preview_import(demo_db, organiser, data)
    assert preview.ok, texts(preview)
    assert [(r.code, r.shown, r.flag) for r in preview.rows] == [
        ("FUN-TJ-M", "80", "record"), ("FUN-TJ-M", "80", "equal"), ("ATH-100M-W", "16.20", "record"),
        ("ATH-1500M-W", "6:40.10", "record"),
    ]
    assert await count_marks(demo_db) == before  # a preview saves nothing

    done = await record_import.commit_import(demo_db, organiser, data)
    assert done.committed
    assert await count_marks(demo_db) == before + 4
    async with demo_db.read() as session:
        saved = (await session.execute(
            select(RecordMark, RecordDecision).join(RecordDecision, RecordDecision.record_mark_id == RecordMark.id)
            .where(RecordMark.id > before).order_by(RecordMark.id)
        )).all()
        audit_row = await session.scalar(
            select(AuditLog).where(AuditLog.action == "record_import", AuditLog.actor_id == organiser.user_id)
        )
    assert [(m.holder, m.source, d.decision, d.decided_by) for m, d in saved] == [
        ("罗明", "import", "ratified", organiser.user_id), ("谢宇", "import", "ratified", organiser.user_id),
        ("王芳", "import", "ratified", organiser.user_id), ("周婷", "import", "ratified", organiser.user_id),
    ]
    assert saved[0][0].event_name == "踢毽(男)" and saved[0][0].sport == "fun" and not saved[0][0].lower_is_better
    assert audit_row is not None and "4 条" in audit_row.summary and audit_row.actor_id == organiser.user_id
    fun = {r.code: r for r in await records.standing_records(demo_db, "fun")}
    assert fun["FUN-TJ-M"].shown == "80" and [h.mark.holder for h in fun["FUN-TJ-M"].holders] == ["罗明", "谢宇"]
    women = await records.event_history(demo_db, "ATH-100M-W")
    assert [line.shown for line in women.lines] == ["16.20", "15.92", "15.63"]
    assert women.standing.shown == "15.63"


async def test_a_messy_real_world_sheet_is_read(demo_db: Database, demo: DemoMeet) -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet1"
    ws.append(["公司职工运动会"])
    ws.append(["大会纪录一览表(截至去年)"])
    ws.merge_cells("A1:I1")
    ws.merge_cells("A2:I2")
    ws.append([])
    ws.append(["序号", " 项目代码 ", "项 目", "纪录成绩", "保持者", "单位", "届次", "日期", "备注"])
    ws.append([1, "fun-tj-m".translate(FULL_WIDTH), "踢毽(男)", 81, " 罗　明 ", "财务部", "第六届", recent(9), None])
    ws.append([2, "ATH-1500M-M", "1500米(男)", "5分01秒2", "孙鹏", "生产技术部", "第六届", f"{recent(8):%Y年%m月%d日}", ""])
    ws.append([3, "ATH-1500M-M", "男子1500米", dt.time(0, 5, 0, 500_000), "孙鹏", "生产技术部", "第六届", to_excel(recent(7)), ""])
    ws.append([4, "ATH-100M-M", "男子100米", 12.5, "张伟", "一车间", "第六届", f"{recent(6):%Y/%m/%d}", ""])
    ws.append([])
    ws.append([None, "填表人:会务组", None, None, None, None, None, None, None])
    data = _save(workbook)
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)
    assert preview.ok, texts(preview)
    assert [(r.sheet, r.row, r.code, r.shown, r.holder, r.set_on) for r in preview.rows] == [
        ("Sheet1", 5, "FUN-TJ-M", "81", "罗　明", recent(9)),
        ("Sheet1", 6, "ATH-1500M-M", "5:01.20", "孙鹏", recent(8)),
        ("Sheet1", 7, "ATH-1500M-M", "5:00.50", "孙鹏", recent(7)),
        ("Sheet1", 8, "ATH-100M-M", "12.50", "张伟", recent(6)),
    ]
    assert preview.rows[0].event_name == "踢毽(男)"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A file with a problem saves nothing ---------------------------------------------------------------


async def test_a_file_with_one_bad_row_saves_nothing_and_names_the_cell(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor("zuweihui")
    data = workbook_bytes([
        row("FUN-TJ-M", "80", "罗明", recent(5)),
        row("ATH-100M-M", "12秒5x", "张伟", recent(4)),
        row("ATH-1500M-W", "6:40.10", "周婷", recent(3)),
    ])
    before = await count_marks(demo_db)
    preview = await record_import.commit_import(demo_db, organiser, data)
    assert not preview.committed and not preview.ok
    assert await count_marks(demo_db) == before
    (problem,) = preview.problems
    assert (problem.sheet, problem.row, problem.column) == ("纪录表", 4, "C")
    assert problem.text.startswith("纪录表 第 4 行 C 列:成绩「12秒5x」无法识别")
    assert "时间" in problem.message


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (row("XX-UNKNOWN"), "A", "项目代码 XX-UNKNOWN 不存在。已有的项目代码:ATH-100M-M(男子100米)"),
        (row(""), "A", "缺少项目代码"),
        (row(mark="犯规"), "C", "纪录须为有效成绩"),
        (row(mark=""), "C", "缺少成绩"),
        (row(mark="八十"), "C", "无法识别"),
        (row(holder=""), "D", "缺少纪录保持者"),
        (row(holder="很长" * 41), "D", "不能超过 80 个字"),
        (row(day="2024-02-30"), "G", "不是一个日期(或这一天不存在)"),
        (row(day=today() + dt.timedelta(days=2)), "G", "晚于今天"),
        (row(day="明天"), "G", "不是一个日期"),
        (row(day="2024年11月"), "G", "须写到哪一天"),
        (row(name="女子100米"), "B", "与项目代码 FUN-TJ-M(踢毽(男))不符"),
        (row(mark="75", day=recent(2)), "C", "不如更早的"),  # 78 was set last November
        (row("ATH-100M-M", "12.70", day=dt.date(2023, 1, 10)), "C", "若 12.70 属实,后来的 12.95 就不会是纪录"),  # better than the later 12.95
    ],
)
async def test_every_bad_cell_is_a_problem_at_its_place(
    demo_db: Database, demo: DemoMeet, cells: list[Any], column: str, message: str
) -> None:
    data = workbook_bytes([row("FUN-TJ-M", "90", "好人", recent(1)), cells])
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)
    assert len(preview.problems) == 1, texts(preview)
    (problem,) = preview.problems
    assert (problem.sheet, problem.row, problem.column) == ("纪录表", 4, column), problem.text
    assert message in problem.message


async def test_the_preview_lists_as_clean_only_the_rows_no_problem_points_at(demo_db: Database, demo: DemoMeet) -> None:
    # row 4 is read (its mark is a mark) but contradicts the archive: it is a problem, not a clean row
    data = workbook_bytes([row("FUN-TJ-M", "90", "好人", recent(1)), row("ATH-100M-M", "12.70", day=dt.date(2023, 1, 10))])
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)
    assert [p.row for p in preview.problems] == [4]
    assert [r.row for r in preview.clean_rows] == [3]


async def test_missing_columns_are_named_at_the_header(demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([["FUN-TJ-M", "80"]], header=["项目代码", "成绩"])
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)
    assert "纪录表 第 2 行:表头缺少「纪录保持者」列" in texts(preview)
    assert "纪录表 第 2 行:表头缺少「创造日期」列" in texts(preview)


async def test_the_demo_history_cannot_be_imported_twice(demo_db: Database, demo: DemoMeet) -> None:
    before = await count_marks(demo_db)
    preview = await record_import.commit_import(demo_db, demo.actor("zuweihui"), history_workbook(today()))
    assert not preview.committed and len(preview.problems) == len(preview.rows) == 20
    assert all("已有这条纪录" in p.message for p in preview.problems)
    assert await count_marks(demo_db) == before


async def test_a_row_repeated_in_the_file_is_a_problem(demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([row(day=recent(3)), row(day=recent(3))])
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)
    assert texts(preview) == ["纪录表 第 4 行:与纪录表 第 3 行重复"]


async def test_several_sheets_are_read_and_a_sheet_without_header_is_skipped(demo_db: Database, demo: DemoMeet) -> None:
    workbook = load_workbook(io.BytesIO(workbook_bytes([row(day=recent(5))])))
    notes = workbook.create_sheet("说明")
    notes.append(["这里只是说明文字"])
    other = workbook.create_sheet("田径")
    other.append(HEADER)
    other.append(row("ATH-100M-M", "12.7", "张伟", recent(4)))
    other.append(row("ATH-100M-M", "快", "李强", recent(4)))
    preview = await record_import.preview_import(demo_db, demo.actor("zuweihui"), _save(workbook))
    assert [r.sheet for r in preview.rows] == ["纪录表", "田径"]
    assert [p.where for p in preview.problems] == ["田径 第 3 行 C 列"]


async def test_a_file_without_a_records_header_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([["张三", "1"]], header=["姓名", "工号"])
    with pytest.raises(UnreadableFile, match="找不到表头"):
        await record_import.preview_import(demo_db, demo.actor("zuweihui"), data)


async def test_only_organisers_import(demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([row()])
    for username in ("lingdui1", "caipan1"):
        with pytest.raises(Forbidden):
            await record_import.preview_import(demo_db, demo.actor(username), data)
        with pytest.raises(Forbidden):
            await record_import.commit_import(demo_db, demo.actor(username), data)
        with pytest.raises(Forbidden):
            await record_import.template(demo_db, demo.actor(username))


# The template and the archive workbook ---------------------------------------------------------


async def test_the_template_lists_the_codes_and_reads_back_when_filled(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor("zuweihui")
    filename, data = await record_import.template(demo_db, organiser)
    assert filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["纪录表", "项目代码", "填写说明"]
    ws = workbook["纪录表"]
    assert [c.value for c in ws[3]] == HEADER
    codes = {r[0].value: r for r in workbook["项目代码"].iter_rows(min_row=2)}
    assert codes["ATH-100M-M"][1].value == "男子100米" and "12.81" in codes["ATH-100M-M"][5].value
    assert codes["FUN-TJ-M"][3].value.startswith("次数")
    for column, value in enumerate(row("FUN-TJ-M", "81", "罗明", recent(2)), start=1):
        ws.cell(row=4, column=column, value=value)
    preview = await record_import.preview_import(demo_db, organiser, _save(workbook))
    assert preview.ok, texts(preview)
    assert [(r.row, r.shown) for r in preview.rows] == [(4, "81")]


async def test_the_archive_workbook_guards_text_against_formulas(demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([row(holder="@SUM(1+1)", day=recent(2))])
    assert (await record_import.commit_import(demo_db, demo.actor("zuweihui"), data)).committed
    _, xlsx = await record_import.archive_xlsx(demo_db)
    ws = load_workbook(io.BytesIO(xlsx)).active
    values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "'@SUM(1+1)" in values
    assert not any(v.startswith(("=", "@", "+")) for v in values)
    assert "12.81" in values and "平纪录" in values


# Hostile files (no database needed) ---------------------------------------------------------------


def _rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
        for name, part in (add or {}).items():
            target.writestr(name, part)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空的"),
        (b"not a workbook", entry_forms.NOT_XLSX),
        (entry_forms.OLE2_MAGIC + b"\x00" * 512, entry_forms.OLD_XLS),
        (b"PK\x03\x04truncated", entry_forms.DAMAGED),
        (_rezip(workbook_bytes([row()]), add={"xl/media/padding.xml": b"0" * (20 * 1024 * 1024)}), entry_forms.TOO_BIG),
        (_rezip(workbook_bytes([row()]), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}), entry_forms.DTD_REFUSED),
    ],
    ids=["empty", "not-a-zip", "old-xls", "truncated", "zip-bomb", "billion-laughs"],
)
def test_hostile_files_are_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile) as refused:
        record_import.read_workbook(data)
    assert message in refused.value.message


def test_a_time_excel_stored_as_a_time_of_day_is_read_as_typed() -> None:
    assert record_import._duration(dt.time(0, 5, 5, 360_000)) == "5:05.360"
    assert record_import._duration(dt.timedelta(minutes=65, seconds=3)) == "1:05:03.000"
    assert record_import._duration(dt.datetime(2024, 11, 20)) is None
    assert record_import.cell_text(12.8) == "12.8" and record_import.cell_text(80.0) == "80"
