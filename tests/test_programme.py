"""The printed programme (秩序册) reads the demo meet's real data: the committee from the
accounts, the rules from the meet and its events, each team's athletes with their bibs and
events, each event's entrants, draws and heats, the standing records; the timetable section
follows the published timetable (赛程尚未发布 until there is one)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from events import bibs, draws, programme, race_rounds, registration
from events.db import Database
from events.demo_field import enter_demo_field
from events.errors import Forbidden, NotFound
from events.models import Person, TeamMember
from tests.support import LEADER, SYSTEM_ORGANISER, DemoMeet

ORG = SYSTEM_ORGANISER


async def drawn_demo(db: Database, demo: DemoMeet) -> None:
    """The demo field entered with bibs, chess entered and drawn as a knockout (published), the
    men's 100 m heats drawn (published) and the women's 100 m heats left as a draft."""
    await enter_demo_field(db, demo.meet_id)
    chess = demo.event_ids["XQ"]
    for team_id in demo.team_ids.values():
        async with db.read() as session:
            people = (
                await session.scalars(select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id).order_by(Person.id.desc()))
            ).all()
        await registration.enter(db, ORG, team_id=team_id, event_id=chess, person_id=people[0])
    await bibs.assign_bibs(db, ORG, demo.meet_id, "team_ranges")
    await draws.generate(db, ORG, demo.meet_id, chess, draws.DrawRequest(format="knockout", seed=7))
    await draws.publish(db, ORG, demo.meet_id, chess)
    heats = race_rounds.RoundRequest(is_final=False, qualify_by_place=3, qualify_by_time=2, seed=1, lanes=8)
    men, women = demo.event_ids["ATH-100M-M"], demo.event_ids["ATH-100M-W"]
    await race_rounds.draw_round(db, ORG, demo.meet_id, men, heats)
    await race_rounds.publish_round(db, ORG, demo.meet_id, men)
    await race_rounds.draw_round(db, ORG, demo.meet_id, women, heats)


def sheet(p: programme.Programme, code: str) -> programme.EventSheet:
    return next(s for s in p.events if s.event.code == code)


async def test_the_programme_holds_every_section_with_the_demo_meets_data(demo_db: Database, demo: DemoMeet) -> None:
    await drawn_demo(demo_db, demo)
    p = await programme.programme(demo_db, ORG, demo.meet_id)
    assert p.meet.name == "第六届职工运动会" and p.meet.edition == 6
    assert {v.name for v in p.venues} >= {"田径场", "篮球场", "乒乓球室"}
    # Committee: organisers, referees and every team's leader come from the accounts.
    assert p.committee.organisers and p.committee.host == "公司工会"
    assert [name for name, _ in p.committee.leaders] == list(demo.team_ids)
    assert all(leaders for _, leaders in p.committee.leaders)
    # Rules: the per-person limit, the points line, each event's quota, format and award places.
    assert p.rules.per_person_limit == 3 and "前" in p.rules.points
    rules = {r.event.code: r for r in p.rules.events}
    assert rules["BB-M"].quota == "每队限报 1 队" and rules["BB-M"].award_places == 2
    assert rules["BD-TEAM"].roster == "每队 2–4 人,男不超过 2 人,女不超过 2 人"
    assert rules["TT-MS"].best_of == "三局两胜,决赛五局三胜"
    # Teams: athletes with bibs in their team's range, each with the events they entered.
    first = p.teams[0]
    assert first.team.number == 1 and first.athletes
    assert all(100 < (a.bib or 0) < 200 for a in first.athletes)
    assert all(1 <= len(a.events) <= 3 for t in p.teams for a in t.athletes)
    assert p.athletes == sum(len(t.athletes) for t in p.teams)
    # Events: entrants with bibs; a relay lists squads with their people.
    sprint = sheet(p, "ATH-100M-M")
    assert len(sprint.entrants) == 2 * len(demo.team_ids) and all(e.bib for e in sprint.entrants)
    relay = sheet(p, "RELAY-4X100-M")
    assert len(relay.entrants) == len(demo.team_ids) and all(len(e.members) == 4 for e in relay.entrants)
    # Draws: the published knockout as lines; heats with lanes; a draft heat marked as such.
    chess = sheet(p, "XQ")
    assert chess.draw is not None and chess.draw.published
    assert sum(len(s.matches) for s in chess.draw.stages) >= len(demo.team_ids) // 2
    assert sprint.rounds and sprint.rounds[0].published
    lanes = [x.lane for h in sprint.rounds[0].heats for x in h.lines]
    assert len(lanes) == 16 and all(1 <= (lane or 0) <= 8 for lane in lanes)
    assert sheet(p, "ATH-100M-W").rounds[0].published is False
    # Records: the demo archive's men's 100 m record stands in the programme.
    held = {r.code: r for r in p.records}
    assert held["ATH-100M-M"].has_record and held["ATH-100M-M"].holders
    assert sprint.record is held["ATH-100M-M"]


async def test_the_timetable_section_says_not_published_until_a_timetable_is(demo_db: Database, demo: DemoMeet) -> None:
    p = await programme.programme(demo_db, ORG, demo.meet_id)
    assert p.timetable_published is False and p.days == []
    assert programme.NOT_PUBLISHED == "赛程尚未发布"


async def test_public_books_leave_out_drafts(demo_db: Database, demo: DemoMeet) -> None:
    await drawn_demo(demo_db, demo)
    public = await programme.public_books(demo_db, demo.meet_id)
    assert sheet(public, "ATH-100M-M").rounds and not sheet(public, "ATH-100M-W").rounds
    assert sheet(public, "XQ").draw is not None


async def test_only_organisers_read_the_programme_draft(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await programme.programme(demo_db, demo.actor(LEADER), demo.meet_id)
    with pytest.raises(NotFound):
        await programme.programme(demo_db, ORG, 9999)


async def test_the_result_book_places_events_and_flags_records(demo_db: Database, demo: DemoMeet) -> None:
    from tests.test_demo_track_meet import _score_round
    import random

    await drawn_demo(demo_db, demo)
    men = demo.event_ids["ATH-100M-M"]
    async with demo_db.read() as session:
        from events.models import Event

        event = await session.get(Event, men)
    await _score_round(demo_db, event, random.Random(6))
    book = await programme.result_book(demo_db, demo.meet_id, men)
    (s, placed), = book.events
    marks = [x.mark for h in s.rounds[0].heats for x in h.lines]
    assert all(marks)
    assert any(x.record_flag == "record" for h in s.rounds[0].heats for x in h.lines)
    assert book.meet.id == demo.meet_id and placed.event.id == men
    with pytest.raises(NotFound):
        await programme.result_book(demo_db, demo.meet_id, 99999)


async def test_the_timetable_section_follows_the_published_timetable(demo_db: Database, demo: DemoMeet) -> None:
    from events import timetable
    from events.demo_timetable import prepare_demo_timetable

    await prepare_demo_timetable(demo_db, demo.meet_id)
    draft = await timetable.generate(demo_db, ORG, demo.meet_id)
    unpublished = await programme.programme(demo_db, ORG, demo.meet_id)
    assert unpublished.timetable_published is False  # a draft is not printed
    await timetable.publish(demo_db, ORG, demo.meet_id, draft.id)
    p = await programme.programme(demo_db, ORG, demo.meet_id)
    async with demo_db.read() as session:
        rows = await timetable.timetable_rows(session, demo.meet_id)
    assert p.timetable_published and len(p.days) >= 1
    assert sum(len(d.slots) for d in p.days) == len(rows)
    for day in p.days:
        assert all(s.start.date() == day.date for s in day.slots)
        assert [s.start for s in day.slots] == sorted(s.start for s in day.slots)
        assert sum(len(slots) for _, slots in day.venues) == len(day.slots)
    assert p.days[0].slots[0].label == "开幕式"


async def test_the_timetable_section_lists_courts_and_tables_in_number_order(demo_db: Database, demo: DemoMeet) -> None:
    """Matches starting together in one hall print table 1, 2, … 10, 11, not 1, 10, 11, 2."""
    import re

    from sqlalchemy import update

    from events import timetable
    from events.demo_timetable import prepare_demo_timetable
    from events.models import Venue

    await prepare_demo_timetable(demo_db, demo.meet_id)
    async with demo_db.write() as session:
        await session.execute(update(Venue).where(Venue.meet_id == demo.meet_id, Venue.name == "乒乓球室").values(capacity=12))
    draft = await timetable.generate(demo_db, ORG, demo.meet_id)
    await timetable.publish(demo_db, ORG, demo.meet_id, draft.id)
    p = await programme.programme(demo_db, ORG, demo.meet_id)
    together: dict[tuple[object, str], list[int]] = {}
    for day in p.days:
        for s in day.slots:
            found = re.match(r"(\d+)", s.unit_label)
            if found:
                together.setdefault((s.start, s.venue_name), []).append(int(found.group(1)))
    assert any(max(units) >= 10 for units in together.values())  # the case arises
    assert all(units == sorted(units) for units in together.values())
    for day in p.days:
        for _, slots in day.venues:
            assert [s.start for s in slots] == sorted(s.start for s in slots)


async def test_the_programme_draws_a_knockout_as_its_tree(demo_db: Database, demo: DemoMeet) -> None:
    """8 teams' chess players in a knockout: three rounds of 4, 2 and 1 matches, every entrant
    in the first round once, and the tree's boxes numbered like the knockout's match lines."""
    await drawn_demo(demo_db, demo)
    chess = sheet(await programme.programme(demo_db, ORG, demo.meet_id), "XQ")
    assert chess.draw is not None and chess.draw.tree is not None
    tree = chess.draw.tree
    assert [len(c.boxes) for c in tree.columns] == [4, 2, 1]
    assert tree.columns[-1].title == "决赛" and not tree.planned and tree.champion is None
    first = [s.name for b in tree.columns[0].boxes for s in (b.a, b.b)]
    entrants = [e.name for e in chess.entrants]
    assert sorted(first) == sorted(entrants)
    knockout_lines = [s for s in chess.draw.stages if s.knockout]
    assert knockout_lines and {b.number for c in tree.columns for b in c.boxes} <= {
        m.number for s in knockout_lines for m in s.matches
    }


LEFT_AS_DRAFT = ("PK-SJ", "ATH-1500M-W")  # a match draw and a round of heats nobody has published


async def published_meet(db: Database, demo: DemoMeet) -> None:
    """The demo meet entered and drawn in full, every draw and first round published except
    LEFT_AS_DRAFT, and its timetable published."""
    from events import timetable
    from events.demo_timetable import prepare_demo_timetable
    from events.measures import is_mark_event
    from events.models import Event

    await prepare_demo_timetable(db, demo.meet_id)
    async with db.read() as session:
        events = (await session.scalars(select(Event).where(Event.meet_id == demo.meet_id))).all()
    for event in events:
        if event.code in LEFT_AS_DRAFT:
            continue
        if is_mark_event(event):
            await race_rounds.publish_round(db, ORG, demo.meet_id, event.id)
        else:
            await draws.publish(db, ORG, demo.meet_id, event.id)
    await timetable.save_settings(db, ORG, demo.meet_id, timetable.SettingsInput(improve_seconds=1))
    draft = await timetable.generate(db, ORG, demo.meet_id)
    await timetable.wait_for_improvements()
    await timetable.publish(db, ORG, demo.meet_id, draft.id)


def test_a_timetable_label_prints_only_what_its_event_and_round_do_not_say() -> None:
    detail = programme.label_detail
    assert detail("男子乒乓球单打 A组第1轮 武静 对 向雪琳", "男子乒乓球单打", "A组第1轮") == "武静 对 向雪琳"
    assert detail("男子4×100米接力 决赛", "男子4×100米接力", "决赛") == ""
    assert detail("男子100米 预赛 第1组", "男子100米", "预赛 第1组") == ""
    assert detail("女子100米 预赛", "女子100米", "预赛(共2组,未编排)") == ""  # not drawn yet
    assert detail("中国象棋 第2轮(8台,对阵按上一轮成绩编排)", "中国象棋", "第2轮") == "(8台,对阵按上一轮成绩编排)"
    assert detail("开幕式", "", "") == "开幕式"  # a ceremony has no event or round column to lean on


async def test_the_public_result_book_says_where_each_event_without_results_stands(
    demo_db: Database, demo: DemoMeet
) -> None:
    """A published draw waits for its matches (尚未比赛), a draft one is not yet public (分组尚未公布),
    an event nobody has drawn is 尚未编排; an event with a mark has its own page."""
    from tests.test_demo_track_meet import _score_round
    import random

    from events.models import Event

    await drawn_demo(demo_db, demo)
    async with demo_db.read() as session:
        men = await session.get(Event, demo.event_ids["ATH-100M-M"])
    assert men is not None
    await _score_round(demo_db, men, random.Random(6))
    book = await programme.result_book(demo_db, demo.meet_id)
    waiting = {e.code: progress for progress, events in book.waiting for e in events}
    assert waiting["XQ"] == "尚未比赛"  # published, no score yet
    assert waiting["ATH-100M-W"] == "分组尚未公布"  # its heats are a draft
    assert waiting["BB-M"] == "尚未编排"
    assert "ATH-100M-M" not in waiting and [s.event.code for s, _ in book.played] == ["ATH-100M-M"]
    # the organiser's own programme shows the draft, and it is still no result
    assert sheet(await programme.programme(demo_db, ORG, demo.meet_id), "ATH-100M-W").progress == "分组尚未公布"


async def test_a_draft_match_draw_is_named_as_such_and_start_lines_carry_their_slot(
    demo_db: Database, demo: DemoMeet
) -> None:
    await published_meet(demo_db, demo)
    public = await programme.public_books(demo_db, demo.meet_id)
    assert sheet(public, "PK-SJ").progress == "对阵尚未公布"
    assert sheet(public, "ATH-1500M-W").progress == "分组尚未公布"
    assert sheet(public, "TUG").progress == "尚未比赛"
    # every published match and heat finds its slot in the published timetable
    slots = {s.key for d in public.days for s in d.slots}
    lines = [m for s in public.events if s.draw for st in s.draw.stages for m in st.matches if m.key in slots]
    heats = [h for s in public.events for r in s.rounds for h in r.heats]
    assert lines and all(m.slot is not None and m.slot.key == m.key for m in lines)
    assert heats and all(h.slot is not None for h in heats)
    # a team side names its players; a relay line its runners
    basketball = sheet(public, "BB-M").draw
    assert basketball is not None and all(m.a_members and m.b_members for m in basketball.stages[0].matches)
    relay = sheet(public, "RELAY-4X100-M").rounds[0].heats[0].lines
    assert all(len(x.members) == 4 for x in relay)
