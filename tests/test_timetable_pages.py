"""Timetable pages over HTTP: generate with the gap shown at once, progress polled while CP-SAT
runs and no longer once it is done, a move refused in place, settings refused in place,
publishing, the public timetable, personal schedules (print and .ics), the clash warning on
the registration matrix, and the JSON API."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from events import timetable
from events.db import Database
from events.demo_timetable import prepare_demo_timetable
from events.timetable_models import Timetable, TimetableSlot
from tests.support import LEADER, OTHER_LEADER, ORGANISER, SYSTEM_ORGANISER, Client, DemoMeet


async def _short_runs(db: Database, meet_id: int) -> None:
    await timetable.save_settings(db, SYSTEM_ORGANISER, meet_id, timetable.SettingsInput(improve_seconds=1))


async def _latest(db: Database) -> Timetable:
    async with db.read() as session:
        tt = await session.scalar(select(Timetable).order_by(Timetable.id.desc()).limit(1))
    assert tt is not None
    return tt


async def _generated(demo_db: Database, demo: DemoMeet, clients) -> tuple[Client, str]:
    """The demo meet drawn and its timetable generated and improved by the organiser's client."""
    await prepare_demo_timetable(demo_db, demo.meet_id)
    await _short_runs(demo_db, demo.meet_id)
    organiser = await clients(ORGANISER)
    url = f"/org/meets/{demo.meet_id}/timetable"
    await organiser.post_form(f"{url}/generate")
    await timetable.wait_for_improvements()
    return organiser, url


