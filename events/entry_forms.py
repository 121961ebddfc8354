"""Excel entry forms (报名表): a team's form to download, and a filled form read back.

Team leaders keep their people in Excel, so a team can register from a workbook: download the
team's form (one row per member, one column per event, current entries ticked), tick in Excel
or WPS, upload, look at the preview, confirm. The form is the truth for the people and events
it lists: a ticked cell is an entry, an empty one is no entry (withdrawn if there was one).
Members not in the file and events without a column keep their entries.

Reading is forgiving about what real forms look like — title rows above the header, merged
header cells, full-width characters, stray spaces, dates typed as text, M/F for gender, many
ways to tick a box — and strict about what matters: each row is matched to a team member by
工号 and the name must agree. Every problem names its sheet, row and column in Chinese, and a
file with any problem saves nothing: the upload goes through ``registration.apply_plan``,
which is all or nothing, and is not even tried while the file itself has problems.

Hostile files are refused before openpyxl parses them: not a zip, a truncated zip, the old
.xls format, a zip bomb (size, ratio and entry-count caps), XML with a DOCTYPE (entity
expansion, external entities), too many cells. openpyxl also parses through defusedxml when
it is installed, which it is: the scan gives the clear message, defusedxml is the second
wall. The workbook is opened read-only — rows are streamed and merged ranges are never
expanded into cell objects (one A1:XFD1048576 range would otherwise make 17 billion) — and
the parse runs in a worker thread, so a large form does not stall other requests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import itertools
import re
import secrets
import threading
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook as LoadedWorkbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import and_, delete, or_, select

from events import registration
from events.actors import Actor
from events.db import Database
from events.errors import DomainError
from events.exports import guard_text, unguard_text, xlsx_filename
from events.labels import DIVISION, KIND
from events.models import Division, EntryFormUpload, Event, EventKind, Gender, Meet, Person, Team, utcnow
from events.registration import Board, PlanResult

# Limits ------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the web layer refuses larger bodies with 413
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all parts of the zip together, decompressed
MAX_RATIO = 100  # decompressed / compressed, for any part over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # tiny parts compress very well legitimately
MAX_ENTRIES = 1000  # files inside the zip
MAX_CELLS = 60_000  # <c> elements over all worksheets, counted before loading (~2 s to parse at the cap)
MAX_ROWS = 2000  # data rows with content
MAX_COLUMNS = 300
HEADER_SCAN_ROWS = 10
UPLOAD_TTL = dt.timedelta(hours=1)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
NOT_XLSX = "文件不是有效的 Excel(.xlsx)文件,请在 Excel 或 WPS 中另存为 .xlsx 后上传"
OLD_XLS = "这是旧版 Excel(.xls)文件或设置了打开密码的文件,请在 Excel 或 WPS 中「另存为」Excel 工作簿(.xlsx)、不设密码后再上传"
DAMAGED = "文件不完整或已损坏(可能下载或上传中断),请重新保存后上传"
TOO_BIG = "文件解压后过大或压缩比异常,不像是报名表,已拒绝"
DTD_REFUSED = "文件包含不允许的 XML 声明(DOCTYPE/ENTITY),可能是恶意文件,已拒绝"
NO_HEADER = "找不到表头:报名表的前 10 行中须有一行同时含「姓名」和「工号」两列"


class UnreadableFile(DomainError):
    """The whole file is refused (format, size, safety); nothing in it was read."""


# Text normalisation -----------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_MIDDLE_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", "∙": "·", "･": "·"})


def norm(value: Any) -> str:
    """NFKC (full-width to half-width), no whitespace anywhere, no invisible characters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return "".join(text.split())


def norm_name(value: Any) -> str:
    """A person's name for comparison: "张 三" and "张三" agree, as do the middle dots of
    minority names (阿依·买买提)."""
    return norm(_unguarded(value)).translate(_MIDDLE_DOTS)


def norm_employee_no(value: Any) -> str:
    return norm(_unguarded(value)).upper()


def _unguarded(value: Any) -> Any:
    """Text as it was before exports.guard_text protected it (our own form, read back)."""
    return unguard_text(value.strip(" \u3000")) if isinstance(value, str) else value


def _shown(value: Any) -> str:
    """A cell's value as the person typed it, shortened for a message."""
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).strip()
    return text if len(text) <= 30 else text[:29] + "…"


# Header cells ------------------------------------------------------------------------------

