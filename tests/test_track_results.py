"""Track and fun events: heats drawn from entries, marks entered by referees, rounds advanced,
records flagged — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from events import mark_results, placings, race_rounds, registration
from events.db import Database
from events.errors import ChangedSinceSent, Conflict, DomainError, Forbidden
from events.mark_results import MarkInput, StaleMark
from events.models import Event, MarkResult, Person, RecordDecision, RecordMark, StartEntry, TeamMember
from events.race_rounds import RoundRequest
from tests.support import SYSTEM_ORGANISER, DemoMeet
from tests.test_records import enter_people

ORG = SYSTEM_ORGANISER


async def _enter(db: Database, demo: DemoMeet, code: str, per_team: int, gender: str) -> int:
    """``per_team`` people of ``gender`` from every demo team entered in ``code``."""
    return await enter_people(db, demo, code, per_team, gender, teams=len(demo.team_ids))


async def _lines(db: Database, event_id: int, round_no: int = 1) -> list[StartEntry]:
    _, views = await race_rounds.event_rounds(db, (await _event(db, event_id)).meet_id, event_id)
    return views[round_no - 1].lines


async def _event(db: Database, event_id: int) -> Event:
    async with db.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


def _mark(line: StartEntry, typed: str = "", **fields) -> MarkInput:
    return MarkInput(idempotency_key=uuid.uuid4().hex, version=line.version, mark=typed, **fields)


async def _heats(db: Database, demo: DemoMeet, per_team: int = 3, **request) -> int:
    event_id = await _enter(db, demo, "ATH-100M-M", per_team, "M")
    req = RoundRequest(**({"is_final": False, "qualify_by_place": 2, "qualify_by_time": 2, "seed": 7} | request))
    await race_rounds.draw_round(db, ORG, demo.meet_id, event_id, req)
    await race_rounds.publish_round(db, ORG, demo.meet_id, event_id)
    return event_id


# Drawing ---------------------------------------------------------------------------------


async def test_every_entrant_gets_one_lane_in_heats_no_larger_than_the_lanes(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    (first,) = views
    assert len(first.lines) == 24
    assert len({line.entrant_key for line in first.lines}) == 24
    assert [len(h.lines) for h in first.heats] == [8, 8, 8]
    for h in first.heats:
        assert sorted(line.lane for line in h.lines) == list(range(1, 9))
        # three men from each of eight teams: one per heat each
        assert len({line.team_id for line in h.lines}) == 8


async def test_a_draft_round_is_redrawn_but_a_published_one_is_not(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 2, "M")
    req = RoundRequest(is_final=True, lanes=8, method="random", seed=1)
    first = await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, req)
    again = await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(is_final=True, lanes=8, seed=2))
    assert again.number == first.number == 1
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    assert len(views) == 1 and views[0].round.seed == 2
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    with pytest.raises(Conflict, match="决赛已公布"):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, req)


async def test_the_same_seed_draws_the_same_heats(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 3, "M")
    layouts = []
    for _ in range(2):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(method="random", seed=99, is_final=True))
        lines = await _lines(demo_db, event_id)
        layouts.append(sorted((line.heat_id - lines[0].heat_id, line.lane, line.entrant_key) for line in lines))
    assert layouts[0] == layouts[1]


async def test_only_organisers_draw_and_heats_need_a_qualifying_rule(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 1, "M")
    with pytest.raises(Forbidden):
        await race_rounds.draw_round(demo_db, demo.actor("caipan1"), demo.meet_id, event_id, RoundRequest())
    with pytest.raises(DomainError, match="录取办法"):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(is_final=False))
    with pytest.raises(DomainError, match="对抗类项目"):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, demo.event_ids["XQ"], RoundRequest())


async def test_a_mass_start_has_sections_without_lanes(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-1500M-M", 2, "M")
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(lanes=None, section_size=10, seed=3))
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    assert [len(h.lines) for h in views[0].heats] == [8, 8]
    assert all(line.lane is None for line in views[0].lines)


async def test_a_typed_entry_mark_seeds_and_an_unreadable_one_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 1, "M")
    async with demo_db.read() as session:
        keys = [f"p:{p}" for p in (await session.scalars(select(StartEntry.person_id))).all()]
        first_person = (
            await session.scalars(select(Person.id).join(TeamMember).where(Person.gender == "M").order_by(Person.id))
        ).first()
    with pytest.raises(DomainError, match="无法识别"):
        await race_rounds.draw_round(
            demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed_marks={f"p:{first_person}": "十二秒"})
        )
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed_marks={f"p:{first_person}": "12.3"}))
    lines = await _lines(demo_db, event_id)
    seeded = [line for line in lines if line.seed_value is not None]
    assert [(line.person_id, line.seed_value) for line in seeded] == [(first_person, 12300)]
    assert keys == []  # nothing was stored by the refused draw


# Entering marks ----------------------------------------------------------------------------


async def test_marks_are_read_as_referees_type_them(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    lines = await _lines(demo_db, event_id)
    for line, typed in zip(lines, ["12.34", '12"5', "１２．６", "12.71s"], strict=False):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, typed))
    values = [line.value for line in (await _lines(demo_db, event_id))[:4]]
    assert values == [12340, 12500, 12600, 12710]


async def test_an_unreadable_mark_is_refused_in_chinese_and_nothing_is_stored(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    with pytest.raises(DomainError, match="无法识别"):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.3.4"))
    async with demo_db.read() as session:
        assert await session.scalar(select(MarkResult.id)) is None


async def test_a_repeated_submission_is_stored_once(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    data = _mark(line, "12.80")
    first = await mark_results.enter_mark(demo_db, ORG, line.id, data)
    again = await mark_results.enter_mark(demo_db, ORG, line.id, data)
    assert first.created and not again.created and again.result.id == first.result.id
    async with demo_db.read() as session:
        assert len((await session.scalars(select(MarkResult))).all()) == 1


async def test_a_repeat_carrying_another_mark_is_refused_and_the_stored_mark_stands(demo_db: Database, demo: DemoMeet) -> None:
    """A tablet's retry reuses its key; a mark changed while the retry waited is not taken as stored."""
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    data = _mark(line, "13.00")
    await mark_results.enter_mark(demo_db, ORG, line.id, data)
    changed = MarkInput(idempotency_key=data.idempotency_key, version=0, mark="12.99")
    with pytest.raises(ChangedSinceSent) as refused:
        await mark_results.enter_mark(demo_db, ORG, line.id, changed)
    assert refused.value.message == "这次提交此前已保存为「13.00」,与现在填写的「12.99」不同。如需修改,请填写理由后更正。"
    status = MarkInput(idempotency_key=data.idempotency_key, version=0, mark="13.00", status="DQ", reason="抢跑")
    with pytest.raises(ChangedSinceSent):
        await mark_results.enter_mark(demo_db, ORG, line.id, status)
    same = await mark_results.enter_mark(demo_db, ORG, line.id, MarkInput(idempotency_key=data.idempotency_key, version=0, mark="13.00"))
    assert not same.created
    async with demo_db.read() as session:
        assert [(r.value, r.version) for r in (await session.scalars(select(MarkResult))).all()] == [(13000, 1)]


