"""Historical records (往届大会纪录) from Excel: a template to download, an upload read into a
preview that lists every problem by sheet, row and column, and a confirmation that saves all
of it or — if anything is wrong — nothing. Organisers only.

The same defences and the same forgiveness as the entry forms (events.entry_forms, whose
helpers this module uses): hostile files are refused before openpyxl parses them (size,
not-a-zip, zip bombs, DOCTYPE/ENTITY), the workbook is read-only and streamed in a worker
thread, the header may sit under title rows and merged cells, and full-width characters,
stray spaces, dates typed as text or stored as Excel serial numbers are all read.

What a row must say: an event code the system knows (from an event of any meet, or from the
archive) — the code fixes what a mark is (time, count, distance) and which way is better, so
an unknown code is refused with the list of known ones; a mark in that event's kind; the
holder; the day it was set. A history must make sense in time: a mark is not a record if an
earlier record was better, and a row that repeats the archive is refused. Imported marks are
ratified on import: the decision rows are written in the same transaction, by the importing
organiser.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit, entry_forms, records
from events.actors import Actor
from events.db import Database
from events.entry_forms import HEADER_SCAN_ROWS, MAX_ROWS, EventMatcher, Problem, UnreadableFile, header_text, norm, norm_name
from events.exports import Sheet, guard_text, unguard_text, write_xlsx
from events.labels import SPORT
from events.measures import is_better, shown
from events.meets import today
from events.models import Event, RecordDecision, RecordMark, RecordSource, Sport
from scheduling.marks import KIND_LABELS, MarkError, Measure, parse_mark

MAX_UPLOAD_BYTES = entry_forms.MAX_UPLOAD_BYTES
SHEET = "纪录表"
CODES_SHEET = "项目代码"
HELP_SHEET = "填写说明"
COLUMNS = ("项目代码", "项目名称", "成绩", "纪录保持者", "代表队/单位", "运动会", "创造日期", "备注")
KEYS = ("code", "name", "mark", "holder", "team", "meet", "date", "note")
TITLES = dict(zip(KEYS, COLUMNS, strict=True))
LABELS: dict[str, set[str]] = {
    "code": {"项目代码", "代码", "项目编号", "项目编码", "编码"},
    "name": {"项目名称", "项目", "比赛项目", "项目名"},
    "mark": {"成绩", "纪录成绩", "纪录", "最好成绩"},
    "holder": {"纪录保持者", "保持者", "纪录创造者", "创造者", "姓名", "运动员", "保持人"},
    "team": {"代表队/单位", "代表队", "单位", "所在单位", "代表单位", "部门", "车间", "队伍", "代表队(单位)"},
    "meet": {"运动会", "赛事", "创造于", "届次", "比赛名称", "运动会名称", "创造时的运动会"},
    "date": {"创造日期", "日期", "创造时间", "比赛日期", "时间"},
    "note": {"备注", "说明"},
}
REQUIRED = ("code", "mark", "holder", "date")
LIMITS = {"name": 60, "holder": 80, "team": 60, "meet": 80, "note": 500}
NO_HEADER = "找不到表头:纪录表的前 10 行中须有一行同时含「项目代码」和「成绩」两列"
EXAMPLES = {"time": "12.85、5:05.36", "distance": "5.23(米)", "height": "1.45(米)", "count": "80", "points": "85"}


# Reading the workbook (no database) ----------------------------------------------------------


@dataclass
class RawRow:
    sheet: str
    row: int
    cells: dict[str, Any]  # key -> the cell's value
    columns: dict[str, str]  # key -> column letter


@dataclass
class Parsed:
    rows: list[RawRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)


def _at(values: tuple[Any, ...], column: int) -> Any:
    value = values[column - 1] if column <= len(values) else None
    return None if isinstance(value, str) and not value.strip(" \u3000\t\r\n") else value


def read_workbook(data: bytes) -> Parsed:
    """Every sheet that has a records header, row by row. Raises UnreadableFile for a file
    refused as a whole; everything else is a problem in ``parsed.problems``."""
    workbook = entry_forms.load(data)
    parsed = Parsed()
    found = False
    try:
        for ws in workbook.worksheets:
            parsed.sheets.append(ws.title)
            found = _read_sheet(ws, parsed) or found
    except Exception as exc:  # noqa: BLE001 — rows are parsed lazily: a broken sheet fails here
        raise entry_forms._unreadable(exc) from None
    finally:
        workbook.close()
    if not found:
        raise UnreadableFile(NO_HEADER)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem("表中没有填写任何纪录"))
    return parsed


def _find_header(sheet: str, top: list[tuple[int, tuple[Any, ...]]], parsed: Parsed) -> tuple[int, dict[str, int]] | None:
    for row, values in top[:HEADER_SCAN_ROWS]:
        columns: dict[str, int] = {}
        for column in range(1, min(len(values), entry_forms.MAX_COLUMNS) + 1):
            label = header_text(_at(values, column))
            key = next((k for k, labels in LABELS.items() if label in labels), None)
            if key is None:
                continue
            if key in columns:
                parsed.problems.append(Problem(
                    f"「{TITLES[key]}」列在 {get_column_letter(columns[key])} 列已有一列,只能有一列",
                    sheet, row, get_column_letter(column),
                ))
                continue
            columns[key] = column
        if "code" in columns and "mark" in columns:
            for key in REQUIRED:
                if key not in columns:
                    parsed.problems.append(Problem(f"表头缺少「{TITLES[key]}」列", sheet, row))
            return row, columns
    return None


def _read_sheet(ws: Any, parsed: Parsed) -> bool:
    ws.reset_dimensions()  # a file's stated dimensions may be wrong; read every row it holds
    rows = enumerate(ws.iter_rows(values_only=True), start=1)
    top = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    header = _find_header(ws.title, top, parsed)
    if header is None:
        return False
    header_row, columns = header
    letters = {key: get_column_letter(column) for key, column in columns.items()}
    filled = 0
    for number, values in itertools.chain(((n, v) for n, v in top if n > header_row), rows):
        if not values:
            continue
        cells = {key: _at(values, column) for key, column in columns.items()}
        if all(cells.get(k) is None for k in ("mark", "holder", "date")):
            continue  # blank, or a note or signature line under the table
        filled += 1
        if filled > MAX_ROWS:
            raise UnreadableFile(f"纪录表超过 {MAX_ROWS} 行,请分成几个文件上传")
        parsed.rows.append(RawRow(ws.title, number, cells, letters))
    return True


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, our own formula guard removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return unguard_text(value.strip(" \u3000\t\r\n")).strip(" \u3000")
    return str(value).strip()


def _duration(value: Any) -> str | None:
    """A time Excel stored as a time of day (a typed 5:05.36 becomes 00:05:05.36)."""
    if isinstance(value, dt.datetime):
        if value.date() not in (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)):
            return None
        value = value.time()
    if isinstance(value, dt.time):
        total = ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    elif isinstance(value, dt.timedelta):
        total = round(value.total_seconds() * 1000)
    else:
        return None
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    clock = f"{minutes}:{seconds:02d}.{millis:03d}"
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}" if hours else clock


def _shown_cell(value: Any) -> str:
    text_value = _duration(value) or cell_text(value)
    return text_value if len(text_value) <= 30 else text_value[:29] + "…"


# Checking against the archive ----------------------------------------------------------------


@dataclass
class ImportRow:
    """A row that is ready to be saved as a ratified record mark."""

    sheet: str
    row: int
    code: str
    event_name: str
    sport: str
    measure: Measure
    value: int
    holder: str
    team_name: str
    meet_name: str
    set_on: dt.date
    note: str
    column: str = ""  # the 成绩 column's letter, where problems about the mark point
    flag: str = "record"

    @property
    def shown(self) -> str:
        return shown(self.measure, self.value, None)

    @property
    def flag_label(self) -> str:
        return records.FLAG_LABELS[self.flag]

    @property
    def sport_label(self) -> str:
        return SPORT.get(Sport(self.sport), self.sport) if self.sport in Sport._value2member_map_ else self.sport


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def codes(self) -> list[str]:
        return sorted({r.code for r in self.rows})

    @property
    def clean_rows(self) -> list[ImportRow]:
        """The rows no problem points at: what would be imported once the file is corrected."""
        flagged = {(p.sheet, p.row) for p in self.problems}
        return [r for r in self.rows if (r.sheet, r.row) not in flagged]

    def sort_problems(self) -> None:
        entry_forms.sort_problems(self.problems, self.sheets)


@dataclass
class _Known:
    """An event code as the import sees it."""

    code: str
    name: str
    sport: str
    measure: Measure
    names: list[str]  # every name the code went by, for checking the 项目名称 column
    ratified: list[records.RecordLine]
    imported: list[records.RecordLine]


async def _known(session: AsyncSession) -> dict[str, _Known]:
    known = {}
    for code, entry in (await records.codes_in_archive(session)).items():
        name, sport, measure = records.code_facts(entry)
        names = list(dict.fromkeys([*(e.name for e, _ in entry.events), *(line.mark.event_name for line in entry.lines)]))
        known[code] = _Known(
            code, name, sport, measure, names,
            [line for line in entry.lines if line.state == "ratified"],
            [line for line in entry.lines if line.mark.source == RecordSource.IMPORT],
        )
    return known


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _unknown_code(code: str, known: dict[str, _Known]) -> str:
    listed = "、".join(f"{k}({v.name})" for k, v in sorted(known.items())[:40])
    more = " 等" if len(known) > 40 else ""
    if not known:
        return f"项目代码 {code} 不存在:系统中还没有任何计时或计量项目,请先在运动会中建立该项目"
    return f"项目代码 {code} 不存在。已有的项目代码:{listed}{more}"


def _check_row(raw: RawRow, known: dict[str, _Known], on: dt.date, problems: list[Problem]) -> ImportRow | None:
    found: list[Problem] = []

    def problem(message: str, key: str | None = None) -> None:
        found.append(Problem(message, raw.sheet, raw.row, raw.columns.get(key, "") if key else ""))

    cells = raw.cells
    code = norm(cells.get("code")).upper()
    info = known.get(code)
    if not code:
        problem("缺少项目代码", "code")
    elif info is None:
        problem(_unknown_code(code, known), "code")
    texts = {key: cell_text(cells.get(key)) for key in LIMITS}
    for key, limit in LIMITS.items():
        if len(texts[key]) > limit:
            problem(f"「{TITLES[key]}」不能超过 {limit} 个字", key)
    if not texts["holder"]:
        problem("缺少纪录保持者", "holder")
    if info is not None and texts["name"]:
        matcher = EventMatcher(Event(name=n) for n in info.names)
        if matcher.match(texts["name"])[0] is None:
            problem(f"项目名称「{_shown_cell(cells.get('name'))}」与项目代码 {code}({info.name})不符", "name")
    value = _read_mark(cells.get("mark"), info, problem)
    set_on = _read_date(cells.get("date"), on, problem)
    problems.extend(found)
    if found or info is None or value is None or set_on is None:
        return None
    return ImportRow(
        raw.sheet, raw.row, code, texts["name"] or info.name, info.sport, info.measure, value, texts["holder"],
        texts["team"], texts["meet"], set_on, texts["note"], raw.columns.get("mark", ""),
    )


def _read_mark(value: Any, info: _Known | None, problem: Any) -> int | None:
    if value is None:
        problem("缺少成绩", "mark")
        return None
    if info is None:
        return None
    typed = _duration(value) if info.measure.kind == "time" else None
    if typed is None and isinstance(value, dt.date | dt.time | dt.timedelta):
        problem(f"成绩「{_shown_cell(value)}」被 Excel 当成了日期,请把成绩列设为「文本」后重新填写", "mark")
        return None
    try:
        mark = parse_mark(typed or cell_text(value), info.measure)
    except MarkError as exc:
        problem(f"{exc}(该项目的成绩是{KIND_LABELS[info.measure.kind]},如 {EXAMPLES[info.measure.kind]})", "mark")
        return None
    if not mark.valid or mark.value is None:
        problem(f"纪录须为有效成绩,不能是「{_shown_cell(value)}」", "mark")
        return None
    return mark.value


def _read_date(value: Any, on: dt.date, problem: Any) -> dt.date | None:
    if value is None:
        problem("缺少创造日期", "date")
        return None
    parsed = entry_forms.parse_birth_date(value, dt.date.max)  # a future date is refused below, by name
    if not isinstance(parsed, tuple):
        problem(f"创造日期「{_shown_cell(value)}」不是一个日期(或这一天不存在),请写作 2024-11-20 或 2024年11月20日", "date")
        return None
    day, has_day = parsed
    if day > on:
        problem(f"创造日期 {_zh(day)} 晚于今天({_zh(on)}):历史纪录须是已经创造的", "date")
        return None
    if not has_day:
        problem(f"创造日期「{_shown_cell(value)}」须写到哪一天(如 2024-11-20)", "date")
        return None
    return day


@dataclass
class _Mark:
    """A mark in a code's history for the checks in time: from the archive or from the file."""

    value: int
    set_on: dt.date
    holder: str
    where: str  # how a message names it
    shown: str  # the mark as printed (12.95)
    row: ImportRow | None = None