async def test_generate_shows_the_greedy_timetable_with_its_gap_then_polls_until_improved(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    await prepare_demo_timetable(demo_db, demo.meet_id)
    await _short_runs(demo_db, demo.meet_id)
    organiser = await clients(ORGANISER)
    url = f"/org/meets/{demo.meet_id}/timetable"
    empty = await organiser.get(url)
    assert empty.status_code == 200 and "生成赛程" in empty.text and "还没有赛程" in empty.text
    made = await organiser.post_form(f"{url}/generate")
    assert made.status_code == 303
    page = await organiser.get(url)
    assert page.status_code == 200
    for words in ("全部结束", "理论下界", "差距", "开幕式", "田径场", "乒乓球室", "采用并公布"):
        assert words in page.text, words
    assert re.search(r"\d+\.\d%", page.text)
    tt = await _latest(demo_db)
    progress = f"{url}/{tt.id}/progress"
    if "every 1s" in page.text:  # still improving: the summary polls itself
        polled = await organiser.get(f"{progress}?running=1", htmx=True)
        assert polled.status_code == 200 and 'id="tt-summary"' in polled.text
    await timetable.wait_for_improvements()
    done = await organiser.get(f"{progress}?running=1", htmx=True)
    assert done.status_code == 200 and "every 1s" not in done.text
    assert done.headers.get("HX-Refresh") == "true"  # the page reloads once, with the improved grid
    settled = await organiser.get(progress, htmx=True)
    assert "HX-Refresh" not in settled.headers


async def test_a_clashing_move_is_refused_in_place_with_the_reason(demo_db: Database, demo: DemoMeet, clients) -> None:
    await prepare_demo_timetable(demo_db, demo.meet_id)
    tt = await timetable.generate(demo_db, SYSTEM_ORGANISER, demo.meet_id)
    async with demo_db.read() as session:
        slots = list((await session.scalars(select(TimetableSlot).where(TimetableSlot.timetable_id == tt.id))).all())
    a, b = next(
        (x, y) for x in slots for y in slots
        if x.kind == y.kind == "match" and x.venue_id != y.venue_id and set(x.person_ids) & set(y.person_ids)
    )
    organiser = await clients(ORGANISER)
    start = timetable.at_minute(await _meet(demo_db, demo.meet_id), a.starts)
    form = {"item_key": b.item_key, "day": start.date().isoformat(), "at": f"{start:%H:%M}"}
    refused = await organiser.post_form(f"/org/meets/{demo.meet_id}/timetable/{tt.id}/move", form, htmx=True)
    assert refused.status_code == 409
    assert "不能移动" in refused.text and 'class="tt-move"' in refused.text and "<html" not in refused.text
    whole = await organiser.post_form(f"/org/meets/{demo.meet_id}/timetable/{tt.id}/move", {**form, "at": "25:00"})
    assert whole.status_code == 422 and "开始时间" in whole.text


async def _meet(db: Database, meet_id: int):
    from events.models import Meet

    async with db.read() as session:
        return await session.get(Meet, meet_id)


async def test_bad_settings_are_refused_in_place_and_good_ones_kept(demo_db: Database, demo: DemoMeet, clients) -> None:
    organiser = await clients(ORGANISER)
    url = f"/org/meets/{demo.meet_id}/timetable/settings"
    meet = await _meet(demo_db, demo.meet_id)
    day = f"day:{meet.starts_on.isoformat()}"
    bad = await organiser.post_form(url, {"min_rest": "15", "improve_seconds": "20", "ceremony_minutes": "30", day: "午饭后"})
    assert bad.status_code == 422 and "无法识别的时段" in bad.text
    good = await organiser.post_form(url, {"min_rest": "20", "improve_seconds": "5", "ceremony_minutes": "0", day: "08:00-12:00 14:00-18:00"})
    assert good.status_code == 303
    settings = await timetable.get_settings(demo_db, demo.meet_id)
    assert (settings.min_rest, settings.improve_seconds, settings.ceremony_minutes) == (20, 5, 0)
    assert [(a.hour, b.hour) for d, a, b in settings.sessions if d == meet.starts_on] == [(8, 12), (14, 18)]


async def test_published_timetable_personal_schedules_and_clash_warnings(demo_db: Database, demo: DemoMeet, clients) -> None:
    await prepare_demo_timetable(demo_db, demo.meet_id)
    tt = await timetable.generate(demo_db, SYSTEM_ORGANISER, demo.meet_id)
    anonymous = await clients()
    before = await anonymous.get(f"/meets/{demo.meet_id}/timetable")
    assert before.status_code == 200 and "赛程尚未公布" in before.text
    organiser = await clients(ORGANISER)
    published = await organiser.post_form(f"/org/meets/{demo.meet_id}/timetable/{tt.id}/publish")
    assert published.status_code == 303
    public = await anonymous.get(f"/meets/{demo.meet_id}/timetable")
    assert public.status_code == 200 and "开幕式" in public.text and "棋牌室" in public.text
    assert "各队赛程" not in public.text  # the public does not get the teams' schedule links
    listed = await organiser.get(f"/meets/{demo.meet_id}/timetable")
    assert "各队赛程" in listed.text and f"/meets/{demo.meet_id}/timetable/teams/" in listed.text
    api = await anonymous.get(f"/api/meets/{demo.meet_id}/timetable")
    assert api.status_code == 200 and api.json()[0]["label"] == "开幕式"
    team_id = demo.team_of(LEADER)
    leader = await clients(LEADER)
    team_page = await leader.get(f"/meets/{demo.meet_id}/timetable/teams/{team_id}")
    assert team_page.status_code == 200 and "一车间 赛程" in team_page.text and "加入日历" in team_page.text
    ics = await leader.get(f"/meets/{demo.meet_id}/timetable/teams/{team_id}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text
    # links a calendar app can open, and a file named for the team
    assert "URL:http://" in ics.text and "URL:/" not in ics.text
    disposition = ics.headers["content-disposition"]
    assert f'filename="team-{team_id}.ics"' in disposition
    assert "filename*=UTF-8''%E4%B8%80%E8%BD%A6%E9%97%B4%E8%B5%9B%E7%A8%8B.ics" in disposition  # 一车间赛程.ics
    stranger = await clients(OTHER_LEADER)
    assert (await stranger.get(f"/meets/{demo.meet_id}/timetable/teams/{team_id}")).status_code == 403
    # A clash in the published timetable shows beside the person on the registration matrix.
    async with demo_db.read() as session:
        slots = list((await session.scalars(select(TimetableSlot).where(TimetableSlot.timetable_id == tt.id))).all())
    people = set(demo.person_ids[team_id])
    a, b = next(
        (x, y) for x in slots for y in slots
        if x.event_id and y.event_id and x.event_id != y.event_id and set(x.person_ids) & set(y.person_ids) & people
    )
    matrix = await leader.get(f"/teams/{team_id}/entries")
    assert matrix.status_code == 200 and "赛程冲突" not in matrix.text
    async with demo_db.write() as session:
        await session.execute(update(TimetableSlot).where(TimetableSlot.id == b.id).values(starts=a.starts, ends=a.starts + b.ends - b.starts))
    warned = await leader.get(f"/teams/{team_id}/entries")
    assert warned.status_code == 200 and "赛程冲突" in warned.text and a.event_name in warned.text


async def test_the_api_generates_and_reports_progress(demo_db: Database, demo: DemoMeet, clients) -> None:
    await prepare_demo_timetable(demo_db, demo.meet_id)
    await _short_runs(demo_db, demo.meet_id)
    organiser = await clients(ORGANISER)
    made = await organiser.api("POST", f"/api/meets/{demo.meet_id}/timetable/generate")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["items"] > 50 and body["gap_percent"] is not None and body["solver_status"] == "running"
    await timetable.wait_for_improvements()
    after = await organiser.get(f"/api/meets/{demo.meet_id}/timetable/{body['timetable_id']}/progress")
    assert after.status_code == 200 and after.json()["solver_status"] in ("improved", "optimal", "failed")


async def test_the_organiser_page_says_when_the_timetable_no_longer_fits(demo_db: Database, demo: DemoMeet, clients) -> None:
    from events.models import Match

    organiser, url = await _generated(demo_db, demo, clients)
    fits = await organiser.get(url)
    assert fits.status_code == 200 and "已与比赛现状不符" not in fits.text
    async with demo_db.write() as session:
        match = await session.scalar(select(Match).where(Match.stage == "group").limit(1))
        assert match is not None
        await session.delete(match)
    stale = await organiser.get(url)
    assert stale.status_code == 200 and "已与比赛现状不符:1 项已不再进行" in stale.text


async def test_a_stale_published_timetable_offers_the_re_solve_it_names_and_keeps_its_pins(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    from events.models import Match

    organiser, url = await _generated(demo_db, demo, clients)
    tt = await _latest(demo_db)
    async with demo_db.read() as session:
        slot = await session.scalar(
            select(TimetableSlot).where(TimetableSlot.timetable_id == tt.id, TimetableSlot.kind == "match").limit(1)
        )
    assert slot is not None
    pinned = await organiser.post_form(f"{url}/{tt.id}/pin", {"item_key": slot.item_key, "pinned": "1"})
    assert pinned.status_code == 303 and pinned.headers["location"].endswith(f"#item-{slot.id}")  # back to its row
    published = await organiser.post_form(f"{url}/{tt.id}/publish")
    assert published.headers["location"] == f"{url}?published=1"
    assert "赛程已公布" in (await organiser.get(published.headers["location"])).text
    async with demo_db.write() as session:
        match = await session.scalar(select(Match).where(Match.stage == "group").order_by(Match.id.desc()).limit(1))
        assert match is not None
        await session.delete(match)
    page = await organiser.get(url)
    assert "已与比赛现状不符" in page.text and "「保留固定项,重排其余」" in page.text
    # the button the warning names is on the page, for the published timetable
    assert f'action="{url}/{tt.id}/resolve"' in page.text
    # starting afresh would drop the pin: it asks first, and says how many
    assert "重新生成会放弃已公布赛程中 1 项固定或手动调整的安排" in page.text
    assert "放弃固定项,重新生成" in page.text
    resolved = await organiser.post_form(f"{url}/{tt.id}/resolve")
    assert resolved.status_code == 303
    await timetable.wait_for_improvements()
    draft = await _latest(demo_db)
    assert draft.id != tt.id and draft.status == "draft"
    async with demo_db.read() as session:
        kept = await session.scalar(
            select(TimetableSlot).where(TimetableSlot.timetable_id == draft.id, TimetableSlot.item_key == slot.item_key)
        )
    assert kept is not None and kept.pinned and (kept.starts, kept.unit) == (slot.starts, slot.unit)
    fresh = await organiser.get(url)
    assert "已与比赛现状不符" not in fresh.text


async def test_the_progress_bar_shows_the_time_used_not_the_time_of_the_last_improvement(
    demo_db: Database, demo: DemoMeet, clients
) -> None:
    import datetime as dt

    from events.models import utcnow
    from events.timetable_models import SolverStatus

    await prepare_demo_timetable(demo_db, demo.meet_id)
    await timetable.save_settings(demo_db, SYSTEM_ORGANISER, demo.meet_id, timetable.SettingsInput(improve_seconds=60))
    tt = await timetable.generate(demo_db, SYSTEM_ORGANISER, demo.meet_id)
    async with demo_db.write() as session:  # as if CP-SAT had run 35 s of 60 and last improved at 2 s
        await session.execute(update(Timetable).where(Timetable.id == tt.id).values(
            solver_status=SolverStatus.RUNNING, improve_until=utcnow() + dt.timedelta(seconds=25),
            progress=[[0.0, tt.finish, tt.bound], [2.0, tt.finish, tt.bound]],
        ))
    organiser = await clients(ORGANISER)
    page = await organiser.get(f"/org/meets/{demo.meet_id}/timetable")
    used = re.search(r"已用 (\d+) / 60 秒", page.text)
    assert used is not None and 33 <= int(used.group(1)) <= 36
    bar = re.search(r'<progress class="tt-progress" max="60" value="(\d+)"', page.text)
    assert bar is not None and bar.group(1) == used.group(1)
    assert "第 2 秒找到" in page.text