async def test_a_nul_in_a_status_reason_is_dropped_not_a_database_error(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    entered = await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "", status="DNS", reason="伤\x00病"))
    async with demo_db.read() as session:  # the database layer drops it (events.db), for every write
        stored = await session.get(MarkResult, entered.result.id)
    assert stored is not None and stored.reason == "伤病" and stored.status == "DNS"


async def test_a_stale_edit_is_refused_showing_both_marks(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.80"))
    with pytest.raises(StaleMark) as stale:
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.90"))  # made from version 0
    assert "12.80" in str(stale.value) and "12.90" in str(stale.value)


async def test_a_correction_is_a_new_version_with_a_reason(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.80"))
    line = (await _lines(demo_db, event_id))[0]
    with pytest.raises(DomainError, match="理由"):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.85"))
    await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.85", reason="终点录像复核"))
    _, _, versions = await mark_results.history(demo_db, line.id)
    assert [(v.version, v.value, v.reason) for v in versions] == [(1, 12800, ""), (2, 12850, "终点录像复核")]


async def test_a_status_needs_a_reason_and_ranks_after_every_mark(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    a, b = (await _lines(demo_db, event_id))[:2]
    with pytest.raises(DomainError, match="原因"):
        await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, "犯规"))
    await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, status="DQ", reason="抢跑两次"))
    await mark_results.enter_mark(demo_db, ORG, b.id, _mark(b, "13.50"))
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    overall = views[0].overall
    assert [(p.entrant, p.place) for p in overall] == [(b.id, 1), (a.id, None)]