def _history_checks(rows: list[ImportRow], known: dict[str, _Known], problems: list[Problem]) -> None:
    """Duplicates, and records that do not make sense in time; then each row's flag."""
    by_code: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    for code, mine in by_code.items():
        info = known[code]
        measure = info.measure
        archive = [
            _Mark(line.mark.value, line.mark.set_on, line.mark.holder, f"纪录档案中 {_zh(line.mark.set_on)} {line.mark.holder} 的 {line.shown}", line.shown)
            for line in info.ratified
        ]
        seen = {(line.mark.value, line.mark.set_on, norm_name(line.mark.holder)) for line in info.imported}
        seen |= {(m.value, m.set_on, norm_name(m.holder)) for m in archive}
        marks = archive + [_Mark(r.value, r.set_on, r.holder, f"{r.sheet} 第 {r.row} 行的 {r.shown}", r.shown, r) for r in mine]
        first_row: dict[tuple[int, dt.date, str], ImportRow] = {}
        for row in mine:
            key = (row.value, row.set_on, norm_name(row.holder))
            where = {"sheet": row.sheet, "row": row.row, "column": row.column}
            if key in seen:
                problems.append(Problem(f"纪录档案中已有这条纪录({row.shown},{row.holder},{_zh(row.set_on)}),不能重复导入", **where))
                continue
            if key in first_row:
                other = first_row[key]
                problems.append(Problem(f"与{other.sheet} 第 {other.row} 行重复", row.sheet, row.row))
                continue
            first_row[key] = row
            for other in marks:
                if other.row is row:
                    continue
                if other.set_on < row.set_on and is_better(measure, other.value, row.value):
                    problems.append(Problem(
                        f"成绩 {row.shown} 不如更早的 {other.where}({_zh(other.set_on)}),不是纪录;请核对成绩和日期", **where,
                    ))
                    break
                if other.row is None and other.set_on > row.set_on and is_better(measure, row.value, other.value):
                    problems.append(Problem(
                        f"成绩 {row.shown} 优于后来的{other.where}:若 {row.shown} 属实,后来的 {other.shown} 就不会是纪录;请核对成绩和日期", **where,
                    ))
                    break
            earlier = [m.value for m in marks if m.set_on < row.set_on]
            best = min(earlier) if measure.lower_wins and earlier else max(earlier) if earlier else None
            row.flag = "equal" if best is not None and best == row.value else "record"