NAME_LABELS = {"姓名", "名字", "运动员姓名", "队员姓名", "职工姓名"}
EMPLOYEE_NO_LABELS = {"工号", "职工号", "员工号", "员工编号", "职工编号", "工作证号"}
GENDER_LABELS = {"性别"}
BIRTH_LABELS = {"出生日期", "出生年月", "出生年月日", "生日"}
# Columns real forms carry that are not events: read past them.
OTHER_LABELS = {
    "序号", "编号", "部门", "单位", "所在单位", "所在部门", "班组", "车间", "岗位", "职务", "民族", "年龄",
    "联系电话", "电话", "手机", "手机号", "手机号码", "身份证号", "身份证号码", "备注", "签名",
    "已报项数", "报名项数", "项数", "合计", "小计", "个人项目", "团体项目", "集体项目", "报名项目", "比赛项目",
    "项目", "基本信息",
}
_DECORATION = re.compile(r"^[*※]+|[*※]+$|\((必填|选填)\)$|[::]$")


def header_text(value: Any) -> str:
    return _DECORATION.sub("", norm(value)).lower()


def _event_text(text: str) -> str:
    """Event names compared: 4×100 = 4x100 = 4*100, 100米 = 100m, case-insensitive."""
    text = header_text(text)
    return re.sub(r"(?<=\d)[×x*](?=\d)", "x", text).replace("米", "m")


_SUFFIX_GENDER = re.compile(r"^(.+)\((男|女)子?\)$")


def _gender_key(text: str) -> str:
    """男子100米 → 男100m; 搭桥板(女) → 女搭桥板: the 子 and where the gender stands do not matter."""
    text = _event_text(text)
    match = _SUFFIX_GENDER.match(text)
    if match:
        return match.group(2) + match.group(1)
    if text.startswith(("男子", "女子")):
        return text[0] + text[2:]
    return text


class EventMatcher:
    """Finds the meet's event a column header names."""

    def __init__(self, events: Iterable[Event]) -> None:
        self.events = list(events)
        self.exact = {_event_text(e.name): e for e in self.events}
        self.keyed: dict[str, list[Event]] = {}
        self.genderless: dict[str, list[Event]] = {}
        for event in self.events:
            key = _gender_key(event.name)
            self.keyed.setdefault(key, []).append(event)
            self.genderless.setdefault(key.removeprefix("男").removeprefix("女"), []).append(event)

    def match(self, header: Any) -> tuple[Event | None, list[Event]]:
        """(the event, []) when found; (None, candidates) when ambiguous; (None, []) if unknown."""
        text = _event_text(header)
        if text in self.exact:
            return self.exact[text], []
        key = _gender_key(header)
        found = self.keyed.get(key, [])
        if not found and not key.startswith(("男", "女")):
            # A header without the gender (篮球 for 男子篮球) only when one event fits.
            found = self.genderless.get(key, [])
        if len(found) == 1:
            return found[0], []
        return None, found


# Cell values -------------------------------------------------------------------------------

MARKS_YES = {"√", "✓", "✔", "☑", "✅", "●", "1", "是", "Y", "YES", "X", "报", "报名", "TRUE"}
MARKS_NO = {"", "0", "否", "N", "NO", "-", "—", "–", "/", "不报", "无", "FALSE"}
GENDER_WORDS = {"男": Gender.MALE, "M": Gender.MALE, "MALE": Gender.MALE, "男性": Gender.MALE,
                "女": Gender.FEMALE, "F": Gender.FEMALE, "FEMALE": Gender.FEMALE, "女性": Gender.FEMALE}
_DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?")
_INVALID = object()