async def test_a_missing_reason_is_asked_for_with_examples_that_fit_the_status(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    with pytest.raises(DomainError) as did_not_start:
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, status="DNS"))
    assert "「未出发」须注明原因" in did_not_start.value.message and "未检录" in did_not_start.value.message
    assert "抢跑" not in did_not_start.value.message and "串道" not in did_not_start.value.message
    with pytest.raises(DomainError, match="抢跑"):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, status="DQ"))


async def test_the_database_refuses_to_change_or_delete_a_mark(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.80"))
    for statement in ("UPDATE mark_result SET value = 1", "DELETE FROM mark_result"):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            async with demo_db.write() as session:
                await session.execute(text(statement))


async def test_only_the_events_referees_and_organisers_enter_marks(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    for username in ("caipan2", "lingdui1"):
        with pytest.raises(Forbidden):
            await mark_results.enter_mark(demo_db, demo.actor(username), line.id, _mark(line, "12.8"))
    entered = await mark_results.enter_mark(demo_db, demo.actor("caipan1"), line.id, _mark(line, "12.8"))
    assert entered.created


async def test_a_draft_round_takes_no_marks(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-M", 1, "M")
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest())
    line = (await _lines(demo_db, event_id))[0]
    with pytest.raises(DomainError, match="尚未公布"):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "12.8"))


# Heats to final -----------------------------------------------------------------------------


async def _run_heats(db: Database, event_id: int, times: dict[int, str] | None = None) -> list[StartEntry]:
    lines = await _lines(db, event_id)
    for i, line in enumerate(lines):
        typed = (times or {}).get(i, f"{12 + i * 0.05:.2f}")
        await mark_results.enter_mark(db, ORG, line.id, _mark(line, typed))
    return await _lines(db, event_id)


async def test_the_final_takes_q_by_place_and_q_by_time(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    with pytest.raises(DomainError, match="未录入成绩"):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=1))
    lines = await _run_heats(demo_db, event_id)
    final = await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=1))
    assert final.number == 2 and final.is_final
    heats = await _lines(demo_db, event_id)
    by_place = [line for line in heats if line.qualified == "Q"]
    by_time = [line for line in heats if line.qualified == "q"]
    assert len(by_place) == 6 and len(by_time) == 2
    finalists = await _lines(demo_db, event_id, 2)
    assert {f.entrant_key for f in finalists} == {line.entrant_key for line in by_place + by_time}
    # Heat winners are seeded first, fastest first, into the middle lanes (4, then 5, 3, 6 …)
    fastest = min(by_place, key=lambda line: line.value or 0)
    lanes = {f.entrant_key: f.lane for f in finalists}
    assert lanes[fastest.entrant_key] == 4
    assert sorted(lanes.values()) == list(range(1, 9))
    assert len(lines) == 24


async def test_a_tie_at_the_cut_waits_for_the_referees_decision(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo, qualify_by_place=2, qualify_by_time=0)
    lines = await _lines(demo_db, event_id)
    heat_one = [i for i, line in enumerate(lines) if line.heat_id == lines[0].heat_id]
    times = {i: "13.00" for i in heat_one}
    times[heat_one[0]] = "12.00"  # 1st; then seven level for the 2nd place
    await _run_heats(demo_db, event_id, times)
    with pytest.raises(DomainError, match="并列"):
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=1))
    chosen = [lines[heat_one[3]].entrant_key]
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=1, advance=chosen))
    finalists = {f.entrant_key for f in await _lines(demo_db, event_id, 2)}
    assert chosen[0] in finalists and len(finalists) == 6


async def test_a_heat_mark_is_frozen_once_the_final_is_drawn_from_it(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    lines = await _run_heats(demo_db, event_id)
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=1))
    with pytest.raises(Conflict, match="撤销"):
        await mark_results.enter_mark(demo_db, ORG, lines[0].id, _mark(lines[0], "11.00", reason="复核"))
    await race_rounds.discard_draft(demo_db, ORG, demo.meet_id, event_id)
    await mark_results.enter_mark(demo_db, ORG, lines[0].id, _mark(lines[0], "11.00", reason="复核"))


