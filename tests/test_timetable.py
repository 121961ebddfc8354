"""The meet timetable service on the demo meet, fully registered and drawn: a conflict-free
greedy timetable with its gap, knockout rounds after their feeders, moves refused with the
reason, pins kept through a re-solve, publishing, the background improvement, clash warnings
for team leaders and personal schedules."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest
from sqlalchemy import select, update

from events import calendar, mark_results, race_rounds, timetable
from events.db import Database
from events.demo_timetable import prepare_demo_timetable
from events.errors import Conflict, DomainError, Forbidden
from events.mark_results import MarkInput
from events.models import DrawEntrant, Event, Heat, MarkResult, Match, Meet, RaceRound, StartEntry
from events.race_rounds import RoundRequest
from events.timetable_models import (
    SolverStatus,
    Timetable,
    TimetableSlot,
    TimetableStatus,
)
from scheduling.alternatives import base_key
from scheduling.timetable import Item, Placement, Problem, Schedule, entities
from scheduling.timetable_check import validate
from tests.support import LEADER, OTHER_LEADER, SYSTEM_ORGANISER, DemoMeet

ORG = SYSTEM_ORGANISER


@pytest.fixture
async def drawn(demo_db: Database, demo: DemoMeet) -> DemoMeet:
    await prepare_demo_timetable(demo_db, demo.meet_id)
    return demo


async def _stored(db: Database, timetable_id: int) -> tuple[Timetable, Problem, list[TimetableSlot]]:
    async with db.read() as session:
        tt = await session.get(Timetable, timetable_id)
        assert tt is not None
        slots = list((await session.scalars(select(TimetableSlot).where(TimetableSlot.timetable_id == tt.id))).all())
    return tt, msgspec.json.decode(tt.problem, type=Problem), slots


async def _built(db: Database, meet_id: int) -> timetable.Built:
    async with db.read() as session:
        meet = await session.get(Meet, meet_id)
        assert meet is not None
        return await timetable.build_problem(session, meet)


def _schedule(problem: Problem, slots: list[TimetableSlot]) -> timetable.Schedule:
    return timetable._schedule_of(slots, problem)


async def test_the_drawn_demo_meet_gets_a_conflict_free_timetable_with_its_gap(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    stored, problem, slots = await _stored(demo_db, tt.id)
    assert validate(problem, _schedule(problem, slots)) == []
    assert stored.status == TimetableStatus.DRAFT and stored.solver_status == SolverStatus.GREEDY
    assert stored.bound <= stored.finish == max(s.ends for s in slots)
    assert stored.bound == max(stored.bound_parts.values())
    async with demo_db.read() as session:
        matches = (await session.scalars(select(Match.event_id, Match.key).join(Event).where(Event.meet_id == drawn.meet_id))).all()
        heats = (await session.execute(select(Heat.id).join(RaceRound).join(Event).where(Event.meet_id == drawn.meet_id))).all()
    keys = {s.item_key for s in slots}
    assert len(matches) > 50 and len(heats) > 10
    assert {f"{m.event_id}:{m.key}" for m in (await _match_rows(demo_db, drawn.meet_id))} <= keys
    ceremony = next(s for s in slots if s.item_key == timetable.CEREMONY_KEY)
    assert (ceremony.starts, ceremony.pinned) == (8 * 60 + 30, True)
    assert all(s.starts >= ceremony.ends for s in slots if s is not ceremony)
    view = await timetable.organiser_view(demo_db, ORG, drawn.meet_id)
    assert view.gap is not None and view.gap >= 0


async def _match_rows(db: Database, meet_id: int) -> list[Match]:
    async with db.read() as session:
        return list((await session.scalars(select(Match).join(Event).where(Event.meet_id == meet_id))).all())


async def test_later_knockout_rounds_follow_their_feeders_and_protect_only_who_can_reach_them(
    demo_db: Database, drawn: DemoMeet
) -> None:
    built = await _built(demo_db, drawn.meet_id)
    chess = drawn.event_ids["XQ"]
    items = {i.key: i for i in built.problem.items if i.key.startswith(f"{chess}:ko:")}
    final = next(i for k, i in items.items() if built.info[k].round_name == "决赛")
    semis = [items[k] for k in final.after]
    assert len(semis) == 2 and all(built.info[s.key].round_name == "半决赛" for s in semis)
    assert final.people == semis[0].people | semis[1].people
    for semi in semis:
        feeders = [items[k] for k in semi.after]
        assert feeders and semi.people == frozenset().union(*(f.people for f in feeders)) | _known(semi, feeders)
    # Table tennis: the knockout after the groups waits for every match of its groups.
    tt_ms = drawn.event_ids["TT-MS"]
    first_ko = [i for i in built.problem.items if i.key.startswith(f"{tt_ms}:ko:") and i.after]
    assert first_ko and all(any(":g:" in k for k in first_ko[0].after) for _ in [0])


def _known(semi: object, feeders: list[object]) -> frozenset[str]:
    """A semi-final side already known (a bye in the round before) is its own entrant."""
    return semi.people - frozenset().union(*(f.people for f in feeders))  # type: ignore[attr-defined]


async def test_a_move_that_makes_a_clash_is_refused_with_the_reason_and_changes_nothing(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    by_key = {s.item_key: s for s in slots}
    people = {i.key: i.people for i in problem.items}
    # Two items that share a person, at different times: move the second onto the first.
    a, b = next(
        (by_key[x.key], by_key[y.key])
        for x in problem.items for y in problem.items
        if x.key < y.key and people[x.key] & people[y.key] and x.resource != y.resource and x.key != timetable.CEREMONY_KEY
        and not (x.after or y.after)
    )
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
    assert meet is not None
    day = meet.starts_on + dt.timedelta(days=a.starts // timetable.DAY)
    at = dt.time(a.starts % timetable.DAY // 60, a.starts % 60)
    with pytest.raises(Conflict) as refused:
        await timetable.move(demo_db, ORG, drawn.meet_id, tt.id, timetable.MoveInput(item_key=b.item_key, day=day, at=at))
    message = refused.value.message
    assert message.startswith("不能移动到") and "p:" not in message and "第1天" not in message
    shared = {int(base_key(k)[2:]) for k in people[a.item_key] & people[b.item_key]}
    async with demo_db.read() as session:
        from events.models import Person

        names = set((await session.scalars(select(Person.name).where(Person.id.in_(shared)))).all())
    assert any(name in message for name in names), message  # "张三 同时在 … 和 …"
    _, _, after = await _stored(demo_db, tt.id)
    assert {s.item_key: (s.starts, s.unit, s.pinned) for s in after} == {s.item_key: (s.starts, s.unit, s.pinned) for s in slots}


async def test_a_move_outside_the_sessions_is_refused(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, _, slots = await _stored(demo_db, tt.id)
    slot = next(s for s in slots if s.kind == "match")
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
    assert meet is not None
    with pytest.raises(Conflict):  # 12:00 is the lunch break
        await timetable.move(
            demo_db, ORG, drawn.meet_id, tt.id, timetable.MoveInput(item_key=slot.item_key, day=meet.starts_on, at=dt.time(12, 0))
        )


async def test_pinned_and_moved_items_stay_put_through_a_re_solve(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    last = max((s for s in slots if s.kind == "match"), key=lambda s: s.starts)
    await timetable.pin(demo_db, ORG, drawn.meet_id, tt.id, last.item_key, True)
    again = await timetable.resolve(demo_db, ORG, drawn.meet_id, tt.id)
    new, new_problem, new_slots = await _stored(demo_db, again.id)
    kept = next(s for s in new_slots if s.item_key == last.item_key)
    assert (kept.starts, kept.unit, kept.pinned) == (last.starts, last.unit, True)
    assert validate(new_problem, _schedule(new_problem, new_slots)) == []
    async with demo_db.read() as session:  # the old draft is replaced
        drafts = (await session.scalars(select(Timetable.id).where(Timetable.status == TimetableStatus.DRAFT))).all()
    assert drafts == [again.id]


async def test_publishing_makes_the_rows_public_and_a_republished_change_bumps_the_sequence(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    async with demo_db.read() as session:
        assert await timetable.timetable_rows(session, drawn.meet_id) == []
        assert len(await timetable.timetable_rows(session, drawn.meet_id, published_only=False)) > 50
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    async with demo_db.read() as session:
        rows = await timetable.timetable_rows(session, drawn.meet_id)
        meet = await session.get(Meet, drawn.meet_id)
        assert meet is not None
        start = dt.datetime.combine(meet.starts_on, dt.time(0, 0), tzinfo=timetable.SHANGHAI)
        items = await timetable.timetable_calendar_items(session, ORG, start, start + dt.timedelta(days=3))
    assert rows == sorted(rows, key=lambda r: r.start)
    assert rows[0].label == "开幕式" and rows[0].start.tzinfo is not None and rows[0].start.hour == 8
    assert len(items) == len(rows) and len({i.uid for i in items}) == len(items)
    assert all(i.sequence == 0 for i in items)
    # A second timetable moves one item: published, that item's SEQUENCE goes up, others stay.
    second = await timetable.generate(demo_db, ORG, drawn.meet_id)
    moved = await _some_valid_move(demo_db, meet, second.id)
    await timetable.publish(demo_db, ORG, drawn.meet_id, second.id)
    async with demo_db.read() as session:
        first = await session.get(Timetable, tt.id)
        assert first is not None and first.status == TimetableStatus.SUPERSEDED
    _, _, republished = await _stored(demo_db, second.id)
    assert {s.item_key for s in republished if s.sequence == 1} == {moved.item_key}
    assert all(s.sequence == 0 for s in republished if s.item_key != moved.item_key)


async def _some_valid_move(db: Database, meet: Meet, timetable_id: int) -> TimetableSlot:
    """Move the latest item that can go an hour later (or earlier) without a conflict; return it as stored."""
    _, _, slots = await _stored(db, timetable_id)
    for slot in sorted(slots, key=lambda s: -s.ends):
        for shift in (60, -60, 120, -120):
            minute = slot.starts + shift
            day = meet.starts_on + dt.timedelta(days=minute // timetable.DAY)
            at = dt.time(minute % timetable.DAY // 60, minute % 60)
            try:
                return await timetable.move(
                    db, ORG, meet.id, timetable_id, timetable.MoveInput(item_key=slot.item_key, day=day, at=at)
                )
            except DomainError:
                continue
    raise AssertionError("no item could be moved")


async def test_a_valid_move_is_kept_pinned_and_audited(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
    assert meet is not None
    moved = await _some_valid_move(demo_db, meet, tt.id)
    stored, problem, slots = await _stored(demo_db, tt.id)
    kept = next(s for s in slots if s.item_key == moved.item_key)
    assert (kept.starts, kept.pinned) == (moved.starts, True)
    assert next(i for i in problem.items if i.key == moved.item_key).pinned == moved.starts
    assert validate(problem, _schedule(problem, slots)) == []
    assert stored.finish == max(s.ends for s in slots)
    async with demo_db.read() as session:
        from events.models import AuditLog

        actions = (await session.scalars(select(AuditLog.action).where(AuditLog.meet_id == drawn.meet_id))).all()
    assert "timetable_move" in actions and "timetable_generate" in actions


async def test_only_organisers_build_and_change_timetables(demo_db: Database, drawn: DemoMeet) -> None:
    with pytest.raises(Forbidden):
        await timetable.generate(demo_db, drawn.actor(LEADER), drawn.meet_id)
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    with pytest.raises(Forbidden):
        await timetable.publish(demo_db, drawn.actor(LEADER), drawn.meet_id, tt.id)


async def test_the_background_improvement_stores_progress_and_never_makes_it_worse(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    await timetable.save_settings(demo_db, ORG, drawn.meet_id, timetable.SettingsInput(improve_seconds=2))
    await timetable.start_improvement(demo_db, ORG, drawn.meet_id, tt.id)
    async with demo_db.read() as session:
        running = await session.get(Timetable, tt.id)
        assert running is not None and running.solver_status == SolverStatus.RUNNING
    with pytest.raises(Conflict):  # no hand changes while the solver works on it
        await timetable.pin(demo_db, ORG, drawn.meet_id, tt.id, timetable.CEREMONY_KEY, True)
    await timetable.wait_for_improvements()
    done, problem, slots = await _stored(demo_db, tt.id)
    assert done.solver_status in (SolverStatus.IMPROVED, SolverStatus.OPTIMAL, SolverStatus.FAILED)
    assert done.progress and done.finish <= done.greedy_finish
    assert validate(problem, _schedule(problem, slots)) == []
    assert done.bound <= done.finish


async def test_a_bound_the_solver_proves_is_kept_and_explained_even_without_a_better_timetable(
    demo_db: Database, drawn: DemoMeet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline probes can raise the bound while no better timetable is found: the stored
    bound rises, and its parts name the solver, so the page explains the bound it shows."""
    from scheduling import timetable_cpsat

    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    before, _, _ = await _stored(demo_db, tt.id)
    proved = before.bound + 5
    assert proved < before.finish

    def no_better(problem: Problem, hint: Schedule, **kw: object) -> timetable_cpsat.Improvement:
        return timetable_cpsat.Improvement(schedule=hint, bound=proved, optimal=False, seconds=0.0)

    monkeypatch.setattr(timetable_cpsat, "improve", no_better)
    await timetable.start_improvement(demo_db, ORG, drawn.meet_id, tt.id)
    await timetable.wait_for_improvements()
    done, _, _ = await _stored(demo_db, tt.id)
    assert done.solver_status == SolverStatus.FAILED and done.finish == before.finish
    assert done.bound == proved == max(done.bound_parts.values()) == done.bound_parts["solver"]