def parse_mark(value: Any) -> bool | None:
    """True (entered), False (not) or None (not a mark we understand)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(value)  # type: ignore[call-overload]
    text = norm(value).upper()
    if text in MARKS_YES:
        return True
    if text in MARKS_NO:
        return False
    return None


def parse_gender(value: Any) -> Gender | None | object:
    """A Gender, None for an empty cell, _INVALID otherwise."""
    text = norm(value).upper()
    if not text:
        return None
    return GENDER_WORDS.get(text, _INVALID)


def parse_birth_date(value: Any, on: dt.date | None = None) -> tuple[dt.date, bool] | None | object:
    """(date, whether the day is known) for a birth date however it was typed; None if empty;
    _INVALID if it is no date or not a plausible birth date.

    Handles date cells, Excel serial numbers (31108), 19850302, 1985-03-02, 1985/3/2,
    1985.3.2, 1985年3月2日, and year-month forms (1985.03, 1985年3月) of 出生年月 columns.
    """
    found: tuple[dt.date, bool] | None = None
    try:
        if isinstance(value, dt.datetime):
            found = (value.date(), True)
        elif isinstance(value, dt.date):
            found = (value, True)
        elif isinstance(value, bool):
            return _INVALID
        elif isinstance(value, int | float):
            found = _date_from_number(value)
        else:
            text = norm(value)
            if not text:
                return None
            if text.isdecimal():
                found = _date_from_number(int(text))
            else:
                match = _DATE_TEXT.fullmatch(text)
                if match:
                    year, month, day = match.group(1), match.group(2), match.group(3)
                    found = (dt.date(int(year), int(month), int(day or 1)), day is not None)
    except (ValueError, OverflowError, TypeError):
        return _INVALID
    if found is None:
        return _INVALID
    latest = on or dt.date.today()
    if not (dt.date(1900, 1, 1) <= found[0] <= latest):
        return _INVALID
    return found


def _date_from_number(number: int | float) -> tuple[dt.date, bool] | None:
    if float(number).is_integer() and 19000101 <= number <= 29991231:
        text = str(int(number))
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])), True
    if 3_000 <= number < 80_000:  # an Excel serial date (1900 date system), 1908 onwards
        return from_excel(number).date(), True
    return None


# The preview -------------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with an uploaded form; ``text`` says where, in Chinese."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    @property
    def where(self) -> str:
        parts = [self.sheet] if self.sheet else []
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"{self.column} 列")
        return " ".join(parts)

    @property
    def text(self) -> str:
        return f"{self.where}:{self.message}" if self.where else self.message

    def __str__(self) -> str:
        return self.text




def sort_problems(problems: list[Problem], sheets: list[str]) -> None:
    """Whole-file problems first, then sheet by sheet, row by row, column by column."""

    def key(problem: Problem) -> tuple[int, int, int, int]:
        if not problem.sheet:
            return (0, 0, 0, 0)
        sheet = sheets.index(problem.sheet) if problem.sheet in sheets else 0
        column = column_index_from_string(problem.column) if problem.column else 0
        return (1, sheet, problem.row or 0, column)

    problems.sort(key=key)
@dataclass
class FormRow:
    """A row of the form that names a team member."""

    sheet: str
    row: int
    person: Person
    events: list[Event]  # ticked
    columns: dict[int, str]  # event id -> column letter, for the events this sheet has


@dataclass
class Change:
    person: Person
    event: Event
    sheet: str
    row: int
    refused: str = ""  # why the registration rules refuse this change ("" if they allow it)


@dataclass
class Preview:
    """What an uploaded form says, what is wrong with it and what saving it would change."""

    meet: Meet
    team: Team
    problems: list[Problem] = field(default_factory=list)
    rows: list[FormRow] = field(default_factory=list)
    wanted: dict[int, set[int]] = field(default_factory=dict)
    added: list[Change] = field(default_factory=list)
    withdrawn: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    checked: bool = False  # the registration rules were run on it (dry run or for real)
    committed: bool = False
    result: PlanResult | None = None

    sheets: list[str] = field(default_factory=list)  # in the file's order

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def sort_problems(self) -> None:
        sort_problems(self.problems, self.sheets)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.withdrawn)

    def refused(self, changes: list[Change]) -> int:
        return sum(1 for c in changes if c.refused)


# Refusing hostile files --------------------------------------------------------------------

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_UTF16 = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity") for enc in ("utf-16-le", "utf-16-be"))
_CELL = re.compile(rb"<c[\s>/]")


def check_archive(data: bytes) -> None:
    """Refuse, with a Chinese message, anything that is not a plain, reasonably sized xlsx."""
    if not data:
        raise UnreadableFile("上传的文件是空的")
    if data.startswith(OLE2_MAGIC):
        raise UnreadableFile(OLD_XLS)
    if not data.startswith(b"PK"):
        raise UnreadableFile(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnreadableFile(DAMAGED) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableFile(TOO_BIG)
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise UnreadableFile(TOO_BIG)
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnreadableFile(TOO_BIG)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            if "mimetype" in names:
                raise UnreadableFile("这是 WPS/LibreOffice 的 .ods 表格,请另存为 Excel 工作簿(.xlsx)后上传")
            raise UnreadableFile(NOT_XLSX)
        cells = 0
        for info in infos:
            cells += _scan_part(archive, info)
            if cells > MAX_CELLS:
                raise UnreadableFile(f"表格内容过多(超过 {MAX_CELLS // 10000} 万个单元格),请只保留报名表后上传")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Refuse a part with a DTD; return how many cells it holds (worksheets only).

    The zip module stops at each part's declared size and checks its CRC, so the size caps
    checked above bound what is decompressed here, one part at a time.
    """
    try:
        part = archive.read(info)
    except Exception:  # noqa: BLE001 — any decompression failure means a damaged or hostile file
        raise UnreadableFile(DAMAGED) from None
    if _DTD.search(part) or any(marker in part for marker in _DTD_UTF16):
        raise UnreadableFile(DTD_REFUSED)
    if not info.filename.startswith("xl/worksheets/"):
        return 0
    return len(_CELL.findall(part))