async def test_final_places_share_a_tie_and_the_event_is_complete_when_all_are_in(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "ATH-100M-W", 1, "F")
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=5))
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    lines = await _lines(demo_db, event_id)
    times = ["15.10", "15.20", "15.20", "15.40", "15.50", "15.60", "15.70"]
    for line, typed in zip(lines, times, strict=False):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, typed))
    event = await _event(demo_db, event_id)
    before = await placings.event_placings(demo_db, event)
    assert not before.complete
    last = lines[-1]
    await mark_results.enter_mark(demo_db, ORG, last.id, _mark(last, status="DNS", reason="未检录"))
    after = await placings.event_placings(demo_db, event)
    assert after.complete
    assert [p.place for p in after.places] == [1, 2, 2, 4, 5, 6, 7, None]
    assert [p.mark for p in after.places][:3] == ["15.10", "15.20", "15.20"]
    assert [p.place for p in after.awarded] == [1, 2, 2]


async def test_a_relay_is_run_by_teams(demo_db: Database, demo: DemoMeet) -> None:
    event_id = demo.event_ids["RELAY-4X100-M"]
    for team_id in list(demo.team_ids.values())[:3]:
        async with demo_db.read() as session:
            men = (
                await session.scalars(
                    select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == "M")
                    .order_by(Person.id.desc())
                )
            ).all()
        for person_id in men[:4]:
            await registration.enter(demo_db, ORG, team_id=team_id, event_id=event_id, person_id=person_id)
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(seed=4))
    lines = await _lines(demo_db, event_id)
    assert len(lines) == 3 and all(line.person_id is None and line.entrant_key.startswith("t:") for line in lines)


# Records ------------------------------------------------------------------------------------


async def _standing_record(db: Database, code: str, value: int, kind: str = "time", lower: bool = True) -> None:
    async with db.write() as session:
        mark = RecordMark(
            event_code=code, event_name="男子100米", sport="athletics", kind=kind, timing="electronic",
            lower_is_better=lower, value=value, flag="record", holder="往届选手", team_name="一车间",
            meet_name="第五届职工运动会", set_on=dt.date(2025, 11, 20), source="import",
        )
        session.add(mark)
        await session.flush()
        session.add(RecordDecision(record_mark_id=mark.id, decision="ratified", decided_by_name="裁判长"))


async def test_a_mark_that_beats_or_equals_the_record_is_flagged_at_once(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    await _standing_record(demo_db, "ATH-100M-M", 11_900)
    a, b, c = (await _lines(demo_db, event_id))[:3]
    await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, "12.00"))
    await mark_results.enter_mark(demo_db, ORG, b.id, _mark(b, "11.90"))
    await mark_results.enter_mark(demo_db, ORG, c.id, _mark(c, "11.80"))
    flags = {line.id: line.record_flag for line in await _lines(demo_db, event_id)}
    assert (flags[a.id], flags[b.id], flags[c.id]) == (None, "equal", "record")
    async with demo_db.read() as session:
        pending = (await session.scalars(select(RecordMark).where(RecordMark.source == "result"))).all()
    assert sorted((p.value, p.flag) for p in pending) == [(11_800, "record"), (11_900, "equal")]


async def test_a_corrected_record_mark_no_longer_counts(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    await _standing_record(demo_db, "ATH-100M-M", 11_900)
    a, b = (await _lines(demo_db, event_id))[:2]
    await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, "11.50"))
    a = (await _lines(demo_db, event_id))[0]
    await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, "12.50", reason="计时员读错"))
    # 11.70 beats the ratified 11.90; the corrected 11.50 claim is void and does not stand in the way
    await mark_results.enter_mark(demo_db, ORG, b.id, _mark(b, "11.70"))
    flags = {line.id: line.record_flag for line in await _lines(demo_db, event_id)}
    assert (flags[a.id], flags[b.id]) == (None, "record")


async def _typed(db: Database, event_id: int, marks: dict[int, str], reason: str = "") -> list[StartEntry]:
    """Enter marks line by line (index in the start list -> typed mark), in that order."""
    for index, typed in marks.items():
        line = (await _lines(db, event_id))[index]
        await mark_results.enter_mark(db, ORG, line.id, _mark(line, typed, reason=reason if line.version else ""))
    return await _lines(db, event_id)


async def _pending(db: Database) -> list[tuple[int, str]]:
    """(value, flag) of every live record claim: undecided, from a result not corrected since."""
    async with db.read() as session:
        rows = await session.execute(
            select(RecordMark.value, RecordMark.flag)
            .join(MarkResult, MarkResult.id == RecordMark.mark_result_id)
            .join(StartEntry, (StartEntry.id == MarkResult.start_entry_id) & (StartEntry.version == MarkResult.version))
            .where(~select(RecordDecision.id).where(RecordDecision.record_mark_id == RecordMark.id).exists())
        )
    return sorted((value, flag) for value, flag in rows.all())


