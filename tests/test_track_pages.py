"""Heats and marks over HTTP: the organiser's draw form, the referee's tablet sheet line by line
(refusals in place, retries, stale edits), the public event page and the JSON API."""

from __future__ import annotations

import re

from sqlalchemy import select

from events import race_rounds
from events.db import Database
from events.models import Heat, StartEntry
from tests.support import SYSTEM_ORGANISER, DemoMeet
from tests.test_track_results import _enter


def _line_form(html: str, line_id: int) -> dict[str, str]:
    row = html[html.index(f'id="line-{line_id}"') :]
    key = re.search(r'name="idempotency_key" value="([^"]*)"', row)
    version = re.search(r'name="version" value="([^"]*)"', row)
    assert key and version
    return {"idempotency_key": key.group(1), "version": version.group(1)}


async def _published_heats(db: Database, demo: DemoMeet) -> tuple[int, list[StartEntry]]:
    event_id = await _enter(db, demo, "ATH-100M-M", 2, "M")
    req = race_rounds.RoundRequest(is_final=False, qualify_by_place=3, qualify_by_time=2, seed=11)
    await race_rounds.draw_round(db, SYSTEM_ORGANISER, demo.meet_id, event_id, req)
    await race_rounds.publish_round(db, SYSTEM_ORGANISER, demo.meet_id, event_id)
    async with db.read() as session:
        lines = list((await session.scalars(select(StartEntry).order_by(StartEntry.heat_id, StartEntry.position))).all())
    return event_id, lines


async def test_the_organiser_draws_previews_and_publishes_heats_from_the_page(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 2, "M")
    organiser = await clients("zuweihui")
    url = f"/org/meets/{demo.meet_id}/events/{event_id}/heats"
    page = await organiser.get(url)
    assert page.status_code == 200 and "16 人" in page.text and "编排分组" in page.text
    refused = await organiser.post_form(url, {"stage": "heats", "layout": "lanes", "lanes": "8", "qualify_by_place": "", "qualify_by_time": ""})
    assert refused.status_code == 422 and "录取办法" in refused.text
    drawn = await organiser.post_form(
        url, {"stage": "heats", "layout": "lanes", "lanes": "8", "qualify_by_place": "3", "qualify_by_time": "2", "method": "serpentine", "seed": "42"}
    )
    assert drawn.status_code in (200, 303)
    preview = await organiser.get(url)
    assert "预览(未公布)" in preview.text and "<code>42</code>" in preview.text and "公布预赛分组" in preview.text
    public = await (await clients(None)).get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert "分组尚未公布" in public.text
    await organiser.post_form(f"{url}/publish", {})
    public = await (await clients(None)).get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert public.status_code == 200 and "第1组" in public.text and "第2组" in public.text
    assert "每组前 3 名(Q)及其余成绩最好的 2 名(q)" in public.text