def load(data: bytes) -> LoadedWorkbook:
    """The checked workbook, opened read-only (rows are streamed, merged ranges are not
    expanded) with cached values instead of formulas. Close it after use."""
    check_archive(data)
    try:
        with warnings.catch_warnings():
            # Real files carry extensions openpyxl drops with a warning (data validation lists,
            # slicers, WPS tags); they do not matter for reading values.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False, rich_text=False)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds of errors on broken files
        raise _unreadable(exc) from None


def _unreadable(exc: Exception) -> UnreadableFile:
    if isinstance(exc, UnreadableFile):
        return exc
    if isinstance(exc, DefusedXmlException) or isinstance(exc.__cause__, DefusedXmlException):
        return UnreadableFile(DTD_REFUSED)
    return UnreadableFile("无法读取该文件:它可能已损坏,或不是 Excel 工作簿(.xlsx)")


# Reading a sheet ---------------------------------------------------------------------------

Row = tuple[Any, ...]


def _at(values: Row, column: int) -> Any:
    """A cell's value; None when empty or blank. (Cells covered by a merged range are empty.)"""
    value = values[column - 1] if column <= len(values) else None
    return None if isinstance(value, str) and not value.strip() else value


@dataclass
class Header:
    row: int  # the row holding 姓名 and 工号
    last_row: int  # the header may span rows (merged cells, event names under a group title)
    name: int
    employee_no: int
    gender: int | None
    birth: int | None
    events: dict[int, Event]  # column -> event
    unknown: dict[int, str]  # column -> header text no event matches

    @property
    def columns(self) -> list[int]:
        return [self.name, self.employee_no, *filter(None, (self.gender, self.birth)), *self.events, *self.unknown]


def find_header(sheet: str, top: list[tuple[int, Row]], matcher: EventMatcher, problems: list[Problem]) -> Header | None:
    """The header among the first rows: the row with 姓名 and 工号, and up to two rows under it
    that carry the event names (a header of merged cells with a group title above)."""
    for index, (row, values) in enumerate(top[:HEADER_SCAN_ROWS]):
        texts = {c: header_text(_at(values, c)) for c in range(1, min(len(values), MAX_COLUMNS) + 1)}
        name = next((c for c, t in texts.items() if t in NAME_LABELS), None)
        number = next((c for c, t in texts.items() if t in EMPLOYEE_NO_LABELS), None)
        if name is None or number is None:
            continue
        band = [values]
        for _, below in top[index + 1 : index + 3]:
            if not _continues_header(band, below, name, number, matcher):
                break
            band.append(below)
        return _label_columns(sheet, row, band, name, number, matcher, problems)
    return None


def _continues_header(band: list[Row], values: Row, name: int, number: int, matcher: EventMatcher) -> bool:
    """A row right under the header that names no one but holds event names, or text where
    the header above is empty (the event names under a merged 个人项目 title)."""
    if _at(values, name) is not None or _at(values, number) is not None:
        return False
    for column in range(1, min(len(values), MAX_COLUMNS) + 1):
        value = _at(values, column)
        if not isinstance(value, str):
            continue
        if matcher.match(value)[0] is not None:
            return True
        above_empty = all(_at(row, column) is None for row in band)
        if above_empty and parse_mark(value) is None and header_text(value) not in OTHER_LABELS:
            return True
    return False


def _label_columns(
    sheet: str, first: int, band: list[Row], name: int, number: int, matcher: EventMatcher, problems: list[Problem],
) -> Header:
    header = Header(
        row=first, last_row=first + len(band) - 1, name=name, employee_no=number, gender=None, birth=None,
        events={}, unknown={},
    )
    seen: dict[int, int] = {}  # event id -> column
    width = min(max(len(values) for values in band), MAX_COLUMNS)
    for column in range(1, width + 1):
        # The lowest text of the column: event names sit under a merged group title.
        found = next(((first + i, v) for i in range(len(band) - 1, -1, -1) if (v := _at(band[i], column)) is not None), None)
        if found is None or column in (name, number):
            continue
        row, label = found
        text = header_text(label)
        where = {"sheet": sheet, "row": row, "column": get_column_letter(column)}
        if text in GENDER_LABELS and header.gender is None:
            header.gender = column
        elif text in BIRTH_LABELS and header.birth is None:
            header.birth = column
        elif text in OTHER_LABELS or text in NAME_LABELS or text in EMPLOYEE_NO_LABELS:
            continue
        else:
            event, candidates = matcher.match(label)
            if event is None:
                header.unknown[column] = _shown(label)
                if candidates:
                    names = "、".join(f"「{e.name}」" for e in candidates)
                    problems.append(Problem(f"表头「{_shown(label)}」可能是 {names},请写明完整项目名称", **where))
                else:
                    problems.append(Problem(f"表头「{_shown(label)}」不是本届运动会的比赛项目", **where))
            elif event.id in seen:
                other = get_column_letter(seen[event.id])
                problems.append(Problem(f"项目「{event.name}」在 {other} 列已有一列,同一项目只能有一列", **where))
            else:
                seen[event.id] = column
                header.events[column] = event
    return header