async def test_rejecting_a_claim_brings_forward_the_records_it_hid_in_the_order_they_were_set(
    demo_db: Database, demo: DemoMeet
) -> None:
    from events import records
    from tests.test_records import claim_of

    event_id = await _heats(demo_db, demo)
    await _standing_record(demo_db, "ATH-100M-M", 11_900)
    # 11.50 is claimed; 11.70 and then 11.60 beat the standing 11.90 but not the pending 11.50;
    # 11.65 comes after 11.60 and 12.00 never beat anything
    lines = await _typed(demo_db, event_id, {0: "11.50", 1: "11.70", 2: "11.60", 3: "11.65", 4: "12.00"})
    assert [line.record_flag for line in lines[:5]] == ["record", None, None, None, None]
    rejected = await records.reject(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, lines[0])).id, "超风速")
    assert rejected.reclaimed == 2  # the chief referee is told the list has grown
    lines = await _lines(demo_db, event_id)
    assert [line.record_flag for line in lines[:5]] == [None, "record", "record", None, None]
    assert await _pending(demo_db) == [(11_600, "record"), (11_700, "record")]


async def test_a_corrected_claim_is_judged_against_the_other_marks_not_its_own_void_claim(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _heats(demo_db, demo)
    await _standing_record(demo_db, "ATH-100M-M", 11_900)
    await _typed(demo_db, event_id, {0: "11.50"})
    lines = await _typed(demo_db, event_id, {0: "11.60"}, reason="计时员读错")
    assert lines[0].record_flag == "record"  # 11.60 still beats 11.90; the void 11.50 is no bar
    lines = await _typed(demo_db, event_id, {0: "11.90"}, reason="再次核对")
    assert lines[0].record_flag == "equal"
    assert await _pending(demo_db) == [(11_900, "equal")]


async def test_a_correction_that_voids_a_claim_brings_forward_the_records_it_hid(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    await _standing_record(demo_db, "ATH-100M-M", 11_900)
    await _typed(demo_db, event_id, {0: "11.50", 1: "11.70"})
    lines = await _typed(demo_db, event_id, {0: "12.50"}, reason="计时员读错")
    assert [line.record_flag for line in lines[:2]] == [None, "record"]
    assert await _pending(demo_db) == [(11_700, "record")]


async def test_a_mark_no_one_could_make_is_saved_only_once_the_referee_confirms_it(demo_db: Database, demo: DemoMeet) -> None:
    from events.mark_results import Implausible
    from events.models import AuditLog

    event_id = await _heats(demo_db, demo)
    line = (await _lines(demo_db, event_id))[0]
    for typed in ("0.50", "99999"):
        with pytest.raises(Implausible, match=f"成绩「{typed}」.*不像「男子100米」的成绩\\(合理范围 9.52–1:40.00,按 100 米的距离\\)"):
            await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, typed))
    assert (await _lines(demo_db, event_id))[0].version == 0  # nothing stored
    await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, "0.50", confirm=True))
    assert (await _lines(demo_db, event_id))[0].value == 500
    async with demo_db.read() as session:
        summary = await session.scalar(select(AuditLog.summary).where(AuditLog.action == "mark_result"))
    assert summary is not None and "超出合理范围,裁判已确认" in summary