async def test_a_referee_enters_a_line_refusals_stay_in_place_and_a_retry_stores_nothing_new(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    event_id, lines = await _published_heats(demo_db, demo)
    line = lines[0]
    referee = await clients("caipan1")
    home = await referee.get("/referee")
    assert f"/heats/{line.heat_id}/score" in home.text
    sheet = await referee.get(f"/heats/{line.heat_id}/score")
    assert sheet.status_code == 200 and line.name in sheet.text
    form = _line_form(sheet.text, line.id) | {"mark": "12.3.4", "status": "", "reason": ""}
    refused = await referee.post_form(f"/start-entries/{line.id}/mark", form, htmx=True)
    assert refused.status_code == 422 and "无法识别" in refused.text and 'value="12.3.4"' in refused.text
    form["mark"] = "12\"41"
    saved = await referee.post_form(f"/start-entries/{line.id}/mark", form, htmx=True)
    assert saved.status_code == 200 and "已保存" in saved.text and "12.41" in saved.text
    assert 'id="heat-ranking" hx-swap-oob="true"' in saved.text
    retried = await referee.post_form(f"/start-entries/{line.id}/mark", form, htmx=True)
    assert "重复提交未重复记录" in retried.text
    history = await referee.get(f"/start-entries/{line.id}/marks")
    assert history.text.count("第 1 版") == 1 and "第 2 版" not in history.text


async def test_a_status_without_a_reason_is_refused_and_a_stale_line_shows_both_marks(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    _, lines = await _published_heats(demo_db, demo)
    line = lines[1]
    first, second = await clients("caipan1"), await clients("zuweihui")
    one = _line_form((await first.get(f"/heats/{line.heat_id}/score")).text, line.id)
    two = _line_form((await second.get(f"/heats/{line.heat_id}/score")).text, line.id)
    no_reason = await first.post_form(f"/start-entries/{line.id}/mark", one | {"mark": "", "status": "DQ", "reason": ""}, htmx=True)
    assert no_reason.status_code == 422 and "须注明原因" in no_reason.text
    ok = await first.post_form(f"/start-entries/{line.id}/mark", one | {"mark": "13.05"}, htmx=True)
    assert ok.status_code == 200
    stale = await second.post_form(f"/start-entries/{line.id}/mark", two | {"mark": "13.50"}, htmx=True)
    assert stale.status_code == 409 and "13.05" in stale.text and "13.50" in stale.text


async def test_a_referee_of_other_events_cannot_open_the_sheet(demo_db: Database, demo: DemoMeet, clients) -> None:
    _, lines = await _published_heats(demo_db, demo)
    chess_referee = await clients("caipan2")
    assert (await chess_referee.get(f"/heats/{lines[0].heat_id}/score")).status_code == 403


async def test_the_api_enters_marks_and_refuses_a_stale_version(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id, lines = await _published_heats(demo_db, demo)
    referee = await clients("caipan1")
    url = f"/api/start-entries/{lines[0].id}/mark"
    ok = await referee.api("POST", url, {"idempotency_key": "k1", "version": 0, "mark": "1:05.67"})
    assert ok.status_code == 200 and ok.json()["mark"] == "1:05.67" and ok.json()["version"] == 1
    stale = await referee.api("POST", url, {"idempotency_key": "k2", "version": 0, "mark": "12.00"})
    assert stale.status_code == 409
    rounds = await (await clients(None)).get(f"/api/meets/{demo.meet_id}/events/{event_id}/rounds")
    first = next(line for line in rounds.json()[0]["lines"] if line["id"] == lines[0].id)
    assert first["mark"] == "1:05.67" and first["place"] == 1


async def test_results_show_places_and_the_final_ranking_when_complete(demo_db: Database, demo: DemoMeet, clients) -> None:
    event_id = await _enter(demo_db, demo, "FUN-TJ-M", 1, "M")
    await race_rounds.draw_round(demo_db, SYSTEM_ORGANISER, demo.meet_id, event_id, race_rounds.RoundRequest(lanes=None, seed=1))
    await race_rounds.publish_round(demo_db, SYSTEM_ORGANISER, demo.meet_id, event_id)
    async with demo_db.read() as session:
        heat_id = await session.scalar(select(Heat.id))
        lines = list((await session.scalars(select(StartEntry).order_by(StartEntry.position))).all())
    referee = await clients("caipan1")
    for i, line in enumerate(lines):
        sheet = (await referee.get(f"/heats/{heat_id}/score")).text
        await referee.post_form(f"/start-entries/{line.id}/mark", _line_form(sheet, line.id) | {"mark": str(50 + i)}, htmx=True)
    public = await (await clients(None)).get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert "比赛结束" in public.text and "名次" in public.text
    best = lines[-1]
    ranking = public.text[public.text.index("<h3>名次</h3>") :]
    assert ranking.index(best.name) < ranking.index(lines[0].name)  # 57 kicks beat 50


async def test_a_relay_heat_counts_teams_not_people(demo_db: Database, demo: DemoMeet, clients) -> None:
    from tests.test_track_results import test_a_relay_is_run_by_teams

    await test_a_relay_is_run_by_teams(demo_db, demo)  # three teams of four men, drawn
    event_id = demo.event_ids["RELAY-4X100-M"]
    page = (await (await clients("zuweihui")).get(f"/org/meets/{demo.meet_id}/events/{event_id}/heats")).text
    assert "3 队(已报名且未被终审取消)" in page
    caption = re.search(r"<caption>第1组.*?</caption>", page, re.S)
    assert caption is not None and "3 队" in caption.group(0) and "人" not in caption.group(0)


async def test_an_implausible_mark_comes_back_typed_with_a_confirm_box_and_saves_once_confirmed(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    _, lines = await _published_heats(demo_db, demo)
    line = lines[0]
    referee = await clients("caipan1")
    form = _line_form((await referee.get(f"/heats/{line.heat_id}/score")).text, line.id) | {"mark": "1.24", "status": "", "reason": ""}
    refused = await referee.post_form(f"/start-entries/{line.id}/mark", form, htmx=True)
    assert refused.status_code == 422 and "不像「男子100米」的成绩" in refused.text
    assert 'value="1.24"' in refused.text and 'aria-invalid="true"' in refused.text
    assert 'name="confirm" value="1"' in refused.text
    saved = await referee.post_form(f"/start-entries/{line.id}/mark", _line_form(refused.text, line.id) | {"mark": "1.24", "confirm": "1"}, htmx=True)
    assert saved.status_code == 200 and "已保存" in saved.text and 'name="confirm"' not in saved.text


async def test_the_api_refuses_an_implausible_mark_unless_it_is_confirmed(demo_db: Database, demo: DemoMeet, clients) -> None:
    _, lines = await _published_heats(demo_db, demo)
    referee = await clients("caipan1")
    url = f"/api/start-entries/{lines[0].id}/mark"
    refused = await referee.api("POST", url, {"idempotency_key": "k1", "version": 0, "mark": "4:05.67"})
    assert refused.status_code == 422 and "不像「男子100米」的成绩" in refused.text and "确认无误" in refused.text
    confirmed = await referee.api("POST", url, {"idempotency_key": "k2", "version": 0, "mark": "4:05.67", "confirm": True})
    assert confirmed.status_code == 200 and confirmed.json()["mark"] == "4:05.67"


def _flagged(html: str, name: str, line_id: int) -> bool:
    """Whether the line's control called ``name`` is flagged invalid and points at the line's message."""
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html[html.index(f'id="line-{line_id}"') :])
    assert tag, f"no control {name}"
    return 'aria-invalid="true"' in tag.group(0) and f'aria-describedby="p-{line_id}"' in tag.group(0)


async def test_a_refused_line_flags_the_control_at_fault_and_names_its_message(demo_db: Database, demo: DemoMeet, clients) -> None:
    _, lines = await _published_heats(demo_db, demo)
    line = lines[0]
    referee = await clients("caipan1")
    url = f"/start-entries/{line.id}/mark"
    form = _line_form((await referee.get(f"/heats/{line.heat_id}/score")).text, line.id)
    unread = await referee.post_form(url, form | {"mark": "12,3x", "status": "", "reason": ""}, htmx=True)
    assert unread.status_code == 422 and f'id="p-{line.id}"' in unread.text
    assert _flagged(unread.text, "mark", line.id) and not _flagged(unread.text, "reason", line.id)
    assert (await referee.post_form(url, form | {"mark": "12.30", "status": "", "reason": ""}, htmx=True)).status_code == 200
    form = _line_form((await referee.get(f"/heats/{line.heat_id}/score")).text, line.id)
    unexplained = await referee.post_form(url, form | {"mark": "12.40", "status": "", "reason": ""}, htmx=True)
    assert unexplained.status_code == 422 and "须填写理由" in unexplained.text and 'value="12.40"' in unexplained.text
    assert _flagged(unexplained.text, "reason", line.id) and not _flagged(unexplained.text, "mark", line.id)