@dataclass
class _Team:
    """The team as the parser needs it."""

    board: Board
    by_number: dict[str, Person]
    current: dict[int, set[int]]  # person id -> event ids entered now
    events: dict[int, Event]
    seen: dict[int, tuple[str, int]] = field(default_factory=dict)  # person id -> (sheet, row)

    @classmethod
    def of(cls, board: Board) -> _Team:
        current: dict[int, set[int]] = {}
        for person_id, event_id in board.entries:
            current.setdefault(person_id, set()).add(event_id)
        events = {e.id: e for e in (*board.individual_events, *board.team_events)}
        return cls(board, {norm_employee_no(p.employee_no): p for p in board.people}, current, events)


def _read_worksheet(ws: Any, matcher: EventMatcher, team: _Team, preview: Preview) -> set[int] | None:
    """Read one sheet; the ids of the events it has columns for, None if it has no header."""
    ws.reset_dimensions()  # a file's stated dimensions may be wrong; read every row it holds
    rows = enumerate(ws.iter_rows(values_only=True), start=1)
    top = list(itertools.islice(rows, HEADER_SCAN_ROWS + 2))
    header = find_header(ws.title, top, matcher, preview.problems)
    if header is None:
        return None
    filled = 0
    for number, values in itertools.chain(((n, v) for n, v in top if n > header.last_row), rows):
        if not values:
            continue
        cells = {c: _at(values, c) for c in header.columns}
        if all(norm(v) == "" for v in cells.values()):
            continue  # a blank row
        marks = {c: parse_mark(cells[c]) for c in (*header.events, *header.unknown)}
        if cells[header.employee_no] is None and not any(m is not False for m in marks.values()):
            continue  # a note or signature line under the table: it names nobody and ticks nothing
        filled += 1
        if filled > MAX_ROWS:
            raise UnreadableFile(f"报名表超过 {MAX_ROWS} 行,请分成几个文件上传")
        _read_row(ws.title, number, cells, marks, header, team, preview)
    return {e.id for e in header.events.values()}


def _read_row(
    sheet: str, row: int, cells: dict[int, Any], marks: dict[int, bool | None], header: Header, team: _Team,
    preview: Preview,
) -> None:
    problems: list[Problem] = []

    def problem(message: str, column: int | None = None) -> None:
        problems.append(Problem(message, sheet, row, get_column_letter(column) if column else ""))

    number, name = norm_employee_no(cells[header.employee_no]), norm_name(cells[header.name])
    person = team.by_number.get(number)
    if not number:
        problem("缺少工号", header.employee_no)
    elif person is None:
        problem(f"工号 {_shown(cells[header.employee_no])} 不是本队队员")
    elif person.id in team.seen:
        other_sheet, other_row = team.seen[person.id]
        where = f"第 {other_row} 行" if other_sheet == sheet else f"「{other_sheet}」第 {other_row} 行"
        problem(f"工号 {person.employee_no}({person.name})在{where}已出现,每人只能填一行")
        person = None
    if not name:
        problem("缺少姓名", header.name)
    elif person is not None and name != norm_name(person.name):
        problem(f"姓名「{_shown(cells[header.name])}」与工号 {person.employee_no} 的队员「{person.name}」不符", header.name)
    if person is not None:
        team.seen[person.id] = (sheet, row)
        _check_gender(person, cells, header, problem)
        _check_birth(person, cells, header, problem)
    ticked: list[Event] = []
    for column, mark in marks.items():
        if mark is None:
            problem(f"「{_shown(cells[column])}」不是报名标记:报名请填 √(或 ✓、1、是、Y),不报请留空", column)
        elif mark and column in header.events:
            ticked.append(header.events[column])
    preview.problems.extend(problems)
    if problems or person is None:
        return
    columns = {event.id: get_column_letter(column) for column, event in header.events.items()}
    preview.rows.append(FormRow(sheet, row, person, ticked, columns))


def _check_gender(person: Person, cells: dict[int, Any], header: Header, problem: Any) -> None:
    if header.gender is None:
        return
    gender = parse_gender(cells[header.gender])
    if gender is _INVALID:
        problem(f"性别「{_shown(cells[header.gender])}」无法识别,请填 男 或 女", header.gender)
    elif gender is not None and gender != person.gender:
        word = registration.GENDER_WORD[Gender(person.gender)]
        problem(f"性别与职工档案不符:档案中 {person.name} 为{word},请核对或联系组委会", header.gender)