async def test_higher_is_better_marks_flag_the_other_way(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _enter(demo_db, demo, "FUN-TJ-M", 1, "M")
    await _standing_record(demo_db, "FUN-TJ-M", 80, kind="count", lower=False)
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(lanes=None, seed=1))
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    a, b = (await _lines(demo_db, event_id))[:2]
    await mark_results.enter_mark(demo_db, ORG, a.id, _mark(a, "79"))
    await mark_results.enter_mark(demo_db, ORG, b.id, _mark(b, "81个"))
    flags = {line.id: (line.value, line.record_flag) for line in await _lines(demo_db, event_id)}
    assert flags[a.id] == (79, None) and flags[b.id] == (81, "record")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_databases_top_places_match_the_ranking_rule(demo_db: Database, demo: DemoMeet, seed: int) -> None:
    """meet_placings(depth=…) ranks in SQL with RANK(); it must place exactly as scheduling.ranking does,
    ties, statuses and both directions included."""
    import random

    chance = random.Random(seed)
    codes = [("ATH-100M-M", "M", lambda: f"{chance.choice([12.10, 12.20, 12.20, 12.30, 12.40, 12.50]):.2f}"),
             ("FUN-TJ-M", "M", lambda: str(chance.choice([60, 70, 70, 80, 90])))]
    events = []
    for code, gender, typed in codes:
        event_id = await _enter(demo_db, demo, code, 2, gender)
        await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(lanes=None, seed=seed))
        await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
        for line in await _lines(demo_db, event_id):
            if chance.random() < 0.15:
                await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, status="DNF", reason="抽筋"))
            else:
                await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, typed()))
        events.append(await _event(demo_db, event_id))
    full = await placings.meet_placings(demo_db, events)
    top = await placings.meet_placings(demo_db, events, depth=4)
    for whole, cut in zip(full, top, strict=True):
        expected = [(p.place, p.tied, p.name, p.mark) for p in whole.places if p.place is not None and p.place <= 4]
        assert [(p.place, p.tied, p.name, p.mark) for p in cut.places] == expected
        assert (cut.entrants, cut.complete) == (whole.entrants, whole.complete) == (16, True)


async def test_a_heats_standing_ranked_by_the_database_matches_the_ranking_rule(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await _heats(demo_db, demo)
    lines = await _lines(demo_db, event_id)
    heat_lines = [line for line in lines if line.heat_id == lines[0].heat_id]
    typed = ["12.40", "12.10", "12.40", "12.20", "12.40", None, "13.00", "12.10"]
    for line, mark in zip(heat_lines, typed, strict=True):
        data = _mark(line, mark) if mark else _mark(line, status="DNF", reason="拉伤")
        await mark_results.enter_mark(demo_db, ORG, line.id, data)
    standing = await race_rounds.heat_standing(demo_db, lines[0].heat_id, top=4)
    _, views = await race_rounds.event_rounds(demo_db, demo.meet_id, event_id)
    heat = next(h for h in views[0].heats if h.heat.id == lines[0].heat_id)
    expected = sorted((p.place, p.tied, p.entrant) for p in heat.placings.values() if p.place is not None and p.place <= 4)
    assert [(x.place, x.tied, x.line.id) for x in standing.leaders] == expected
    assert [x.place for x in standing.leaders] == [1, 1, 3, 4, 4, 4]
    assert (standing.entered, standing.total) == (8, 8)


async def test_a_heats_standing_counts_before_any_mark_ranks_more_is_better_and_returns_the_line_entered(
    demo_db: Database, demo: DemoMeet
) -> None:
    event_id = await _enter(demo_db, demo, "FUN-TJ-M", 1, "M")  # 踢毽: the most kicks wins
    await race_rounds.draw_round(demo_db, ORG, demo.meet_id, event_id, RoundRequest(lanes=None, seed=3))
    await race_rounds.publish_round(demo_db, ORG, demo.meet_id, event_id)
    lines = await _lines(demo_db, event_id)
    heat_id = lines[0].heat_id
    heat_lines = [line for line in lines if line.heat_id == heat_id]
    assert len(heat_lines) >= 5
    before = await race_rounds.heat_standing(demo_db, heat_id, heat_lines[0].id, top=2)
    assert before.leaders == [] and (before.entered, before.total) == (0, len(heat_lines))
    assert before.line is not None and before.line.id == heat_lines[0].id and before.line.version == 0
    for line, kicks in zip(heat_lines, ["40", "55", "55", "30"], strict=False):
        await mark_results.enter_mark(demo_db, ORG, line.id, _mark(line, kicks))
    dnf = heat_lines[4]
    await mark_results.enter_mark(demo_db, ORG, dnf.id, _mark(dnf, status="DNS", reason="未检录"))
    standing = await race_rounds.heat_standing(demo_db, heat_id, heat_lines[3].id, top=2)
    assert [(x.place, x.tied, x.line.id) for x in standing.leaders] == [(1, True, heat_lines[1].id), (1, True, heat_lines[2].id)]
    assert standing.line is not None and standing.line.id == heat_lines[3].id and standing.line.value == 30
    assert (standing.entered, standing.total) == (5, len(heat_lines))
    after_status = await race_rounds.heat_standing(demo_db, heat_id, dnf.id, top=3)
    assert [x.place for x in after_status.leaders] == [1, 1, 3]
    assert after_status.line is not None and after_status.line.status == "DNS"
