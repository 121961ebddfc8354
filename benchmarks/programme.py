"""Benchmark: the printed programme (秩序册) of a meet of 2 000 athletes — 40 teams, 22 events,
up to three entries each, bibs, knockout and group draws, heats with lanes, standing records —
served as the organiser's HTML page and as its xlsx, against baselines measured in the same run
(the meet's timetable is generated and published first, so the programme prints it by day and by
venue):

- ``plain_select``: the same entry rows read with one plain SELECT (entry, person, team, event),
  the least any programme can cost to read;
- ``trivial_render``: a trivial Jinja table of as many rows as the programme prints;
- ``trivial_xlsx``: an openpyxl write-only workbook of as many plain rows as the programme's xlsx
  holds (no styles, no guards).

Also the timetable's pages on the same meet: the organiser's (which checks the stored timetable
against the meet as it stands: the problem built afresh and validated) and the public one, with
the check alone and building the problem alone (``build_problem``, the least the check can cost).

    python benchmarks/programme.py            # 2 000 athletes
    python benchmarks/programme.py --quick    # 300 athletes, for CI

The meet is built in a scratch SQLite file (bulk inserts for people and entries; draws and heats
through the services). Times are wall-clock medians of a few requests through the whole app
(guards, service, template, response). Goals (issue 7): HTML < 3 s, xlsx < 5 s at 2 000
athletes. The meet runs five days of sessions 08:00–12:00 and 13:30–18:00 with a 40-board chess
hall: a one-track meet of 2 000 athletes needs them (its track alone holds 27 hours of heats).

Prints a table, then as the last line one JSON object of figures, baselines, ratios and goals.
Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import logging
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from jinja2 import Environment  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from events import accounts, draws, meets, race_rounds, timetable  # noqa: E402
from events.db import Database  # noqa: E402
from events.demo import SYSTEM  # noqa: E402
from events.migrate import upgrade  # noqa: E402
from events.models import (  # noqa: E402
    Entry,
    Event,
    Meet,
    Person,
    RecordDecision,
    RecordMark,
    RefereeAssignment,
    Team,
    TeamMember,
    UserAccount,
    Venue,
)
from events.schemas import MeetInput  # noqa: E402
from events.timetable_models import Timetable, TimetableStatus  # noqa: E402
from web.app import create_app  # noqa: E402
from web.auth import SESSION_COOKIE  # noqa: E402
from web.settings import Settings  # noqa: E402

SEED = 20261203
GOAL_HTML_MS = 3000.0
GOAL_XLSX_MS = 5000.0
TEAMS = 40
DAYS = 5
SESSIONS = ((dt.time(8, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(18, 0)))

# code, name, gender ("M", "F", None: open), kind, format, measure
EVENTS = [
    *[(f"RUN-{d}-{g}", f"{'男' if g == 'M' else '女'}子{d}米", g, "individual_timed", "heats_final", "time")
      for d in (100, 200, 400) for g in ("M", "F")],
    *[(f"RUN-{d}-{g}", f"{'男' if g == 'M' else '女'}子{d}米", g, "individual_timed", "mass_start", "time")
      for d in (800, 1500) for g in ("M", "F")],
    *[(f"JUMP-{g}", f"{'男' if g == 'M' else '女'}子跳远", g, "individual_measured", "timed_final", "distance") for g in ("M", "F")],
    *[(f"FUN-{n}", name, None, "individual_timed", "timed_final", "time")
      for n, name in enumerate(("袋鼠跳", "搭桥板", "呼啦圈竞走", "踢毽"))],
    ("TT-M", "男子乒乓球单打", "M", "individual_match", "groups_knockout", None),
    ("TT-W", "女子乒乓球单打", "F", "individual_match", "groups_knockout", None),
    ("XQ", "中国象棋", None, "individual_match", "knockout", None),
    ("WQ", "围棋", None, "individual_match", "knockout", None),
    ("RELAY-M", "男子4×100米接力", "M", "relay", "timed_final", "time"),
    ("RELAY-W", "女子4×100米接力", "F", "relay", "timed_final", "time"),
]


async def build(db: Database, athletes: int) -> tuple[int, str]:
    """The synthetic meet; returns its id and an organiser's session token."""
    chance = random.Random(SEED)
    today = meets.today()
    meet = await meets.create_meet(db, SYSTEM, MeetInput(
        name="第九届职工运动会(基准)", edition=9, host="公司工会", location="公司体育中心",
        starts_on=today + dt.timedelta(days=30), ends_on=today + dt.timedelta(days=29 + DAYS),
        registration_opens=today - dt.timedelta(days=10), registration_closes=today + dt.timedelta(days=10),
    ))
    per_team = athletes // TEAMS
    async with db.write() as session:
        venues = {}
        for name, kind, capacity in (("田径场", "track", 1), ("乒乓球室", "table", 8), ("棋牌室", "table", 40), ("趣味运动场", "field", 2)):
            venue = Venue(meet_id=meet.id, name=name, kind=kind, capacity=capacity)
            session.add(venue)
            await session.flush()
            venues[name] = venue.id
        event_ids: dict[str, tuple[int, str | None, str]] = {}
        for position, (code, name, gender, kind, fmt, measure) in enumerate(EVENTS):
            is_match = kind == "individual_match"
            venue = "乒乓球室" if code.startswith("TT") else "棋牌室" if is_match else "趣味运动场" if code.startswith("FUN") else "田径场"
            event = Event(
                meet_id=meet.id, code=code, name=name, sport="table_tennis" if code.startswith("TT") else "chess" if is_match else "athletics",
                division={"M": "men", "F": "women", None: "open"}[gender], kind=kind, format=fmt,
                team_quota=None, roster_min=4 if kind == "relay" else None, roster_max=4 if kind == "relay" else None,
                award_places=3, best_of=3 if is_match else 1, venue_id=venues[venue], position=position, measure=measure,
            )
            session.add(event)
            await session.flush()
            event_ids[code] = (event.id, gender, kind)
        teams = []
        for number in range(1, TEAMS + 1):
            team = Team(meet_id=meet.id, number=number, name=f"第{number}代表队", category="车间")
            session.add(team)
            teams.append(team)
        await session.flush()
        people = [
            {"name": f"运动员{n:04d}", "gender": "M" if n % 2 else "F", "employee_no": f"B{n:06d}", "unit": ""}
            for n in range(per_team * TEAMS)
        ]
        person_ids = list((await session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people)).all())
        members, entries = [], []
        individual = {g: [c for c, (_, eg, k) in event_ids.items() if k != "relay" and eg in (g, None)] for g in ("M", "F")}
        for t, team in enumerate(teams):
            squad_of = {"M": [], "F": []}
            for i in range(per_team):
                pid = person_ids[t * per_team + i]
                gender = people[t * per_team + i]["gender"]
                members.append({"meet_id": meet.id, "team_id": team.id, "person_id": pid, "bib": team.number * 100 + i + 1})
                wanted = chance.randint(1, 3)
                chosen = chance.sample(individual[gender], wanted)
                if len(squad_of[gender]) < 4 and wanted < 3:
                    squad_of[gender].append(pid)
                    chosen.append("RELAY-M" if gender == "M" else "RELAY-W")
                for slot, code in enumerate(chosen, start=1):
                    entries.append({"meet_id": meet.id, "event_id": event_ids[code][0], "team_id": team.id, "person_id": pid,
                                    "squad": 1, "person_slot": slot, "status": "approved"})
        await session.execute(insert(TeamMember), members)
        await session.execute(insert(Entry), entries)
        users = [{"username": "zuweihui-b", "display_name": "会务组", "password_hash": "x", "role": "organiser"}]
        users += [{"username": f"leader{t.number}", "display_name": f"{t.name}领队", "password_hash": "x", "role": "leader", "team_id": t.id} for t in teams]
        users += [{"username": f"ref{n}", "display_name": f"裁判{n}", "password_hash": "x", "role": "referee", "is_chief_referee": n == 0} for n in range(12)]
        await session.execute(insert(UserAccount), users)
        refs = (await session.scalars(select(UserAccount.id).where(UserAccount.role == "referee").order_by(UserAccount.id))).all()
        await session.execute(insert(RefereeAssignment), [
            {"user_id": refs[n % len(refs)], "event_id": eid} for n, (eid, _, _) in enumerate(event_ids.values())
        ])
        for code, (_, _, kind) in event_ids.items():
            if kind == "individual_match":
                continue
            mark = RecordMark(event_code=code, event_name=code, sport="athletics", kind="distance" if code.startswith("JUMP") else "time",
                              timing="electronic", lower_is_better=not code.startswith("JUMP"), value=12_000 if not code.startswith("JUMP") else 600,
                              holder="纪录保持者", team_name="第1代表队", meet_name="第八届职工运动会", set_on=dt.date(2025, 11, 20), source="import")
            session.add(mark)
            await session.flush()
            session.add(RecordDecision(record_mark_id=mark.id, decision="ratified", decided_by_name="裁判长"))
        organiser = await session.scalar(select(UserAccount).where(UserAccount.username == "zuweihui-b"))
    for code, (event_id, _, kind) in event_ids.items():
        if kind == "individual_match":
            fmt = dict((c, f) for c, _, _, _, f, _ in EVENTS)[code]
            settings = {"group_size": 4, "qualifiers": 2} if fmt == "groups_knockout" else {}
            await draws.generate(db, SYSTEM, meet.id, event_id, draws.DrawRequest(format=fmt, settings=settings, seed=SEED))
            await draws.publish(db, SYSTEM, meet.id, event_id)
            continue
        fmt = dict((c, f) for c, _, _, _, f, _ in EVENTS)[code]
        mass = fmt == "mass_start" or code.startswith("JUMP")
        layout = {"lanes": None, "section_size": 20} if mass else {"lanes": 8}
        request = race_rounds.RoundRequest(is_final=fmt != "heats_final", qualify_by_place=2, qualify_by_time=2, seed=SEED, **layout)
        if fmt != "heats_final":
            request = race_rounds.RoundRequest(is_final=True, seed=SEED, **layout)
        await race_rounds.draw_round(db, SYSTEM, meet.id, event_id, request)
        await race_rounds.publish_round(db, SYSTEM, meet.id, event_id)
    days = [meet.starts_on + dt.timedelta(days=n) for n in range(DAYS)]
    await timetable.save_settings(db, SYSTEM, meet.id, timetable.SettingsInput(sessions=[
        timetable.SessionInput(day=day, starts_at=a, ends_at=b) for day in days for a, b in SESSIONS
    ]))
    drafted = await timetable.generate(db, SYSTEM, meet.id)
    await timetable.publish(db, SYSTEM, meet.id, drafted.id)
    assert organiser is not None
    token = await accounts.start_session(db, organiser, None)
    return meet.id, token