async def test_a_run_whose_worker_died_reads_as_failed(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    tt.solver_status = SolverStatus.RUNNING
    tt.improve_until = timetable.utcnow() - dt.timedelta(minutes=5)
    assert timetable.solver_state(tt) == SolverStatus.FAILED


async def test_settings_are_checked_and_sessions_bound_the_timetable(demo_db: Database, drawn: DemoMeet) -> None:
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
    assert meet is not None
    with pytest.raises(DomainError):
        await timetable.save_settings(
            demo_db, ORG, drawn.meet_id,
            timetable.SettingsInput(sessions=[timetable.SessionInput(meet.starts_on, dt.time(9), dt.time(8))]),
        )
    with pytest.raises(DomainError):
        await timetable.save_settings(demo_db, ORG, drawn.meet_id, timetable.SettingsInput(min_rest=-1))
    sessions = [
        timetable.SessionInput(day, a, b)
        for day in timetable.meet_days(meet)
        for a, b in ((dt.time(8, 0), dt.time(12, 0)), (dt.time(14, 0), dt.time(18, 0)))
    ]
    await timetable.save_settings(demo_db, ORG, drawn.meet_id, timetable.SettingsInput(min_rest=20, sessions=sessions))
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    assert problem.min_rest == 20
    for s in slots:
        minute = s.starts % timetable.DAY
        assert 8 * 60 <= minute and s.ends % timetable.DAY <= 18 * 60 and not (12 * 60 <= minute < 14 * 60)


async def test_leaders_are_warned_when_two_chosen_events_of_a_person_clash(demo_db: Database, drawn: DemoMeet) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    team_id = drawn.team_of(LEADER)
    async with demo_db.read() as session:
        assert await timetable.clashes_for_team(session, drawn.meet_id, team_id) == {}
    # Two items of one person of 一车间, in different events, put at the same time (as a later
    # entry or a change of the draw would leave them).
    _, _, slots = await _stored(demo_db, tt.id)
    people = set(drawn.person_ids[team_id])
    pairs = [
        (a, b) for a in slots for b in slots
        if a.event_id and b.event_id and a.event_id != b.event_id and set(a.person_ids) & set(b.person_ids) & people
    ]
    a, b = pairs[0]
    person = sorted(set(a.person_ids) & set(b.person_ids) & people)[0]
    async with demo_db.write() as session:
        await session.execute(update(TimetableSlot).where(TimetableSlot.id == b.id).values(starts=a.starts, ends=a.starts + (b.ends - b.starts)))
    async with demo_db.read() as session:
        clashes = await timetable.clashes_for_team(session, drawn.meet_id, team_id)
    assert person in clashes
    message = clashes[person][0].message
    assert a.event_name in message and b.event_name in message and "时间重叠" in message
    # Another team's leader cannot read them; the team's own leader can.
    with pytest.raises(Forbidden):
        await timetable.team_clashes(demo_db, drawn.actor(OTHER_LEADER), team_id)
    assert person in await timetable.team_clashes(demo_db, drawn.actor(LEADER), team_id)


async def test_personal_schedules_show_a_persons_and_a_teams_items_to_their_leader(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    team_id = drawn.team_of(LEADER)
    team = await timetable.team_rows(demo_db, drawn.actor(LEADER), drawn.meet_id, team_id)
    assert team.rows and all(team_id in r.team_ids or set(r.person_ids) & set(team.names) for r in team.rows)
    person = next(p for r in team.rows for p in r.person_ids if p in team.names)
    mine = await timetable.person_rows(demo_db, drawn.actor(LEADER), drawn.meet_id, person)
    assert mine.rows and all(person in r.person_ids for r in mine.rows)
    assert {r.item_key for r in mine.rows} <= {r.item_key for r in team.rows}
    ics = timetable.personal_ics(mine).decode()
    assert ics.count("BEGIN:VEVENT") == len(mine.rows) and "TZID=Asia/Shanghai" in ics
    with pytest.raises(Forbidden):
        await timetable.person_rows(demo_db, drawn.actor(OTHER_LEADER), drawn.meet_id, person)
    with pytest.raises(Forbidden):
        await timetable.team_rows(demo_db, drawn.actor(OTHER_LEADER), drawn.meet_id, team_id)


async def test_a_players_possible_later_rounds_are_marked_as_such_and_kept_only_if_they_get_through(
    demo_db: Database, drawn: DemoMeet
) -> None:
    """A group player may reach either of two quarter-finals: both are on their schedule marked
    「如晋级」 (TENTATIVE in the .ics, with an absolute link); once a quarter-final's two players
    are known, only those two keep it."""
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    tt_ms = drawn.event_ids["TT-MS"]
    async with demo_db.read() as session:
        players = (await session.scalars(select(DrawEntrant).join(Match, Match.a_id == DrawEntrant.id).where(
            Match.event_id == tt_ms, Match.stage == "group"
        ))).all()
    player = players[0]
    assert player.person_id is not None
    mine = await timetable.person_rows(demo_db, drawn.actor(LEADER) if drawn.team_of(LEADER) == player.team_id else ORG,
                                       drawn.meet_id, player.person_id)
    groups = [r for r in mine.rows if r.event_id == tt_ms and ":ko:" not in r.item_key]
    later = [r for r in mine.rows if r.event_id == tt_ms and ":ko:" in r.item_key]
    assert groups and not any(r.tentative for r in groups)
    assert later and all(r.tentative for r in later)
    ics = timetable.personal_ics(mine, base_url="https://zhijia.example").decode()
    assert ics.count("STATUS:TENTATIVE") == len([r for r in mine.rows if r.tentative])
    assert "(如晋级)" in ics and "URL:https://zhijia.example/meets/" in ics and "URL:/meets" not in ics
    # one of those matches gets its two players, neither of them this one
    ko_key = later[0].item_key.split(":", 1)[1]
    others = [p for p in players if p.id != player.id and p.person_id is not None][:2]
    async with demo_db.write() as session:
        match = await session.scalar(select(Match).where(Match.event_id == tt_ms, Match.key == ko_key))
        if match is None:  # the knockout is still a plan from the group places: draw its line-up
            match = Match(event_id=tt_ms, draw_id=others[0].draw_id, key=ko_key, stage="knockout", round_no=1,
                          label="1/4决赛", number=1, best_of=5)
            session.add(match)
        match.a_id, match.b_id = others[0].id, others[1].id
    after = await timetable.person_rows(demo_db, ORG, drawn.meet_id, player.person_id)
    assert later[0].item_key not in {r.item_key for r in after.rows}
    theirs = await timetable.person_rows(demo_db, ORG, drawn.meet_id, others[0].person_id)
    kept = next(r for r in theirs.rows if r.item_key == later[0].item_key)
    assert not kept.tentative


async def test_random_moves_are_accepted_only_into_conflict_free_timetables(demo_db: Database, drawn: DemoMeet) -> None:
    """Thirty moves at random: each accepted one leaves a timetable the validator passes; each
    refused one leaves every slot where it was."""
    import random

    chance = random.Random(7)
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
    assert meet is not None
    accepted = refused = 0
    for _ in range(30):
        _, problem, before = await _stored(demo_db, tt.id)
        slot = chance.choice([s for s in before if s.kind != "ceremony"])
        day = chance.choice(timetable.meet_days(meet))
        at = dt.time(chance.choice([8, 9, 10, 13, 14, 15, 16]), chance.choice([0, 15, 30, 45]))
        try:
            await timetable.move(demo_db, ORG, drawn.meet_id, tt.id, timetable.MoveInput(item_key=slot.item_key, day=day, at=at))
        except DomainError as exc:
            refused += 1
            assert exc.message
            _, _, after = await _stored(demo_db, tt.id)
            assert {s.item_key: (s.starts, s.unit) for s in after} == {s.item_key: (s.starts, s.unit) for s in before}
            continue
        accepted += 1
        _, problem, after = await _stored(demo_db, tt.id)
        assert validate(problem, _schedule(problem, after)) == []
    assert refused > 0


async def _published_slots(db: Database, drawn: DemoMeet) -> tuple[Timetable, list[TimetableSlot]]:
    tt = await timetable.generate(db, ORG, drawn.meet_id)
    await timetable.publish(db, ORG, drawn.meet_id, tt.id)
    _, _, slots = await _stored(db, tt.id)
    return tt, slots


async def test_items_played_in_the_published_timetable_stay_frozen_when_it_is_made_again(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt, slots = await _published_slots(demo_db, drawn)
    played = max((s for s in slots if s.kind == "match" and ":ko:" not in s.item_key), key=lambda s: s.starts)
    event_id, key = played.item_key.split(":", 1)
    async with demo_db.write() as session:  # as if the referee had entered its result
        await session.execute(update(Match).where(Match.event_id == int(event_id), Match.key == key).values(status="done"))
    again = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, new_slots = await _stored(demo_db, again.id)
    kept = next(s for s in new_slots if s.item_key == played.item_key)
    assert (kept.starts, kept.unit, kept.frozen) == (played.starts, played.unit, True)
    assert next(i for i in problem.items if i.key == played.item_key).pinned == played.starts
    with pytest.raises(Conflict):
        await timetable.move(
            demo_db, ORG, drawn.meet_id, again.id,
            timetable.MoveInput(item_key=kept.item_key, day=timetable.meet_days(await _meet(demo_db, drawn.meet_id))[0], at=dt.time(9)),
        )
    assert [s.item_key for s in new_slots if s.frozen] == [played.item_key]


async def test_heats_with_marks_entered_stay_frozen_when_the_timetable_is_made_again(
    demo_db: Database, drawn: DemoMeet
) -> None:
    tt, slots = await _published_slots(demo_db, drawn)
    # the last heat or flight of the day, so that a fresh timetable would move it earlier
    heat = max((s for s in slots if s.kind != "match" and ":h" in s.item_key), key=lambda s: s.starts)
    event_id, round_part, heat_part = heat.item_key.split(":")
    async with demo_db.write() as session:  # as if a referee had entered one mark of that heat
        line = await session.scalar(
            select(StartEntry).join(Heat, Heat.id == StartEntry.heat_id).join(RaceRound, RaceRound.id == Heat.round_id)
            .where(RaceRound.event_id == int(event_id), RaceRound.number == int(round_part[1:]),
                   Heat.number == int(heat_part[1:]))
            .limit(1)
        )
        assert line is not None
        session.add(MarkResult(start_entry_id=line.id, version=1, value=1234, typed="12.34", idempotency_key="t1"))
    again = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, _, new_slots = await _stored(demo_db, again.id)
    kept = next(s for s in new_slots if s.item_key == heat.item_key)
    assert (kept.starts, kept.unit, kept.frozen) == (heat.starts, heat.unit, True)
    assert [s.item_key for s in new_slots if s.frozen] == [heat.item_key]


async def test_drawing_a_final_keeps_the_item_it_was_planned_as(demo_db: Database, drawn: DemoMeet) -> None:
    """A final planned before its heats were run is the same item once drawn: the published
    timetable does not turn stale (one item new, one gone) when the final's lanes are drawn."""
    async with demo_db.read() as session:
        heats_round = await session.scalar(
            select(RaceRound).join(Event, Event.id == RaceRound.event_id)
            .where(Event.meet_id == drawn.meet_id, RaceRound.is_final.is_(False)).order_by(RaceRound.id).limit(1)
        )
        assert heats_round is not None
        event_id = heats_round.event_id
    planned = {i.key for i in (await _built(demo_db, drawn.meet_id)).problem.items if i.key.startswith(f"{event_id}:")}
    assert f"{event_id}:final" in planned
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    await race_rounds.publish_round(demo_db, ORG, drawn.meet_id, event_id)
    _, views = await race_rounds.event_rounds(demo_db, drawn.meet_id, event_id)
    for i, line in enumerate(views[0].lines):
        mark = MarkInput(idempotency_key=uuid.uuid4().hex, version=line.version, mark=f"{12 + i * 0.05:.2f}")
        await mark_results.enter_mark(demo_db, ORG, line.id, mark)
    await race_rounds.draw_round(demo_db, ORG, drawn.meet_id, event_id, RoundRequest(seed=1))
    after = {i.key for i in (await _built(demo_db, drawn.meet_id)).problem.items if i.key.startswith(f"{event_id}:")}
    assert after == planned
    assert await timetable.changes_since(demo_db, ORG, drawn.meet_id, tt.id) == ""


async def _meet(db: Database, meet_id: int) -> Meet:
    async with db.read() as session:
        meet = await session.get(Meet, meet_id)
    assert meet is not None
    return meet


async def _swiss_chess(db: Database, demo: DemoMeet) -> int:
    """The demo meet fully drawn, its chess event (中国象棋) as a Swiss: round one paired."""
    chess = demo.event_ids["XQ"]
    async with db.write() as session:
        await session.execute(update(Event).where(Event.id == chess).values(format="swiss"))
    await prepare_demo_timetable(db, demo.meet_id)
    return chess


async def test_swiss_rounds_still_to_pair_take_a_block_of_boards_after_the_round_before(demo_db: Database, demo: DemoMeet) -> None:
    chess = await _swiss_chess(demo_db, demo)
    async with demo_db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
        assert meet is not None
        built = await timetable.build_problem(session, meet)
        first = (await session.scalars(select(Match).where(Match.event_id == chess))).all()
    items = {i.key: i for i in built.problem.items if i.key.startswith(f"{chess}:")}
    paired = {f"{chess}:{m.key}" for m in first}
    assert paired and all(m.round_no == 1 for m in first)
    later = sorted((k for k in items if k not in paired), key=lambda k: int(k.split(":")[2]))
    assert later, "the rounds after the first are in the timetable"
    players = set().union(*(items[k].people for k in paired))
    capacity = next(r.capacity for r in built.problem.resources if r.key == items[later[0]].resource)
    previous = paired
    for k in later:
        it = items[k]
        assert it.people == players  # pairings unknown: every player is protected
        assert it.units == min(len(first), capacity)
        assert set(it.after) == previous
        assert built.info[k].round_name == f"第{k.split(':')[2]}轮"
        previous = {k}
    tt = await timetable.generate(demo_db, ORG, demo.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    assert validate(problem, _schedule(problem, slots)) == []
    block = next(s for s in slots if s.item_key == later[0])
    assert block.units == items[later[0]].units
    async with demo_db.read() as session:
        rows = await timetable.timetable_rows(session, demo.meet_id, published_only=False)
    row = next(r for r in rows if r.item_key == later[0])
    assert row.unit_label == f"{block.unit}–{block.unit + block.units - 1}号台"


async def test_a_block_of_boards_moves_whole_and_is_refused_past_the_last_board(demo_db: Database, demo: DemoMeet) -> None:
    chess = await _swiss_chess(demo_db, demo)
    tt = await timetable.generate(demo_db, ORG, demo.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    block = next(s for s in slots if s.item_key.startswith(f"{chess}:sw:") and s.units > 1)
    capacity = next(r.capacity for r in problem.resources if r.key == next(i.resource for i in problem.items if i.key == block.item_key))
    async with demo_db.read() as session:
        meet = await session.get(Meet, demo.meet_id)
    assert meet is not None
    day = meet.starts_on + dt.timedelta(days=block.starts // timetable.DAY)
    at = dt.time(block.starts % timetable.DAY // 60, block.starts % 60)
    too_far = capacity - block.units + 2
    with pytest.raises(DomainError, match=f"从 {too_far}号台起放不下 {block.units} 个"):
        await timetable.move(demo_db, ORG, demo.meet_id, tt.id, timetable.MoveInput(item_key=block.item_key, day=day, at=at, unit=too_far))
    # where it is, pinned: the whole block stays valid and keeps its boards
    moved = await timetable.move(
        demo_db, ORG, demo.meet_id, tt.id, timetable.MoveInput(item_key=block.item_key, day=day, at=at, unit=block.unit)
    )
    assert (moved.unit, moved.units, moved.pinned) == (block.unit, block.units, True)
    _, problem, slots = await _stored(demo_db, tt.id)
    assert validate(problem, _schedule(problem, slots)) == []
    pinned = next(i for i in problem.items if i.key == block.item_key)
    assert (pinned.pinned, pinned.pinned_unit, pinned.units) == (block.starts, block.unit, block.units)
    again = await timetable.resolve(demo_db, ORG, demo.meet_id, tt.id)  # re-solve the rest: the pinned block stays
    _, problem, slots = await _stored(demo_db, again.id)
    assert validate(problem, _schedule(problem, slots)) == []
    kept = next(s for s in slots if s.item_key == block.item_key)
    assert (kept.starts, kept.unit, kept.units, kept.pinned) == (block.starts, block.unit, block.units, True)


async def test_a_groups_two_places_are_protected_apart_only_when_one_player_could_take_both(
    demo_db: Database, drawn: DemoMeet
) -> None:
    """Before the groups are played, "A组第1名" and "A组第2名" each carry all of A's players, in
    different halves of the knockout. A player finishes in one place only: the two first matches
    may be played at once, but each still clashes with A's group matches and with the final."""
    built = await _built(demo_db, drawn.meet_id)
    tt_ms = drawn.event_ids["TT-MS"]
    items = {i.key: i for i in built.problem.items if i.key.startswith(f"{tt_ms}:")}
    groups = [i for k, i in items.items() if ":ko:" not in k]
    first_ko = [i for k, i in items.items() if ":ko:" in k and any(":ko:" not in a for a in i.after)]
    final = next(i for k, i in items.items() if built.info[k].round_name == "决赛")

    def people(item: Item) -> set[int]:
        return set(built.info[item.key].person_ids)

    # two first matches fed by the same group's two places, in different halves
    pairs = [(a, b) for a in first_ko for b in first_ko if a.key < b.key and people(a) & people(b)]
    assert pairs, "the demo draw has a group feeding two first-round matches"
    for a, b in pairs:
        assert not entities(a) & entities(b), f"{a.label} and {b.label} protect a player who can only take one place"
        for g in groups:
            if people(g) & people(a):
                assert entities(g) & entities(a) and (not people(g) & people(b) or entities(g) & entities(b))
        assert entities(final) & entities(a) and entities(final) & entities(b)
    # another event's item of such a player still clashes with both
    a, b = pairs[0]
    shared = people(a) & people(b)
    other = [i for i in built.problem.items if not i.key.startswith(f"{tt_ms}:") and set(built.info[i.key].person_ids) & shared]
    for o in other:
        assert entities(o) & entities(a) and entities(o) & entities(b)


async def test_the_bound_is_explained_by_name_not_by_key(demo_db: Database, drawn: DemoMeet) -> None:
    """The organiser reads which person, team or run of items sharing people sets the bound —
    never "p:12" or an item key — also for a person's key per group place ("p:12/e3gAr1")."""
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, _ = await _stored(demo_db, tt.id)
    item = next(i for i in problem.items if i.people and i.teams)
    person, team = sorted(item.people)[0], sorted(item.teams)[0]
    async with demo_db.write() as session:
        row = await session.get(Timetable, tt.id)
        assert row is not None
        row.bound_parts = {f"person:{person[2:]}/e1gAr1": 30, f"team:{team[2:]}": 20, f"clique:{item.key}": 10}
    view = await timetable.organiser_view(demo_db, ORG, drawn.meet_id, tt.id)
    async with demo_db.read() as session:
        from events.models import Person, Team

        person_name = (await session.get(Person, int(base_key(person)[2:]))).name  # type: ignore[union-attr]
        team_name = (await session.get(Team, int(team.split(":")[1]))).name  # type: ignore[union-attr]
    texts = [label for label, _ in view.bound_rows]
    assert person_name in texts[0] and team_name in texts[1] and item.label in texts[2], texts
    assert not any("p:" in t or "t:" in t or item.key in t or "clique" in t for t in texts), texts


async def test_the_published_timetable_puts_no_false_double_bookings_in_the_calendar(demo_db: Database, drawn: DemoMeet) -> None:
    """Matches of a group's two places may be played at once (each lists every player who could
    take it); the calendar leaves that to the timetable's own check and warns of none of them."""
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    async with demo_db.read() as session:
        rows = await timetable.timetable_rows(session, drawn.meet_id, published_only=False)
    at_once = [
        (a, b) for i, a in enumerate(rows) for b in rows[i + 1:]
        if a.start < b.end and b.start < a.end and set(a.person_ids) & set(b.person_ids)
    ]
    assert at_once, "the demo timetable plays a group's two places at once"
    await timetable.publish(demo_db, ORG, drawn.meet_id, tt.id)
    async with demo_db.read() as session:
        meet = await session.get(Meet, drawn.meet_id)
        assert meet is not None
        start = dt.datetime.combine(meet.starts_on, dt.time(0), tzinfo=timetable.SHANGHAI)
        view = await calendar.calendar_view(session, ORG, start, start + dt.timedelta(days=7))
    titles = {f"{a.event_name} {a.round_name}".strip() for a, _ in at_once}
    assert not [w.message for w in view.warnings if any(t in w.message for t in titles)]


async def test_a_groups_rounds_are_played_in_order(demo_db: Database, drawn: DemoMeet) -> None:
    """"A组第2轮" after the whole of "A组第1轮", as the sheets number them; other groups apart."""
    built = await _built(demo_db, drawn.meet_id)
    tt_ms = drawn.event_ids["TT-MS"]
    async with demo_db.read() as session:
        matches = (await session.scalars(select(Match).where(Match.event_id == tt_ms, Match.stage == "group"))).all()
    key = {m.id: f"{tt_ms}:{m.key}" for m in matches}
    items = {i.key: i for i in built.problem.items}
    later = [m for m in matches if m.round_no > 1]
    assert later
    for m in later:
        before = {key[o.id] for o in matches if o.group_name == m.group_name and o.round_no == m.round_no - 1}
        others = {key[o.id] for o in matches if o.group_name != m.group_name}
        assert before and before <= set(items[key[m.id]].after) and not others & set(items[key[m.id]].after)
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, _, slots = await _stored(demo_db, tt.id)
    at = {s.item_key: s for s in slots}
    for m in later:
        for o in matches:
            if o.group_name == m.group_name and o.round_no == m.round_no - 1:
                assert at[key[o.id]].ends <= at[key[m.id]].starts


async def test_the_organiser_is_told_when_the_timetable_no_longer_fits_the_meet(demo_db: Database, drawn: DemoMeet) -> None:
    """A fresh timetable fits; a match gone, or a player now in two matches at once (as when a
    knockout is drawn after its groups), is named — in words, not keys."""
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    assert await timetable.changes_since(demo_db, ORG, drawn.meet_id, tt.id) == ""
    _, _, slots = await _stored(demo_db, tt.id)
    tt_ms = drawn.event_ids["TT-MS"]
    async with demo_db.write() as session:
        matches = {f"{tt_ms}:{m.key}": m for m in (await session.scalars(select(Match).where(Match.event_id == tt_ms, Match.stage == "group"))).all()}
        at = {s.item_key: s for s in slots if s.item_key in matches}
        one, other = next(
            (matches[a], matches[b]) for a in at for b in at
            if matches[a].group_name != matches[b].group_name and at[a].starts == at[b].starts
        )
        moved = await session.get(DrawEntrant, other.a_id)
        assert moved is not None
        one.a_id = other.a_id  # the same player now in two matches at one time
        gone = next(m for k, m in matches.items() if m is not one and m is not other and k in at)
        await session.delete(gone)
    message = await timetable.changes_since(demo_db, ORG, drawn.meet_id, tt.id)
    assert "1 项已不再进行" in message and "不再成立" in message and moved.name in message, message
    assert "p:" not in message, message
    with pytest.raises(Forbidden):
        await timetable.changes_since(demo_db, drawn.actor(LEADER), drawn.meet_id, tt.id)



def _out_of_order(problem: Problem, slots: list[TimetableSlot]) -> list[list[str]]:
    where = {s.item_key: (s.starts, s.unit) for s in slots}
    return [run for run in timetable.heat_runs(problem) if [where[k] for k in run] != sorted(where[k] for k in run)]


def _heats_reversed(problem: Problem, schedule: Schedule) -> Schedule:
    """The schedule with each round's heats the other way round, wherever that stays valid."""
    at = {p.item: p for p in schedule.placements}
    for run in timetable.heat_runs(problem):
        slots = sorted(((at[k].start, at[k].unit) for k in run), reverse=True)
        trial = {**at, **{k: Placement(k, s, s + at[k].end - at[k].start, at[k].resource, u) for k, (s, u) in zip(run, slots, strict=True)}}
        if not validate(problem, Schedule(tuple(trial[p.item] for p in schedule.placements), schedule.finish)):
            at = trial
    return Schedule(tuple(at[p.item] for p in schedule.placements), schedule.finish)


async def test_a_rounds_heats_run_in_number_order_after_the_greedy_and_after_the_improvement(
    demo_db: Database, drawn: DemoMeet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The solvers may put heat 2 before heat 1 (here the greedy is made to); the stored timetable
    runs them in number order all the same."""
    solve = timetable.greedy
    monkeypatch.setattr(timetable, "greedy", lambda problem: _heats_reversed(problem, solve(problem)))
    tt = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, slots = await _stored(demo_db, tt.id)
    assert len(timetable.heat_runs(problem)) >= 3  # the demo's rounds of two heats or more
    assert _out_of_order(problem, slots) == []
    assert validate(problem, _schedule(problem, slots)) == []
    from scheduling import timetable_cpsat

    improve = timetable_cpsat.improve

    def improve_reversed(problem: Problem, hint: Schedule, **kw: object) -> timetable_cpsat.Improvement:
        found = improve(problem, hint, **kw)  # type: ignore[arg-type]
        return msgspec.structs.replace(found, schedule=_heats_reversed(problem, found.schedule))

    monkeypatch.setattr(timetable_cpsat, "improve", improve_reversed)  # CP-SAT made to reverse them too
    await timetable.save_settings(demo_db, ORG, drawn.meet_id, timetable.SettingsInput(improve_seconds=3))
    await timetable.start_improvement(demo_db, ORG, drawn.meet_id, tt.id)
    await timetable.wait_for_improvements()
    improved, problem, slots = await _stored(demo_db, tt.id)
    assert improved.solver_status in (SolverStatus.IMPROVED, SolverStatus.OPTIMAL) and improved.finish < improved.greedy_finish
    assert _out_of_order(problem, slots) == [] and validate(problem, _schedule(problem, slots)) == []
    # the control: without putting them in order, the reversed heats are stored as they come
    monkeypatch.setattr(timetable, "in_running_order", lambda problem, schedule, runs: schedule)
    again = await timetable.generate(demo_db, ORG, drawn.meet_id)
    _, problem, slots = await _stored(demo_db, again.id)
    assert _out_of_order(problem, slots) and validate(problem, _schedule(problem, slots)) == []