def _check_birth(person: Person, cells: dict[int, Any], header: Header, problem: Any) -> None:
    if header.birth is None:
        return
    value = cells[header.birth]
    parsed = parse_birth_date(value)
    if parsed is _INVALID:
        problem(f"出生日期「{_shown(value)}」无法识别", header.birth)
        return
    if parsed is None or person.birth_date is None:
        return
    day, has_day = parsed  # type: ignore[misc]
    known = person.birth_date
    same = day == known if has_day else (day.year, day.month) == (known.year, known.month)
    if not same:
        problem(
            f"出生日期「{_shown(value)}」与职工档案({known.year}年{known.month}月{known.day}日)不符,请核对或联系组委会",
            header.birth,
        )


# Parsing a whole upload --------------------------------------------------------------------


def parse_upload(data: bytes, board: Board) -> Preview:
    """Read a filled form for ``board``'s team. Raises UnreadableFile if the file as a whole is
    refused; otherwise every problem is in ``preview.problems``. Nothing is saved."""
    workbook = load(data)
    team = _Team.of(board)
    matcher = EventMatcher(team.events.values())
    preview = Preview(meet=board.meet, team=board.team, events=list(team.events.values()))
    sheet_events: set[int] = set()
    found = False
    try:
        for ws in workbook.worksheets:
            preview.sheets.append(ws.title)
            events = _read_worksheet(ws, matcher, team, preview)
            if events is not None:
                found = True
                sheet_events |= events
    except Exception as exc:  # noqa: BLE001 — rows are parsed lazily: a broken sheet fails here
        raise _unreadable(exc) from None
    finally:
        workbook.close()
    if not found:
        raise UnreadableFile(NO_HEADER)
    if not preview.rows and not preview.problems:
        preview.problems.append(Problem("表中没有填写任何本队队员"))
    _plan(preview, team, sheet_events)
    preview.sort_problems()
    return preview


def _plan(preview: Preview, team: _Team, sheet_events: set[int]) -> None:
    """What saving would change: the wanted entries and the differences, person by person."""
    missing = [e for e in team.events.values() if e.id not in sheet_events]
    order = sorted(team.events.values(), key=lambda e: (e.is_team_event, e.position, e.id))
    for form_row in preview.rows:
        person = form_row.person
        now = team.current.get(person.id, set())
        ticked = {e.id for e in form_row.events}
        # An event without a column in this sheet keeps the person's entry as it is.
        kept = {e for e in now if e not in form_row.columns}
        preview.wanted[person.id] = ticked | kept
        for event in order:
            change = Change(person, event, form_row.sheet, form_row.row)
            if event.id in ticked and event.id not in now:
                preview.added.append(change)
            elif event.id in now and event.id not in preview.wanted[person.id]:
                preview.withdrawn.append(change)
            elif event.id in now:
                preview.unchanged.append(change)
    if missing and preview.rows:
        names = "、".join(e.name for e in missing)
        preview.notes.append(f"表中没有这些项目的列,它们的报名保持不变:{names}")
    absent = [p for p in team.board.people if p.id not in team.seen]
    if absent and preview.rows:
        preview.notes.append(f"本队另有 {len(absent)} 名队员不在表中,他们的报名保持不变")


# Services ----------------------------------------------------------------------------------


T = TypeVar("T")
# Reading or writing a workbook is CPU work (a form at the cell cap takes seconds): it runs in
# a worker thread so the event loop keeps serving, and only a few at a time per process.
_WORKBOOK_SLOTS = threading.BoundedSemaphore(4)


def _one_at_a_slot(func: Callable[..., T], *args: Any) -> T:
    with _WORKBOOK_SLOTS:
        return func(*args)