async def timed(repeats: int, make) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = await make()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


async def plain_select(db: Database, meet_id: int) -> int:
    async with db.read() as session:
        rows = (await session.execute(
            select(Entry.id, Person.name, TeamMember.bib, Team.name, Event.name)
            .join(Person, Person.id == Entry.person_id)
            .join(TeamMember, (TeamMember.person_id == Entry.person_id) & (TeamMember.meet_id == Entry.meet_id))
            .join(Team, Team.id == Entry.team_id)
            .join(Event, Event.id == Entry.event_id)
            .where(Entry.meet_id == meet_id)
        )).all()
    return len(rows)


TRIVIAL = Environment(autoescape=True).from_string(
    "<table>{% for r in rows %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td><td>{{ r[3] }}</td></tr>{% endfor %}</table>"
)


def trivial_xlsx(rows: list[tuple]) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet("rows")
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def main_async(args: argparse.Namespace, url: str) -> dict:
    athletes = 300 if args.quick else 2000
    repeats = 2 if args.quick else 3
    if True:  # one scratch database, made by main()
        db = Database(url)
        try:
            started = time.perf_counter()
            meet_id, token = await build(db, athletes)
            build_s = time.perf_counter() - started
            async with db.read() as session:
                entries = await session.scalar(select(func.count()).select_from(Entry).where(Entry.meet_id == meet_id))
            app = create_app(Settings(database_url=url, secret="benchmark-secret"), db)
            async with AsyncTestClient(app, base_url="http://bench.local") as client:
                client.cookies.set(SESSION_COOKIE, token, domain="bench.local")
                first = await client.get(f"/org/meets/{meet_id}/programme")
                assert first.status_code == 200, first.status_code
                html_ms, page = await timed(repeats, lambda: client.get(f"/org/meets/{meet_id}/programme"))
                xlsx_ms, book = await timed(repeats, lambda: client.get(f"/org/meets/{meet_id}/programme.xlsx"))
                for path in (f"/org/meets/{meet_id}/timetable", f"/meets/{meet_id}/timetable"):
                    assert (await client.get(path)).status_code == 200, path
                org_tt_ms, org_tt = await timed(repeats, lambda: client.get(f"/org/meets/{meet_id}/timetable"))
                public_tt_ms, _ = await timed(repeats, lambda: client.get(f"/meets/{meet_id}/timetable"))
            assert "已与比赛现状不符" not in org_tt.text  # type: ignore[attr-defined]  # the meet has not moved on
            async with db.read() as session:
                meet = await session.get(Meet, meet_id)
                published = await session.scalar(select(Timetable).where(Timetable.meet_id == meet_id, Timetable.status == TimetableStatus.PUBLISHED))
                assert meet is not None and published is not None
                items = len((await timetable.build_problem(session, meet)).problem.items)
                finish, bound = timetable.clock(meet, published.finish), timetable.clock(meet, published.bound)
            check_ms, notice = await timed(repeats, lambda: timetable.changes_since(db, SYSTEM, meet_id, published.id))
            assert notice == "", notice

            async def problem_only() -> None:
                async with db.read() as session:
                    await timetable.build_problem(session, meet)

            problem_ms, _ = await timed(repeats, problem_only)
            html_bytes, xlsx_bytes = len(page.content), len(book.content)  # type: ignore[attr-defined]
            rows_printed = page.text.count("<tr>") + page.text.count("<li>")  # type: ignore[attr-defined]
            select_ms, _ = await timed(repeats, lambda: plain_select(db, meet_id))
            fake = [(n, f"运动员{n:04d}", n + 100, f"第{n % 40}代表队") for n in range(rows_printed)]
            workbook = load_workbook(io.BytesIO(book.content), read_only=True)  # type: ignore[attr-defined]
            xlsx_row_count = sum(1 for ws in workbook.worksheets for _ in ws.iter_rows(values_only=True))
            xlsx_rows = [(f"第{n % 40}代表队", n, f"运动员{n:04d}", "男", "男子100米、男子200米") for n in range(xlsx_row_count)]
            render_samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                TRIVIAL.render(rows=fake)
                render_samples.append((time.perf_counter() - started) * 1000)
            render_ms = statistics.median(render_samples)
            started = time.perf_counter()
            trivial_xlsx(xlsx_rows)
            plain_xlsx_ms = (time.perf_counter() - started) * 1000
        finally:
            await db.dispose()
    return {
        "benchmark": "programme",
        "size": "quick" if args.quick else "full",
        "backend": "sqlite",
        "python": platform.python_version(),
        "athletes": athletes,
        "teams": TEAMS,
        "events": len(EVENTS),
        "entries": entries,
        "build_s": round(build_s, 2),
        "timetable_items": items,
        "timetable_greedy_finish": finish,
        "timetable_bound": bound,
        "html_rows": rows_printed,
        "xlsx_rows": xlsx_row_count,
        "html_kib": round(html_bytes / 1024),
        "xlsx_kib": round(xlsx_bytes / 1024),
        "ms": {
            "programme_html": round(html_ms, 1),
            "programme_xlsx": round(xlsx_ms, 1),
            "plain_select": round(select_ms, 1),
            "trivial_render": round(render_ms, 1),
            "trivial_xlsx": round(plain_xlsx_ms, 1),
            "timetable_organiser_page": round(org_tt_ms, 1),
            "timetable_public_page": round(public_tt_ms, 1),
            "timetable_check": round(check_ms, 1),
            "build_problem": round(problem_ms, 1),
        },
        "ratio_html_to_select_plus_render": round(html_ms / max(select_ms + render_ms, 0.001), 2),
        "ratio_xlsx_to_trivial_xlsx": round(xlsx_ms / max(plain_xlsx_ms, 0.001), 2),
        "ratio_timetable_check_to_build_problem": round(check_ms / max(problem_ms, 0.001), 2),
        "goals": {
            "html_ms": GOAL_HTML_MS,
            "xlsx_ms": GOAL_XLSX_MS,
            "met": [name for name, ok in (("html", html_ms < GOAL_HTML_MS), ("xlsx", xlsx_ms < GOAL_XLSX_MS)) if ok],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 athletes (for CI)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'programme.sqlite3'}"
        upgrade(url)  # Alembic runs its own event loop: before ours
        result = asyncio.run(main_async(args, url))
    print(f"{'measure':<22}{'median ms':>12}")
    for name, value in result["ms"].items():
        print(f"{name:<22}{value:>12.1f}")
    print(f"timetable: {result['timetable_items']} items, greedy to {result['timetable_greedy_finish']}, bound {result['timetable_bound']}")
    print(f"{result['athletes']} athletes, {result['entries']} entries, {result['html_rows']} printed rows, "
          f"HTML {result['html_kib']} KiB, xlsx {result['xlsx_kib']} KiB, built in {result['build_s']} s")
    print(f"goals: HTML < {GOAL_HTML_MS:.0f} ms, xlsx < {GOAL_XLSX_MS:.0f} ms; met: {', '.join(result['goals']['met']) or 'none'}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
