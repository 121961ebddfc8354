"""The referee's tablet score sheet over HTTP: forms, refusals in place, retries, stale edits."""

from __future__ import annotations

import re

from events.db import Database
from tests.support import DemoMeet
from tests.test_match_results import _published, _ready


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def test_a_referee_scores_a_match_from_the_sheet_and_a_retry_stores_nothing_new(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "knockout", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    referee = await clients("caipan2")
    home = await referee.get("/referee")
    assert f"/matches/{match.id}/score" in home.text
    sheet = await referee.get(f"/matches/{match.id}/score")
    assert sheet.status_code == 200 and "提交比分" in sheet.text
    form = {
        "idempotency_key": _hidden(sheet.text, "idempotency_key"),
        "version": _hidden(sheet.text, "version"),
        "outcome": "played",
        "game_a_1": "11", "game_b_1": "10",  # not two clear
        "game_a_2": "11", "game_b_2": "4",
    }
    refused = await referee.post_form(f"/matches/{match.id}/result", form, htmx=True)
    assert refused.status_code == 422
    assert "乒乓球每局须先得 11 分且领先 2 分" in refused.text
    assert 'value="10"' in refused.text  # what was typed is kept
    form["game_b_1"] = "9"
    saved = await referee.post_form(f"/matches/{match.id}/result", form, htmx=True)
    assert saved.status_code == 200 and "已保存:2:0(11:9, 11:4)" in saved.text
    retried = await referee.post_form(f"/matches/{match.id}/result", form, htmx=True)
    assert "重复提交未重复记录" in retried.text
    history = await referee.get(f"/matches/{match.id}")
    assert history.text.count("<td>1</td>") == 1 and "<td>2</td>" not in history.text


async def test_a_stale_sheet_gets_a_409_page_showing_both_values(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    first, second = await clients("caipan2"), await clients("zuweihui")
    sheet_one = (await first.get(f"/matches/{match.id}/score")).text
    sheet_two = (await second.get(f"/matches/{match.id}/score")).text
    base = {"outcome": "played", "game_a_1": "11", "game_b_1": "3", "game_a_2": "11", "game_b_2": "3"}
    one = await first.post_form(
        f"/matches/{match.id}/result",
        {**base, "idempotency_key": _hidden(sheet_one, "idempotency_key"), "version": _hidden(sheet_one, "version")},
    )
    assert one.status_code == 200
    two = await second.post_form(
        f"/matches/{match.id}/result",
        {
            "outcome": "played", "game_a_1": "3", "game_b_1": "11", "game_a_2": "3", "game_b_2": "11",
            "idempotency_key": _hidden(sheet_two, "idempotency_key"), "version": _hidden(sheet_two, "version"),
        },
    )
    assert two.status_code == 409
    assert "2:0(11:3, 11:3)" in two.text and "0:2(3:11, 3:11)" in two.text


async def test_the_result_api_is_idempotent_and_refuses_other_referees(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _published(demo_db, demo, "XQ", "knockout", 1, None)
    match = (await _ready(demo_db, event_id))[0]
    body = {"idempotency_key": "tablet-7-0001", "version": 0, "tally": [2, 1]}
    outsider = await clients("caipan1")
    assert (await outsider.api("POST", f"/api/matches/{match.id}/result", body)).status_code == 403
    referee = await clients("caipan2")
    first = await referee.api("POST", f"/api/matches/{match.id}/result", body)
    again = await referee.api("POST", f"/api/matches/{match.id}/result", body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["version"] == again.json()["version"] == 1


async def test_a_saved_result_fills_the_sheet_so_a_correction_starts_from_it(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "knockout", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    referee = await clients("caipan2")
    sheet = await referee.get(f"/matches/{match.id}/score")
    assert 'class="outcomes forfeit-winner"' in sheet.text  # hidden by the stylesheet unless a forfeit is chosen
    form = {"idempotency_key": _hidden(sheet.text, "idempotency_key"), "version": _hidden(sheet.text, "version"),
            "outcome": "played", "game_a_1": "11", "game_b_1": "9", "game_a_2": "7", "game_b_2": "11", "game_a_3": "11", "game_b_3": "5"}
    refused = await referee.post_form(f"/matches/{match.id}/result", form | {"game_b_3": ""}, htmx=True)
    assert refused.status_code == 422 and 'class="game-row invalid"' in refused.text and _marked(refused.text, "game_b_3")
    saved = await referee.post_form(f"/matches/{match.id}/result", form, htmx=True)
    assert "已保存:2:1(11:9, 7:11, 11:5)" in saved.text
    for name, value in (("game_a_2", "7"), ("game_b_2", "11"), ("game_b_3", "5")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', saved.text), name
    assert re.search(r'name="outcome" value="played"\s+checked', saved.text)
    again = await referee.get(f"/matches/{match.id}/score")
    assert re.search(r'name="game_a_1"[^>]*value="11"', again.text) and 'id="reason" name="reason" value=""' in again.text


def test_the_forfeit_winner_shows_only_for_a_forfeit_or_walkover() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "web" / "static" / "zhijia.css").read_text()
    assert (".score-form:not(:has(input[name=outcome][value=forfeit]:checked, "
            "input[name=outcome][value=walkover]:checked)) .forfeit-winner { display: none; }") in css


def _marked(html: str, name: str) -> bool:
    """Whether the control called ``name`` is flagged invalid and points at the sheet's message."""
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no control {name}"
    return 'aria-invalid="true"' in tag.group(0) and 'aria-describedby="sheet-problem"' in tag.group(0)


async def test_a_refused_sheet_flags_only_the_fields_at_fault(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _published(demo_db, demo, "TT-MS", "round_robin", 1, "M")
    match = (await _ready(demo_db, event_id))[0]
    referee = await clients("caipan2")
    sheet = (await referee.get(f"/matches/{match.id}/score")).text
    base = {"idempotency_key": _hidden(sheet, "idempotency_key"), "version": _hidden(sheet, "version")}
    half = await referee.post_form(f"/matches/{match.id}/result", base | {"outcome": "played", "game_a_1": "11", "game_a_2": "11", "game_b_2": "4"}, htmx=True)
    assert half.status_code == 422 and "第1局比分没有填完整" in half.text
    assert _marked(half.text, "game_a_1") and _marked(half.text, "game_b_1") and not _marked(half.text, "game_a_2")
    assert not _marked(half.text, "reason")
    walkover = await referee.post_form(f"/matches/{match.id}/result", base | {"outcome": "walkover"}, htmx=True)
    assert walkover.status_code == 422 and "请选择获胜方" in walkover.text
    assert _marked(walkover.text, "winner") and 'class="outcomes forfeit-winner invalid"' in walkover.text
    assert 'class="games"' in walkover.text and not _marked(walkover.text, "game_a_1")
    form = base | {"outcome": "played", "game_a_1": "11", "game_b_1": "3", "game_a_2": "11", "game_b_2": "3"}
    assert (await referee.post_form(f"/matches/{match.id}/result", form, htmx=True)).status_code == 200
    again = (await referee.get(f"/matches/{match.id}/score")).text
    unexplained = await referee.post_form(
        f"/matches/{match.id}/result",
        {"idempotency_key": _hidden(again, "idempotency_key"), "version": _hidden(again, "version"), "outcome": "played",
         "game_a_1": "3", "game_b_1": "11", "game_a_2": "3", "game_b_2": "11"}, htmx=True,
    )
    assert unexplained.status_code == 422 and "须填写理由" in unexplained.text
    assert _marked(unexplained.text, "reason") and not _marked(unexplained.text, "game_a_1")
    assert 'value="3"' in unexplained.text  # the correction as typed stays on the sheet


async def test_the_referees_tasks_say_when_and_where_from_the_published_timetable_next_first(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    from events import timetable
    from events.demo_timetable import prepare_demo_timetable
    from tests.support import SYSTEM_ORGANISER

    from events import draws, race_rounds
    from events.errors import DomainError

    await prepare_demo_timetable(demo_db, demo.meet_id)
    for event_id in demo.event_ids.values():  # every draw and first round published
        for publish in (draws.publish, race_rounds.publish_round):
            try:
                await publish(demo_db, SYSTEM_ORGANISER, demo.meet_id, event_id)
            except DomainError:
                pass
    referee = await clients("caipan2")
    before = (await referee.get("/referee")).text
    assert "时间待定" in before  # drawn, not yet in a published timetable
    draft = await timetable.generate(demo_db, SYSTEM_ORGANISER, demo.meet_id)
    await timetable.publish(demo_db, SYSTEM_ORGANISER, demo.meet_id, draft.id)
    home = (await referee.get("/referee")).text
    async with demo_db.read() as session:
        rows = {r.item_key: r for r in await timetable.timetable_rows(session, demo.meet_id)}
    tiles = re.findall(r'href="/matches/(\d+)/score">\s*<span class="when small">(.*?)</span>', home, re.S)
    assert len(tiles) >= 10 and "时间待定" not in home.split("待赛")[1].split("</section>")[0]
    starts = []
    for match_id, when in tiles:
        times = re.findall(r"<strong>(\d\d:\d\d)</strong>", when)
        assert times and "·" in when, when  # a time and a venue on every tile
        starts.append(when)
    from sqlalchemy import select

    from events.models import Match

    async with demo_db.read() as session:
        matches = {m.id: m for m in (await session.scalars(select(Match))).all()}
    order = [rows[f"{matches[int(i)].event_id}:{matches[int(i)].key}"].start for i, _ in tiles]
    assert order == sorted(order)  # the next match first
    # the organiser sees heats and matches together (their ids overlap): each tile its own slot
    organiser = await clients("zuweihui")
    everything = (await organiser.get("/referee")).text
    both = re.findall(r'href="/matches/(\d+)/score">\s*<span class="when small">(.*?)</span>', everything, re.S)
    assert len(both) > len(tiles) and "/heats/" in everything
    for match_id, when in both:
        slot = rows[f"{matches[int(match_id)].event_id}:{matches[int(match_id)].key}"]
        assert f"<strong>{slot.start:%H:%M}</strong>" in when and slot.venue_name in when, (match_id, when)


async def test_heats_drawn_after_the_timetable_was_published_take_their_rounds_planned_time(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    from events import race_rounds, timetable
    from events.demo_field import enter_demo_field
    from tests.support import SYSTEM_ORGANISER

    await enter_demo_field(demo_db, demo.meet_id)
    draft = await timetable.generate(demo_db, SYSTEM_ORGANISER, demo.meet_id)
    await timetable.publish(demo_db, SYSTEM_ORGANISER, demo.meet_id, draft.id)
    event_id = demo.event_ids["ATH-100M-M"]
    request = race_rounds.RoundRequest(is_final=False, qualify_by_place=3, qualify_by_time=2, seed=1, lanes=8)
    await race_rounds.draw_round(demo_db, SYSTEM_ORGANISER, demo.meet_id, event_id, request)
    await race_rounds.publish_round(demo_db, SYSTEM_ORGANISER, demo.meet_id, event_id)
    async with demo_db.read() as session:
        planned = {r.item_key: r for r in await timetable.timetable_rows(session, demo.meet_id)}[f"{event_id}:r1:all"]
    home = (await (await clients("caipan1")).get("/referee")).text
    tiles = re.findall(r'<span class="when small">(.*?)</span>\s*<span class="muted">男子100米', home, re.S)
    assert tiles and all(f"<strong>{planned.start:%H:%M}</strong>" in t for t in tiles), tiles