async def off_loop(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(_one_at_a_slot, func, *args)


async def template_for(db: Database, actor: Actor, team_id: int) -> tuple[str, bytes]:
    """The team's entry form to download: file name and workbook bytes."""
    board = await registration.board(db, actor, team_id)  # authorizes
    return xlsx_filename(board.meet.name, board.team.name, "报名表"), await off_loop(build_template, board)


async def preview_upload(db: Database, actor: Actor, team_id: int, data: bytes, reason: str = "") -> Preview:
    """Read an uploaded form and check it against the registration rules, saving nothing."""
    board = await registration.board(db, actor, team_id)  # authorizes
    preview = await off_loop(parse_upload, data, board)
    await _apply(db, actor, team_id, preview, reason, dry_run=True)
    return preview


async def commit_upload(db: Database, actor: Actor, team_id: int, data: bytes, reason: str = "") -> Preview:
    """Read the form again and save it — all of it, or, if anything is wrong, nothing."""
    board = await registration.board(db, actor, team_id)
    preview = await off_loop(parse_upload, data, board)
    if preview.ok:
        await _apply(db, actor, team_id, preview, reason, dry_run=False)
    return preview


async def _apply(db: Database, actor: Actor, team_id: int, preview: Preview, reason: str, *, dry_run: bool) -> None:
    if not preview.wanted:
        return
    try:
        result = await registration.apply_plan(db, actor, team_id, preview.wanted, reason=reason, dry_run=dry_run)
    except DomainError as exc:  # the window is closed, a reason is missing …
        preview.problems.append(Problem(exc.message))
        return
    preview.checked, preview.result = True, result
    cells = {
        (row.person.name, event_id): (row.sheet, row.row, column)
        for row in preview.rows
        for event_id, column in row.columns.items()
    }
    rows = {row.person.name: (row.sheet, row.row) for row in preview.rows}
    names = {e.name: e.id for e in preview.events}
    changes = {(c.person.name, c.event.name): c for c in (*preview.added, *preview.withdrawn)}
    for refused in result.problems:
        if (refused.person, refused.event) in changes:
            changes[(refused.person, refused.event)].refused = refused.message
        place = cells.get((refused.person, names.get(refused.event, -1)))
        if place is not None:
            preview.problems.append(Problem(refused.message, *place))
        elif refused.person in rows:
            preview.problems.append(Problem(f"「{refused.event}」:{refused.message}", *rows[refused.person]))
        else:
            preview.problems.append(Problem(f"{refused.person}「{refused.event}」:{refused.message}"))
    preview.sort_problems()
    preview.committed = not dry_run and not result.problems


# Keeping an upload between preview and confirmation ----------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owned_by(actor: Actor) -> Any:
    column = EntryFormUpload.user_id
    return column.is_(None) if actor.user_id is None else column == actor.user_id


async def store_upload(db: Database, actor: Actor, team_id: int, data: bytes, filename: str = "") -> str:
    """Keep a previewed file for its confirmation; returns the token the page carries.

    Each user keeps at most one pending form per team; expired ones are removed here.
    """
    actor.require_team(team_id)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            delete(EntryFormUpload).where(
                or_(EntryFormUpload.expires_at < now, and_(EntryFormUpload.team_id == team_id, _owned_by(actor)))
            )
        )
        session.add(
            EntryFormUpload(
                token_hash=_token_hash(token), team_id=team_id, user_id=actor.user_id, filename=filename[:200],
                data=data, created_at=now, expires_at=now + UPLOAD_TTL,
            )
        )
    return token


async def _stored(db: Database, actor: Actor, team_id: int, token: str) -> EntryFormUpload:
    actor.require_team(team_id)
    async with db.read() as session:
        upload = await session.scalar(
            select(EntryFormUpload).where(
                EntryFormUpload.token_hash == _token_hash(token or ""),
                EntryFormUpload.team_id == team_id,
                _owned_by(actor),
                EntryFormUpload.expires_at >= utcnow(),
            )
        )
    if upload is None:
        raise DomainError("这份报名表已失效(已提交、超过 1 小时或已上传了新的文件),请重新上传")
    return upload


async def commit_stored(db: Database, actor: Actor, team_id: int, token: str, reason: str = "") -> Preview:
    """Confirm a previewed upload: the stored bytes are parsed and checked again, then saved."""
    upload = await _stored(db, actor, team_id, token)
    preview = await commit_upload(db, actor, team_id, upload.data, reason)
    if preview.committed:
        async with db.write() as session:
            await session.execute(delete(EntryFormUpload).where(EntryFormUpload.token_hash == upload.token_hash))
    return preview


# The downloadable form ---------------------------------------------------------------------

FORM_SHEET = "报名表"
HELP_SHEET = "填表说明"
BASE_COLUMNS = ("姓名", "性别", "出生日期", "工号")
MARK = "√"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GREY = PatternFill("solid", fgColor="E5E5E5")
_HEAD = PatternFill("solid", fgColor="DDEBF7")


def _cell_styles() -> list[NamedStyle]:
    centred = Alignment(horizontal="center")
    return [
        NamedStyle("zj_cell", border=_BORDER),
        NamedStyle("zj_date", border=_BORDER, number_format="yyyy-mm-dd"),
        NamedStyle("zj_text", border=_BORDER, number_format="@"),
        NamedStyle("zj_mark", border=_BORDER, alignment=centred),
        NamedStyle("zj_na", border=_BORDER, alignment=centred, fill=_GREY),
    ]


def _limit_text(meet: Meet) -> str:
    text = f"每人限报 {meet.per_person_limit} 项"
    uncounted = [KIND[k] for k in EventKind if k.value not in meet.counted_kinds]
    if uncounted:
        text += f"({'、'.join(uncounted)}项目不计入)"
    return text