async def _check(session: AsyncSession, parsed: Parsed) -> Preview:
    preview = Preview(problems=list(parsed.problems), sheets=parsed.sheets)
    known = await _known(session)
    on = today()
    rows = [row for raw in parsed.rows if (row := _check_row(raw, known, on, preview.problems)) is not None]
    _history_checks(rows, known, preview.problems)
    preview.rows = rows
    preview.sort_problems()
    return preview


# Services ------------------------------------------------------------------------------------


async def preview_import(db: Database, actor: Actor, data: bytes) -> Preview:
    """Read an uploaded records file and check every row, saving nothing."""
    actor.require_organiser()
    parsed = await entry_forms.off_loop(read_workbook, data)
    async with db.read() as session:
        return await _check(session, parsed)


async def commit_import(db: Database, actor: Actor, data: bytes) -> Preview:
    """Read the file again and save every row as a ratified record — or, if anything is
    wrong, nothing. The checks run again inside the saving transaction."""
    actor.require_organiser()
    parsed = await entry_forms.off_loop(read_workbook, data)
    async with db.write() as session:
        if db.locks_rows:
            # Two imports at once would each check the history without the other's rows.
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('zhijia.record_import'))"))
        preview = await _check(session, parsed)
        if not preview.ok:
            return preview
        marks = [_record_mark(row, actor) for row in preview.rows]
        session.add_all(marks)
        await session.flush()
        session.add_all(
            RecordDecision(
                record_mark_id=mark.id, decision="ratified", reason="历史纪录导入", decided_by=actor.user_id,
                decided_by_name=actor.display_name[:40],
            )
            for mark in marks
        )
        audit.record(
            session, actor, "record_import",
            f"导入历史纪录 {len(marks)} 条({len(preview.codes)} 个项目:{'、'.join(preview.codes)})"[:1000],
            target="record_mark",
        )
        preview.committed = True
    return preview


