"""Entry lists as xlsx: a team's confirmation (报名确认表) and the whole meet's entries.

One row generator (``entry_rows``) feeds every entry sheet; one writer (``write_xlsx``) turns
sheets of rows into a workbook in openpyxl's write-only mode, which streams rows instead of
holding the whole grid, so the meet-wide list stays cheap however many entries there are.

Formula injection: a spreadsheet runs a cell as a formula when its text starts with ``=``
(and, in some programs, ``+ - @`` or a tab or CR). openpyxl itself stores any string that
starts with ``=`` as a formula. Every text that came from a person (names, team and event
names, reasons, employee numbers) goes through ``guard_text``, which prefixes such a text
with an apostrophe: the cell is then plain text in Excel, WPS and LibreOffice, and stays
harmless when someone saves the sheet as CSV (the OWASP recommendation). The apostrophe is
visible — a name that starts with "=" is odd enough that showing the guard is acceptable.
``unguard_text`` removes it again when a form we wrote is read back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from events import registration
from events.actors import Actor
from events.db import Database
from events.errors import NotFound
from events.labels import gender as gender_word
from events.meets import today
from events.models import Entry, EntryStatus, Event, Meet, Person, Team

# Leading characters that make a spreadsheet treat text as a formula (or a DDE payload).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATUS_WORD = {EntryStatus.ENTERED: "待审", EntryStatus.APPROVED: "通过", EntryStatus.REJECTED: "不通过"}


def guard_text(value: Any) -> Any:
    """Text a spreadsheet will never run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return GUARD + value
    return value


def unguard_text(value: str) -> str:
    """The text ``guard_text`` was given (a form we wrote, read back)."""
    if value.startswith(GUARD) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


# Sheets and the writer ---------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet: title lines, a header row, then rows of plain values."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    heading: Sequence[str] = ()
    widths: Sequence[float] = ()
    footer: Sequence[str] = ()


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of the given sheets, written in write-only mode; every text cell guarded."""
    workbook = Workbook(write_only=True)
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        header_row = len(sheet.heading) + 1
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        for number, line in enumerate(sheet.heading):
            cell = WriteOnlyCell(ws, value=guard_text(line))
            cell.font = title_font if number == 0 else Font()
            ws.append([cell])
        header = []
        for name in sheet.columns:
            cell = WriteOnlyCell(ws, value=guard_text(name))
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([guard_text(value) for value in row])
        if sheet.footer:
            ws.append([])
            ws.append([guard_text(text) for text in sheet.footer])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The one row generator ---------------------------------------------------------------------

ENTRY_COLUMNS = ("号码", "姓名", "性别", "工号", "代表队", "项目", "资格终审", "未通过理由")
ENTRY_WIDTHS = (8, 12, 6, 12, 14, 20, 10, 24)

EntryRow = tuple[Entry, Person, Event, Team]


def entry_rows(rows: Iterable[EntryRow], bib_of: dict[int, int]) -> Iterator[tuple[Any, ...]]:
    """One line per entry, in ENTRY_COLUMNS order: what the meet and team sheets both list."""
    for entry, person, event, team in rows:
        yield (
            bib_of.get(person.id),
            person.name,
            gender_word(person.gender),
            person.employee_no,
            team.name,
            event.name,
            STATUS_WORD.get(EntryStatus(entry.status), entry.status),
            entry.review_reason if entry.status == EntryStatus.REJECTED else "",
        )


def _printed_on() -> str:
    day = today()
    return f"导出日期 {day.year}年{day.month}月{day.day}日"


def xlsx_filename(*parts: str) -> str:
    """A file name from meet/team names: path separators and control characters removed."""
    text = "-".join(p for p in parts if p)
    return "".join(ch for ch in text if ch.isprintable() and ch not in '\\/:*?"<>|') + ".xlsx"


# Exports -----------------------------------------------------------------------------------


async def meet_entries_xlsx(db: Database, actor: Actor, meet_id: int) -> tuple[str, bytes]:
    """Every entry of a meet, all teams (organisers): file name and workbook bytes."""
    actor.require_organiser()
    async with db.read() as session:
        meet = await session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("运动会")
    rows = await registration.meet_entries(db, meet_id)
    sheet = Sheet(
        title="报名汇总",
        heading=(f"{meet.name} 报名汇总", f"共 {len(rows)} 项次 · {_printed_on()}"),
        columns=ENTRY_COLUMNS,
        widths=ENTRY_WIDTHS,
        rows=entry_rows(rows, await registration.bibs_of(db, meet_id)),
    )
    return xlsx_filename(meet.name, "报名汇总"), write_xlsx([sheet])


async def team_entries_xlsx(db: Database, actor: Actor, team_id: int) -> tuple[str, bytes]:
    """A team's confirmation (the xlsx counterpart of /teams/{id}/entries/print)."""
    board = await registration.board(db, actor, team_id)  # authorizes: leader of the team or organiser
    meet, team = board.meet, board.team
    rows = await registration.meet_entries(db, meet.id, team_id)
    bib_of = await registration.bibs_of(db, meet.id)
    heading = (f"{meet.name} 报名确认表", f"代表队:{team.name}(第 {team.number} 队) · {_printed_on()}")
    signatures = ("领队签字:", "", "", "单位盖章:", "", "日期:")
    by_entry = Sheet(
        title="报名确认表", heading=heading, columns=ENTRY_COLUMNS, widths=ENTRY_WIDTHS,
        rows=entry_rows(rows, bib_of), footer=signatures,
    )
    events_of: dict[int, list[str]] = {}
    for _, person, event, _ in rows:
        events_of.setdefault(person.id, []).append(event.name)
    by_person = Sheet(
        title="队员明细",
        heading=heading,
        columns=("号码", "姓名", "性别", "工号", "报名项目", "项数"),
        widths=(8, 12, 6, 12, 48, 6),
        rows=(
            (bib_of.get(p.id), p.name, gender_word(p.gender), p.employee_no, "、".join(events_of[p.id]), board.used(p.id))
            for p in board.people
            if p.id in events_of
        ),
        footer=signatures,
    )
    return xlsx_filename(meet.name, team.name, "报名确认表"), write_xlsx([by_entry, by_person])