def build_template(board: Board) -> bytes:
    """The team's 报名表: title, instructions, a header, one prefilled row per member."""
    meet, team = board.meet, board.team
    events = [*board.individual_events, *board.team_events]
    workbook = Workbook()
    for style in _cell_styles():
        workbook.add_named_style(style)
    ws = workbook.active
    ws.title = FORM_SHEET
    last_column = len(BASE_COLUMNS) + len(events)
    last_letter = get_column_letter(last_column)
    closes = meet.registration_closes
    ws.append([guard_text(f"{meet.name} 报名表 — {team.name}")])
    ws.append([
        f"在项目列填 √ 表示报名(也可填 ✓、1、是、Y),留空表示不报;{_limit_text(meet)};"
        f"灰色格为组别不符;请勿修改工号和姓名;报名截止 {closes.year}年{closes.month}月{closes.day}日。"
    ])
    ws.append([*BASE_COLUMNS, *(guard_text(e.name) for e in events)])
    ws.merge_cells(f"A1:{last_letter}1")
    ws.merge_cells(f"A2:{last_letter}2")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 36
    ws.row_dimensions[3].height = 48
    for column in range(1, last_column + 1):
        cell = ws.cell(row=3, column=column)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = 11 if column > len(BASE_COLUMNS) else 12
    for person in board.people:
        ws.append([
            guard_text(person.name),
            registration.GENDER_WORD.get(Gender(person.gender), ""),
            person.birth_date,
            guard_text(person.employee_no),
            *(MARK if (person.id, e.id) in board.entries else None for e in events),
        ])
        # Named styles: assigning one per cell is cheap; assigning border/fill objects per cell
        # hashes them each time (a 200-person form took 0.6 s that way).
        for column, cell in enumerate(ws[ws.max_row], start=1):
            if column <= len(BASE_COLUMNS):
                cell.style = ("zj_cell", "zj_cell", "zj_date", "zj_text")[column - 1]
            else:
                eligible = board.eligible(events[column - len(BASE_COLUMNS) - 1], person)
                cell.style = "zj_mark" if eligible else "zj_na"
    ws.freeze_panes = "E4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    if board.people and events:
        last_row = ws.max_row
        marks = DataValidation(
            type="list", formula1='"√,✓,1,是,Y"', allow_blank=True, showErrorMessage=True,
            errorTitle="报名标记", error="报名请填 √,不报请留空",
        )
        marks.add(f"E4:{last_letter}{last_row}")
        genders = DataValidation(type="list", formula1='"男,女"', allow_blank=True, showErrorMessage=True,
                                 errorTitle="性别", error="请填 男 或 女")
        genders.add(f"B4:B{last_row}")
        ws.add_data_validation(marks)
        ws.add_data_validation(genders)
    _help_sheet(workbook.create_sheet(HELP_SHEET), board, events)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_sheet(ws: Worksheet, board: Board, events: list[Event]) -> None:
    meet = board.meet
    lines = [
        f"{meet.name} 报名表填写说明",
        "1. 每位队员一行;在「报名表」的项目列中填 √ 表示报名,留空(或填 0、否)表示不报。√ 也可写成 ✓、✔、1、是、Y、X。",
        f"2. {_limit_text(meet)}。灰色格为组别不符(如女职工的男子项目),不能报名。",
        "3. 按工号核对队员,姓名须与工号一致;不是本队的队员请先在系统中加入本队。出生日期可写 1985-03-02、1985/3/2、1985年3月2日。",
        "4. 表中填了的队员,以表为准:未打 √ 的项目会撤销报名;不在表中的队员和表中没有列的项目不变。",
        "5. 上传后先预览:有任何问题(会列出第几行第几列),整份表都不会保存;改好后重新上传即可。",
        "",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["项目", "组别", "类型", "每队名额", "计入每人限项"])
    header_row = ws.max_row
    for column in range(1, 6):
        ws.cell(row=header_row, column=column).font = Font(bold=True)
    for event in events:
        ws.append([
            guard_text(event.name),
            DIVISION.get(Division(event.division), event.division),
            KIND.get(EventKind(event.kind), event.kind),
            _quota_text(event),
            "是" if event.kind in meet.counted_kinds else "否",
        ])
    ws.column_dimensions["A"].width = 22
    for letter in "BCE":
        ws.column_dimensions[letter].width = 12
    ws.column_dimensions["D"].width = 28


def _quota_text(event: Event) -> str:
    parts = []
    if event.is_team_event:
        if event.roster_min or event.roster_max:
            low, high = event.roster_min or event.roster_max, event.roster_max or event.roster_min
            parts.append(f"每队 {low} 人" if low == high else f"每队 {low}–{high} 人")
    elif event.team_quota is not None:
        parts.append(f"每队限 {event.team_quota} 人")
    if event.max_men is not None:
        parts.append(f"男 ≤ {event.max_men}")
    if event.max_women is not None:
        parts.append(f"女 ≤ {event.max_women}")
    return ",".join(parts) or "不限"