def _record_mark(row: ImportRow, actor: Actor) -> RecordMark:
    measure = row.measure
    return RecordMark(
        event_code=row.code, event_name=row.event_name, sport=row.sport, kind=measure.kind,
        timing=measure.timing if measure.kind == "time" else None, lower_is_better=measure.lower_wins,
        value=row.value, flag=row.flag, holder=row.holder, team_name=row.team_name, meet_name=row.meet_name,
        meet_id=None, set_on=row.set_on, source=RecordSource.IMPORT, mark_result_id=None, note=row.note,
        created_by=actor.user_id,
    )


# The template and the archive as a workbook -------------------------------------------------

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
WIDTHS = (16, 18, 12, 16, 16, 20, 14, 24)
BLANK_ROWS = 200


async def template(db: Database, actor: Actor) -> tuple[str, bytes]:
    """The empty records form with the known event codes: file name and bytes."""
    actor.require_organiser()
    standing = await records.standing_records(db)
    return "大会纪录导入表.xlsx", await entry_forms.off_loop(build_template, standing)


def build_template(standing: list[records.StandingRecord]) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    last = get_column_letter(len(COLUMNS))
    ws.append(["大会纪录导入表(往届历史纪录)"])
    ws.append([
        "每条纪录一行;项目代码见「项目代码」表;成绩按该项目的写法填(时间 12.85、5:05.36,次数 80,远度 5.23);"
        "创造日期写作 2024-11-20;同一项目可填多行(破纪录、平纪录的历史),按日期先后须越来越好。"
    ])
    ws.append(list(COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 48
    for column, width in enumerate(WIDTHS, start=1):
        cell = ws.cell(row=3, column=column)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD, _BORDER
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(column)].width = width
    for row in range(4, 4 + BLANK_ROWS):
        for column in range(1, len(COLUMNS) + 1):
            cell = ws.cell(row=row, column=column)
            cell.border = _BORDER
            # Text, so Excel keeps 5:05.36 and 12.80 as typed instead of making a time or 12.8.
            cell.number_format = "yyyy-mm-dd" if column == 7 else "@"
    if standing:
        codes = DataValidation(
            type="list", formula1=f"'{CODES_SHEET}'!$A$2:$A${len(standing) + 1}", allow_blank=True,
            showErrorMessage=True, errorTitle="项目代码", error="请从「项目代码」表中选择",
        )
        codes.add(f"A4:A{3 + BLANK_ROWS}")
        ws.add_data_validation(codes)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    _codes_sheet(workbook.create_sheet(CODES_SHEET), standing)
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _codes_sheet(ws: Any, standing: list[records.StandingRecord]) -> None:
    ws.append(["项目代码", "项目名称", "运动", "成绩类型", "成绩写法示例", "现纪录"])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _HEAD
    for record in standing:
        kind = record.measure.kind
        ws.append([
            record.code, guard_text(record.name), SPORT.get(Sport(record.sport), record.sport) if record.sport in Sport._value2member_map_ else record.sport,
            f"{KIND_LABELS[kind]}({record.direction})", EXAMPLES[kind],
            guard_text(f"{record.shown} {'、'.join(h.mark.holder for h in record.holders)}") if record.has_record else "暂无",
        ])
    for letter, width in zip("ABCDEF", (16, 20, 10, 14, 18, 30), strict=True):
        ws.column_dimensions[letter].width = width


def _help_sheet(ws: Any) -> None:
    lines = [
        "大会纪录导入说明",
        "1. 在「纪录表」中每条纪录填一行。项目代码、成绩、纪录保持者、创造日期必填;项目名称、代表队/单位、运动会、备注选填。",
        "2. 项目代码标识历届运动会中的同一项目(如 ATH-100M-M),须是系统中已有的代码,见「项目代码」表;新项目请先在运动会中建立。",
        "3. 成绩按项目的成绩类型填写:时间如 12.85、5:05.36(也可写 5分05秒36),次数如 80,远度/高度如 5.23。",
        "4. 创造日期写作 2024-11-20、2024/11/20 或 2024年11月20日。",
        "5. 同一项目可以填多行,表示纪录的历史(破纪录、平纪录);按日期先后,后来的纪录不能比之前的差。",
        "6. 上传后先预览:有任何问题(会列出第几行第几列),整份表都不会导入;改好后重新上传即可。导入的纪录即为已批准的纪录,永久保存,不能修改或删除。",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110


async def archive_xlsx(db: Database) -> tuple[str, bytes]:
    """The whole history, every sport, in the import's columns plus its decisions."""
    standing = await records.standing_records(db)
    histories = [await records.event_history(db, r.code) for r in standing if r.has_record or r.pending]
    return "大会纪录档案.xlsx", await entry_forms.off_loop(_archive_bytes, histories)


def _archive_rows(histories: list[records.EventHistory]) -> Iterator[tuple[Any, ...]]:
    for history in histories:
        for line in history.lines:
            mark, decision = line.mark, line.decision
            yield (
                mark.event_code, mark.event_name, line.shown, mark.holder, mark.team_name, mark.meet_name,
                mark.set_on, mark.note, line.label, line.state_label, "是" if line.standing else "",
                decision.decided_by_name if decision else "", line.decided_on, decision.reason if decision else "",
            )


def _archive_bytes(histories: list[records.EventHistory]) -> bytes:
    day = today()
    return write_xlsx([
        Sheet(
            title="大会纪录档案",
            columns=(*COLUMNS, "类别", "状态", "现纪录", "决定人", "决定日期", "理由"),
            rows=_archive_rows(histories),
            heading=("大会纪录档案", f"导出日期 {_zh(day)}"),
            widths=(*WIDTHS, 8, 8, 8, 14, 12, 24),
        )
    ])

