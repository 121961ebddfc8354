"""xlsx exports: the meet's entries and a team's confirmation, and the guard that keeps text a
person typed from ever running as a formula."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from events import bibs, entry_forms, exports, registration, teams
from events.db import Database
from events.errors import Forbidden
from events.exports import guard_text, unguard_text
from events.schemas import PersonInput
from tests.support import SYSTEM_ORGANISER as ORG
from tests.support import Client, DemoMeet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE_NAME = '=HYPERLINK("http://evil.cn","点我")'


def sheet(data: bytes, title: str | None = None) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    return workbook[title] if title else workbook.worksheets[0]


def rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def cells_with(ws: Worksheet, text: str) -> list[Any]:
    return [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and text in c.value]


# The guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_text_that_could_run_as_a_formula_is_guarded(text: str) -> None:
    guarded = guard_text(text)
    assert guarded == "'" + text
    assert unguard_text(guarded) == text


@pytest.mark.parametrize("value", ["张三", "'quoted", "a=b", "", 42, -3, None, 1.5])
def test_other_values_are_left_alone(value: Any) -> None:
    assert guard_text(value) == value
    if isinstance(value, str):
        assert unguard_text(value) == value


def test_written_formula_text_is_a_plain_string_cell() -> None:
    data = exports.write_xlsx([exports.Sheet(title="t", columns=["姓名"], rows=[[HOSTILE_NAME], ["-1"]])])
    ws = sheet(data)
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == "'" + HOSTILE_NAME
    assert not cell.value.startswith("=")
    assert ws["A3"].data_type == "s" and ws["A3"].value == "'-1"


def test_writer_uses_write_only_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[bool] = []

    class Spy(Workbook):
        def __init__(self, write_only: bool = False, iso_dates: bool = False) -> None:
            modes.append(write_only)
            super().__init__(write_only=write_only, iso_dates=iso_dates)

    monkeypatch.setattr(exports, "Workbook", Spy)
    exports.write_xlsx([exports.Sheet(title="t", columns=["a"], rows=[[1]])])
    assert modes == [True]


# The exports -------------------------------------------------------------------------------


async def hostile_athlete(db: Database, demo: DemoMeet) -> int:
    """A team member whose name is a formula, entered in 中国象棋."""
    team_id = demo.team_ids["一车间"]
    member = await teams.add_member(
        db, ORG, team_id, PersonInput(name=HOSTILE_NAME, gender="M", employee_no="+ZJ-EVIL")
    )
    await registration.enter(db, ORG, team_id=team_id, event_id=demo.event_ids["XQ"], person_id=member.person_id)
    return member.person_id


async def test_meet_export_lists_every_entry_with_bib_team_and_review(demo_db: Database, demo: DemoMeet) -> None:
    ev, t1, t2 = demo.event_ids, demo.team_ids["一车间"], demo.team_ids["二车间"]
    p1, p2 = demo.person_ids[t1][0], demo.person_ids[t2][0]
    await registration.enter(demo_db, ORG, team_id=t1, event_id=ev["ATH-100M-M"], person_id=p1)
    second = await registration.enter(demo_db, ORG, team_id=t2, event_id=ev["ATH-100M-M"], person_id=p2)
    await registration.enter(demo_db, ORG, team_id=t2, event_id=ev["TUG"], person_id=p2)
    await registration.review(demo_db, ORG, second.entry.id, approve=False, reason="年龄不符")
    await bibs.assign_bibs(demo_db, ORG, demo.meet_id, "team_ranges")

    filename, data = await exports.meet_entries_xlsx(demo_db, ORG, demo.meet_id)

    assert filename == "第六届职工运动会-报名汇总.xlsx"
    lines = rows(sheet(data, "报名汇总"))
    assert lines[0][0] == "第六届职工运动会 报名汇总"
    assert lines[2] == exports.ENTRY_COLUMNS
    body = lines[3:]
    assert len(body) == 3
    bib_of = await registration.bibs_of(demo_db, demo.meet_id)
    # Programme order (拔河 comes before 100米), then team number.
    assert body[0][0] == bib_of[p2] and body[0][4:6] == ("二车间", "拔河")
    assert body[1][0] == bib_of[p1] and body[1][4:7] == ("一车间", "男子100米", "待审")
    assert body[2][4:8] == ("二车间", "男子100米", "不通过", "年龄不符")


async def test_exports_never_write_a_formula_from_a_persons_name(demo_db: Database, demo: DemoMeet) -> None:
    await hostile_athlete(demo_db, demo)
    _, meet_data = await exports.meet_entries_xlsx(demo_db, ORG, demo.meet_id)
    _, team_data = await exports.team_entries_xlsx(demo_db, ORG, demo.team_ids["一车间"])
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])
    form = entry_forms.build_template(board)

    for data, title in ((meet_data, "报名汇总"), (team_data, "报名确认表"), (team_data, "队员明细"), (form, "报名表")):
        ws = sheet(data, title)
        found = cells_with(ws, "HYPERLINK")
        assert found, title
        for cell in found:
            assert cell.data_type == "s" and cell.value == "'" + HOSTILE_NAME, title
        assert [c.value for c in cells_with(ws, "ZJ-EVIL")] == ["'+ZJ-EVIL"], title
        formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], title


async def test_the_form_with_a_guarded_name_reads_back_as_the_person(demo_db: Database, demo: DemoMeet) -> None:
    person_id = await hostile_athlete(demo_db, demo)
    board = await registration.board(demo_db, ORG, demo.team_ids["一车间"])

    preview = entry_forms.parse_upload(entry_forms.build_template(board), board)

    assert preview.problems == []
    assert preview.wanted[person_id] == {demo.event_ids["XQ"]}


async def test_team_export_is_the_confirmation_of_that_team_only(demo_db: Database, demo: DemoMeet) -> None:
    ev, t1, t2 = demo.event_ids, demo.team_ids["一车间"], demo.team_ids["二车间"]
    for person_id in demo.person_ids[t1][:2]:
        await registration.enter(demo_db, ORG, team_id=t1, event_id=ev["XQ"], person_id=person_id)
    await registration.enter(demo_db, ORG, team_id=t2, event_id=ev["XQ"], person_id=demo.person_ids[t2][0])

    filename, data = await exports.team_entries_xlsx(demo_db, demo.actor("lingdui1"), t1)

    assert filename == "第六届职工运动会-一车间-报名确认表.xlsx"
    confirmation = rows(sheet(data, "报名确认表"))
    assert confirmation[0][0] == "第六届职工运动会 报名确认表"
    assert [line[4] for line in confirmation[3:5]] == ["一车间", "一车间"]
    assert confirmation[5] == (None,) * len(confirmation[5]) or confirmation[5] == ()
    assert confirmation[-1][0] == "领队签字:"
    people = rows(sheet(data, "队员明细"))
    assert [line[4:] for line in people[3:5]] == [("中国象棋", 1), ("中国象棋", 1)]


async def test_other_teams_leader_and_leaders_cannot_export(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await exports.team_entries_xlsx(demo_db, demo.actor("lingdui2"), demo.team_ids["一车间"])
    with pytest.raises(Forbidden):
        await exports.meet_entries_xlsx(demo_db, demo.actor("lingdui1"), demo.meet_id)


# The downloads -----------------------------------------------------------------------------

Clients = Callable[..., Awaitable[Client]]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_organiser_downloads_the_meet_export_from_the_entries_page(clients: Clients, demo: DemoMeet) -> None:
    organiser = await clients("zuweihui")
    page = await organiser.get(f"/org/meets/{demo.meet_id}/entries")
    assert f'href="/org/meets/{demo.meet_id}/entries.xlsx"' in page.text

    response = await organiser.get(f"/org/meets/{demo.meet_id}/entries.xlsx")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XLSX)
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    assert rows(sheet(response.content))[2] == exports.ENTRY_COLUMNS


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_leader_downloads_own_team_export_but_not_the_meets(clients: Clients, demo: DemoMeet) -> None:
    leader = await clients("lingdui1")
    own = await leader.get(f"/teams/{demo.team_of('lingdui1')}/entries.xlsx")
    assert own.status_code == 200 and own.headers["content-type"].startswith(XLSX)
    assert (await leader.get(f"/teams/{demo.team_of('lingdui2')}/entries.xlsx")).status_code == 403
    assert (await leader.get(f"/org/meets/{demo.meet_id}/entries.xlsx")).status_code == 403
