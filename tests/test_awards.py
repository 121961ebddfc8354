"""Award lists (获奖名单) and certificates (奖状): the top places of each event as one row
generator feeds the pages, the xlsx export and the certificates — on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from events import awards, teams
from events.db import Database
from events.errors import Forbidden
from events.schemas import TeamInput
from tests.support import SYSTEM_ORGANISER, DemoMeet
from tests.test_team_points import TEAMS, enter_squad, published_draw, play_all, timed_final

ORG = SYSTEM_ORGANISER


def test_places_are_written_the_chinese_way() -> None:
    assert [awards.place_text(n) for n in (1, 2, 3, 10, 12, 16, 20)] == [
        "第一名", "第二名", "第三名", "第十名", "第十二名", "第十六名", "第二十名",
    ]


async def test_each_event_awards_its_top_places_with_members_and_record_flags_in_programme_order(
    demo_db: Database, demo: DemoMeet
) -> None:
    squads = {}
    for team in TEAMS[:4]:
        squads[team] = await enter_squad(demo_db, demo, "FUN-5RZ-M", team, 5, "M")
    await timed_final(demo_db, demo, "FUN-5RZ-M", [(t, 60_000 + 1000 * i) for i, t in enumerate(TEAMS[:4])])
    times = [(t, 11_000 + 100 * i) for i, t in enumerate(TEAMS)]
    times[0] = ("一车间", 11_000, "record")
    times[2] = ("三车间", 11_200, "equal")
    await timed_final(demo_db, demo, "ATH-100M-M", times)

    a = await awards.award_list(demo_db, demo.meet_id)
    assert [e.event.code for e in a.events][:3] == ["BB-M", "TT-MS", "TT-WS"]  # programme order, all events
    assert len(a.events) == 20
    rows = a.rows
    assert [(r.event_name, r.place_text, r.team_name) for r in rows] == [
        ("男子100米", "第一名", "一车间"), ("男子100米", "第二名", "二车间"), ("男子100米", "第三名", "三车间"),
        ("男子5人竞足", "第一名", "一车间"), ("男子5人竞足", "第二名", "二车间"),  # team fun events award the top 2
    ]
    hundred = rows[:3]
    assert [r.mark for r in hundred] == ["11.00", "11.10", "11.20"]
    assert [r.record_label for r in hundred] == ["破纪录", "", "平纪录"]
    assert [r.note for r in hundred] == ["破纪录", "", "平纪录"]
    assert all(r.members == () and not r.team_event for r in hundred)
    relay = rows[3:]
    assert [r.members for r in relay] == [tuple(squads["一车间"]), tuple(squads["二车间"])]
    assert all(r.team_event and r.name == r.team_name for r in relay)
    states = {e.event.code: e.state for e in a.events}
    assert states["ATH-100M-M"] == "complete" and states["FUN-5RZ-M"] == "complete" and states["BB-M"] == "pending"

    one = await awards.award_list(demo_db, demo.meet_id, demo.event_ids["FUN-5RZ-M"])
    assert one.event is not None and one.title == "男子5人竞足 获奖名单"
    assert [(r.place, r.name) for r in one.rows] == [(1, "一车间"), (2, "二车间")]


async def test_everybody_sharing_the_last_awarded_place_is_awarded(demo_db: Database, demo: DemoMeet) -> None:
    await timed_final(demo_db, demo, "ATH-100M-W", [("一车间", 13_000), ("二车间", 13_100), ("三车间", 13_200), ("质检部", 13_200), ("财务部", 13_500)])
    rows = (await awards.award_list(demo_db, demo.meet_id, demo.event_ids["ATH-100M-W"])).rows
    assert [(r.place_text, r.tied, r.team_name) for r in rows] == [
        ("第一名", False, "一车间"), ("第二名", False, "二车间"), ("第三名", True, "三车间"), ("第三名", True, "质检部"),
    ]
    assert [r.note for r in rows[2:]] == ["并列", "并列"]


async def test_a_match_event_awards_from_its_final_placings(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await published_draw(demo_db, demo, "XQ", TEAMS[:4], 1, "knockout", third_place="match")
    await play_all(demo_db, event_id, lambda m: "a")
    rows = (await awards.award_list(demo_db, demo.meet_id, event_id)).rows
    assert [r.place for r in rows] == [1, 2, 3] and all(r.complete and r.mark == "" for r in rows)


async def test_an_unfinished_event_is_listed_as_provisional(demo_db: Database, demo: DemoMeet) -> None:
    await timed_final(demo_db, demo, "ATH-1500M-M", [("一车间", 300_000), ("二车间", 310_000), ("三车间", 320_000), ("质检部", None)])
    a = await awards.award_list(demo_db, demo.meet_id, demo.event_ids["ATH-1500M-M"])
    assert a.events[0].state == "provisional"
    assert [r.note for r in a.rows] == ["暂定", "暂定", "暂定"]


async def test_the_xlsx_export_escapes_a_team_name_that_would_run_as_a_formula(demo_db: Database, demo: DemoMeet) -> None:
    evil = '=HYPERLINK("http://evil.example","点我")'
    await teams.save_team(demo_db, ORG, demo.meet_id, TeamInput(name=evil, number=1), demo.team_ids["一车间"])
    await timed_final(demo_db, demo, "ATH-100M-M", [("一车间", 11_000, "record"), ("二车间", 11_100), ("三车间", 11_200)])
    filename, data = await awards.award_list_xlsx(demo_db, demo.meet_id)
    assert filename == "第六届职工运动会-获奖名单.xlsx"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [[c for c in row] for row in sheet.iter_rows()]
    values = [[c.value for c in row] for row in cells]
    assert values[0][0] == "第六届职工运动会 获奖名单"
    assert values[2] == list(awards.AWARD_COLUMNS)
    first = cells[3]
    assert first[0].value == "男子100米" and first[1].value == "第一名"
    assert first[3].value == "'" + evil and first[3].data_type == "s"
    assert first[5].value == "11.00" and first[6].value == "破纪录"
    assert not any(c.data_type == "f" for row in cells for c in row)
    _, one = await awards.award_list_xlsx(demo_db, demo.meet_id, demo.event_ids["ATH-100M-M"])
    assert len(list(load_workbook(io.BytesIO(one)).active.iter_rows())) == 3 + 3  # type: ignore[union-attr]


async def test_certificates_are_for_complete_events_only_and_organisers_only(demo_db: Database, demo: DemoMeet) -> None:
    await timed_final(demo_db, demo, "ATH-100M-M", [("一车间", 11_000, "record"), ("二车间", 11_100), ("三车间", 11_200), ("质检部", 11_300)])
    await timed_final(demo_db, demo, "ATH-1500M-M", [("一车间", 300_000), ("二车间", None)])
    c = await awards.certificates(demo_db, ORG, demo.meet_id)
    assert [(r.event_name, r.place_text, r.team_name, r.record_label) for r in c.rows] == [
        ("男子100米", "第一名", "一车间", "破纪录"), ("男子100米", "第二名", "二车间", ""), ("男子100米", "第三名", "三车间", ""),
    ]
    assert "男子1500米" in [e.name for e in c.waiting] and "男子100米" not in [e.name for e in c.waiting]
    one = await awards.certificates(demo_db, ORG, demo.meet_id, demo.event_ids["ATH-1500M-M"])
    assert one.rows == [] and [e.name for e in one.waiting] == ["男子1500米"]
    for username in ("lingdui1", "caipan1"):
        with pytest.raises(Forbidden):
            await awards.certificates(demo_db, demo.actor(username), demo.meet_id)
