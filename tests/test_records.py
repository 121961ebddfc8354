"""The records archive (大会纪录): history the database keeps forever, the flag rules in both
directions, pending claims from results, and the chief referee's decisions — on SQLite and on
PostgreSQL. The demo database holds the history of 第三届–第五届 (events.demo_records)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from events import accounts, mark_results, race_rounds, records, registration
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, Forbidden, NotFound
from events.mark_results import MarkInput
from events.models import AuditLog, Person, RecordDecision, RecordMark, StartEntry, TeamMember
from events.race_rounds import RoundRequest
from scheduling.marks import COUNT, DISTANCE, TIME, Measure
from tests.support import SYSTEM_ORGANISER, DemoMeet

ORG = SYSTEM_ORGANISER


# Helpers, also used by the page tests ------------------------------------------------------


async def enter_people(db: Database, demo: DemoMeet, code: str, per_team: int, gender: str, teams: int = 2) -> int:
    event_id = demo.event_ids[code]
    for team_id in list(demo.team_ids.values())[:teams]:
        async with db.read() as session:
            people = (
                await session.scalars(
                    select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == gender)
                    .order_by(Person.id)
                )
            ).all()
        for person_id in people[:per_team]:
            await registration.enter(db, ORG, team_id=team_id, event_id=event_id, person_id=person_id)
    return event_id


async def published_final(db: Database, demo: DemoMeet, code: str = "ATH-100M-M", gender: str = "M") -> list[StartEntry]:
    """A published final of ``code`` with four entrants from two teams; its start-list lines."""
    event_id = await enter_people(db, demo, code, 2, gender)
    lanes = {} if code != "FUN-TJ-M" else {"lanes": None}
    await race_rounds.draw_round(db, ORG, demo.meet_id, event_id, RoundRequest(seed=3, **lanes))
    await race_rounds.publish_round(db, ORG, demo.meet_id, event_id)
    return await lines_of(db, event_id)


async def lines_of(db: Database, event_id: int) -> list[StartEntry]:
    async with db.read() as session:
        return list(
            (await session.scalars(select(StartEntry).where(StartEntry.event_id == event_id).order_by(StartEntry.id))).all()
        )


async def enter(db: Database, line: StartEntry, typed: str, reason: str = "") -> StartEntry:
    """Enter (or correct) a line's mark as the organiser; the line as it is afterwards."""
    async with db.read() as session:
        version = (await session.get(StartEntry, line.id)).version  # type: ignore[union-attr]
    await mark_results.enter_mark(
        db, ORG, line.id, MarkInput(idempotency_key=uuid.uuid4().hex, version=version, mark=typed, reason=reason)
    )
    async with db.read() as session:
        fresh = await session.get(StartEntry, line.id)
    assert fresh is not None
    return fresh


async def claim_of(db: Database, line: StartEntry) -> RecordMark:
    """The newest record mark claimed by a line's results."""
    async with db.read() as session:
        from events.models import MarkResult

        mark = await session.scalar(
            select(RecordMark)
            .join(MarkResult, MarkResult.id == RecordMark.mark_result_id)
            .where(MarkResult.start_entry_id == line.id)
            .order_by(RecordMark.id.desc())
            .limit(1)
        )
    assert mark is not None
    return mark


# The database keeps history forever ------------------------------------------------------------


@pytest.mark.parametrize("table", ["record_mark", "record_decision"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
async def test_the_database_refuses_to_change_or_delete_record_history(demo_db: Database, table: str, statement: str) -> None:
    async with demo_db.read() as session:
        before = await session.scalar(text(f"SELECT count(*) FROM {table}"))
    assert before and before > 0
    with pytest.raises(DBAPIError, match="append-only"):
        async with demo_db.write() as session:
            await session.execute(text(statement.format(table=table)))
    async with demo_db.read() as session:
        assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == before


# Flag rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "value", "best", "flag"),
    [
        (TIME, 12_700, 12_810, "record"),  # lower is better: faster breaks it
        (TIME, 12_810, 12_810, "equal"),
        (TIME, 12_900, 12_810, None),
        (TIME, 12_700, None, None),  # no record yet: nothing to break
        (COUNT, 80, 78, "record"),  # higher is better: more kicks break it
        (COUNT, 78, 78, "equal"),
        (COUNT, 70, 78, None),
        (COUNT, 80, None, None),
        (DISTANCE, 523, 520, "record"),
        (Measure("count", lower_is_better=True), 5, 6, "record"),  # an event may say lower wins
        (TIME, None, 12_810, None),  # a status, no value
    ],
)
def test_flag_for_beats_equals_or_neither(measure: Measure, value: int | None, best: int | None, flag: str | None) -> None:
    assert records.flag_for(measure, value, best) == flag


@given(st.integers(1, 10**7), st.integers(1, 10**7), st.booleans())
def test_a_flag_is_record_exactly_when_better_and_equal_exactly_when_level(value: int, best: int, lower: bool) -> None:
    measure = Measure("count", lower_is_better=lower)
    flag = records.flag_for(measure, value, best)
    better = value < best if lower else value > best
    assert (flag == "record") == better
    assert (flag == "equal") == (value == best)


def test_a_record_set_in_the_evening_in_shanghai_is_dated_that_day() -> None:
    utc = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 21st in Shanghai
    assert records.local_date(utc) == dt.date(2026, 11, 21)
    assert records.local_date(dt.datetime(2026, 11, 20, 3, 0)) == dt.date(2026, 11, 20)


async def test_results_are_flagged_against_the_demo_records_both_ways(demo_db: Database, demo: DemoMeet) -> None:
    # Men's 100 m: 12.81 (held jointly); 踢毽: 78 kicks.
    a, b, c, d = await published_final(demo_db, demo)
    assert (await enter(demo_db, a, "12.90")).record_flag is None
    assert (await enter(demo_db, b, "12.81")).record_flag == "equal"
    assert (await enter(demo_db, c, "12.79")).record_flag == "record"
    # 12.80 no longer beats the best known mark: c's live pending 12.79 counts.
    assert (await enter(demo_db, d, "12.80")).record_flag is None
    k1, k2, k3, _ = await published_final(demo_db, demo, "FUN-TJ-M")
    assert (await enter(demo_db, k1, "77")).record_flag is None
    assert (await enter(demo_db, k2, "78")).record_flag == "equal"
    assert (await enter(demo_db, k3, "85个")).record_flag == "record"


async def test_an_event_code_without_a_record_flags_nothing(demo_db: Database) -> None:
    async with demo_db.read() as session:
        assert await records.best_known(session, "NO-SUCH-CODE", TIME) is None


# Standing records and history -----------------------------------------------------------------


async def test_standing_records_show_the_best_ratified_mark_and_co_holders(demo_db: Database) -> None:
    athletics = {r.code: r for r in await records.standing_records(demo_db, "athletics")}
    men = athletics["ATH-100M-M"]
    assert men.shown == "12.81" and men.measure.lower_wins
    assert [h.mark.holder for h in men.holders] == ["刘洋", "陈浩"]
    assert athletics["ATH-1500M-M"].shown == "5:05.36"
    fun = {r.code: r for r in await records.standing_records(demo_db, "fun")}
    assert fun["FUN-TJ-M"].shown == "78" and not fun["FUN-TJ-M"].measure.lower_wins
    assert "ATH-100M-M" not in fun
    assert await records.record_sports(demo_db) == ["athletics", "fun"]
    # Current events first, in programme order.
    assert [r.code for r in athletics.values()][:2] == ["ATH-100M-M", "ATH-100M-W"]


async def test_history_lists_every_mark_oldest_first_with_what_it_was(demo_db: Database) -> None:
    history = await records.event_history(demo_db, "ath-100m-m")
    assert [(line.shown, line.label, line.state, line.standing) for line in history.lines] == [
        ("12.95", "创纪录", "ratified", False),
        ("12.81", "破纪录", "ratified", True),
        ("12.81", "平纪录", "ratified", True),
    ]
    assert all(line.decision is not None and line.decision.decided_by_name == "系统" for line in history.lines)
    with pytest.raises(NotFound):
        await records.event_history(demo_db, "NO-SUCH-CODE")


async def test_a_pending_claim_shows_until_decided_and_then_joins_the_record(demo_db: Database, demo: DemoMeet) -> None:
    a, b, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.81")
    (standing,) = [r for r in await records.standing_records(demo_db, "athletics") if r.code == "ATH-100M-M"]
    assert [p.mark.holder for p in standing.pending] == [a.name] and len(standing.holders) == 2
    await records.ratify(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, a)).id)
    history = await records.event_history(demo_db, "ATH-100M-M")
    assert [h.mark.holder for h in history.standing.holders] == ["刘洋", "陈浩", a.name]
    assert history.lines[-1].label == "平纪录" and not history.standing.pending
    # The record shown on the event's results page is the same.
    event_record = await records.standing_for(demo_db, await _event(demo_db, demo.event_ids["ATH-100M-M"]))
    assert event_record.shown == "12.81" and len(event_record.holders) == 3


async def _event(db: Database, event_id: int):  # noqa: ANN202
    from events.models import Event

    async with db.read() as session:
        return await session.get(Event, event_id)


async def test_a_pending_claim_of_a_corrected_result_no_longer_counts(demo_db: Database, demo: DemoMeet) -> None:
    a, b, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.50")
    claim = await claim_of(demo_db, a)
    async with demo_db.read() as session:
        assert await records.best_known(session, "ATH-100M-M", TIME) == 12_500
    await enter(demo_db, a, "13.20", reason="计时员读错了表")
    async with demo_db.read() as session:
        assert await records.best_known(session, "ATH-100M-M", TIME) == 12_810
    # 12.70 breaks the ratified 12.81: the void 12.50 does not stand in the way.
    assert (await enter(demo_db, b, "12.70")).record_flag == "record"
    history = await records.event_history(demo_db, "ATH-100M-M")
    states = {line.mark.id: line.state for line in history.lines}
    assert states[claim.id] == "lapsed"
    assert [p.shown for p in history.standing.pending] == ["12.70"]
    # A void claim cannot be ratified; it can be closed with a reason.
    with pytest.raises(Conflict, match="已失效"):
        await records.ratify(demo_db, demo.actor("zuweihui"), claim.id)
    rejected = await records.reject(demo_db, demo.actor("zuweihui"), claim.id, "成绩已更正")
    assert rejected.state == "rejected"


# A claim that stops counting brings forward the records it hid --------------------------------
# The demo's standing record of men's 100 m is 12.81 (ratified). A pending 12.50 stands in the way
# of every later result until the chief referee decides on it or its result is corrected.


async def _enter_in_order(db: Database, lines: list[StartEntry], typed: list[str]) -> None:
    for line, mark in zip(lines, typed, strict=False):
        await enter(db, line, mark)


async def _flags(db: Database, lines: list[StartEntry]) -> list[str | None]:
    by_id = {line.id: line.record_flag for line in await lines_of(db, lines[0].event_id)}
    return [by_id[line.id] for line in lines]


async def _live_claims(db: Database) -> list[tuple[str, str, str]]:
    """(mark, flag, holder) of every pending claim of men's 100 m, as the archive shows them."""
    (standing,) = [r for r in await records.standing_records(db, "athletics") if r.code == "ATH-100M-M"]
    return sorted((p.shown, p.mark.flag, p.mark.holder) for p in standing.pending)


async def test_rejecting_a_pending_claim_claims_the_later_result_that_beat_the_standing_record(
    demo_db: Database, demo: DemoMeet
) -> None:
    a, b, c, _ = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, [a, b, c], ["12.50", "12.60", "12.90"])
    assert await _flags(demo_db, [a, b, c]) == ["record", None, None]  # 12.60 hidden by the pending 12.50
    rejected = await records.reject(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, a)).id, "超风速")
    assert rejected.reclaimed == 1
    # 12.60 beat the ratified 12.81 when it was run; 12.90 never beat anything.
    assert await _flags(demo_db, [a, b, c]) == [None, "record", None]
    assert await _live_claims(demo_db) == [("12.60", "record", b.name)]
    claim = await claim_of(demo_db, b)
    assert claim.set_on == records.local_date(claim.created_at)  # dated the day it was run
    assert (await records.standing_for(demo_db, await _event(demo_db, a.event_id))).shown == "12.81"
    async with demo_db.read() as session:
        summaries = (await session.scalars(select(AuditLog.summary).where(AuditLog.action == "record_claim"))).all()
    assert summaries == [f"{a.name} 的 12.50 被否决,补记破纪录(待批准):「男子100米」{b.name} 12.60"]


@pytest.mark.parametrize(
    ("typed", "flags"),
    [
        # 12.70 then 12.60: each broke the record as it stood when it was run
        (["12.50", "12.70", "12.60", "12.75"], [None, "record", "record", None]),
        # 12.60 then 12.70: 12.70 came after 12.60 and beat nothing
        (["12.50", "12.60", "12.70", "12.60"], [None, "record", None, "equal"]),
        # level with the ratified 12.81: an equalled record, then nothing to equal any more
        (["12.50", "12.81", "12.95", "12.81"], [None, "equal", None, "equal"]),
    ],
)
async def test_the_results_a_rejected_claim_hid_are_judged_in_the_order_they_were_entered(
    demo_db: Database, demo: DemoMeet, typed: list[str], flags: list[str | None]
) -> None:
    lines = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, lines, typed)
    assert (await _flags(demo_db, lines))[1:] == [None, None, None]
    await records.reject(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, lines[0])).id, "超风速")
    assert await _flags(demo_db, lines) == flags
    expected = [(typed[i], flags[i], lines[i].name) for i in range(4) if flags[i]]
    assert await _live_claims(demo_db) == sorted(expected)  # type: ignore[arg-type]


async def test_a_correction_that_voids_a_claim_claims_the_later_result_it_hid(demo_db: Database, demo: DemoMeet) -> None:
    a, b, c, _ = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, [a, b, c], ["12.50", "12.60", "12.90"])
    await enter(demo_db, a, "13.05", reason="计时员读错了表")
    assert await _flags(demo_db, [a, b, c]) == [None, "record", None]
    assert await _live_claims(demo_db) == [("12.60", "record", b.name)]


async def test_a_ratified_claim_hides_later_results_and_nothing_is_brought_forward(demo_db: Database, demo: DemoMeet) -> None:
    a, b, *_ = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, [a, b], ["12.50", "12.60"])
    ratified = await records.ratify(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, a)).id)
    assert ratified.reclaimed == 0
    assert await _flags(demo_db, [a, b]) == ["record", None] and await _live_claims(demo_db) == []


async def test_a_claim_level_with_a_rejected_claim_reads_as_the_record_it_broke(demo_db: Database, demo: DemoMeet) -> None:
    # b's 12.50 only equalled a's pending 12.50; with a's rejected, b broke the ratified 12.81.
    a, b, *_ = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, [a, b], ["12.50", "12.50"])
    assert await _flags(demo_db, [a, b]) == ["record", "equal"]
    rejected = await records.reject(demo_db, demo.actor("caipan1"), (await claim_of(demo_db, a)).id, "超风速")
    assert rejected.reclaimed == 0  # b's claim stands; only what it reads as changes
    assert await _flags(demo_db, [a, b]) == [None, "record"]
    (standing,) = [r for r in await records.standing_records(demo_db, "athletics") if r.code == "ATH-100M-M"]
    assert [(p.shown, p.flag, p.flag_label) for p in standing.pending] == [("12.50", "record", "破纪录")]
    async with demo_db.read() as session:
        summary = await session.scalar(select(AuditLog.summary).where(AuditLog.action == "record_claim"))
    assert summary == f"{a.name} 的 12.50 被否决,「男子100米」{b.name} 12.50 由平纪录改为破纪录(待批准)"


async def test_a_claim_brought_forward_keeps_its_place_in_the_history(demo_db: Database, demo: DemoMeet) -> None:
    # 12.70 is hidden by the pending 12.50; 12.40 beats 12.50 and is claimed at once. Rejecting
    # 12.50 claims 12.70 after 12.40's claim was written, but 12.70 was run first: once both are
    # ratified the history reads 12.70 破纪录 (of 12.81), then 12.40 破纪录 (of 12.70).
    a, b, c, _ = await published_final(demo_db, demo)
    await _enter_in_order(demo_db, [a, b, c], ["12.50", "12.70", "12.40"])
    chief = demo.actor("caipan1")
    await records.reject(demo_db, chief, (await claim_of(demo_db, a)).id, "超风速")
    for line in (c, b):
        await records.ratify(demo_db, chief, (await claim_of(demo_db, line)).id)
    history = await records.event_history(demo_db, "ATH-100M-M")
    assert [(h.shown, h.label, h.state) for h in history.lines[-3:]] == [
        ("12.50", "破纪录", "rejected"),
        ("12.70", "破纪录", "ratified"),
        ("12.40", "破纪录", "ratified"),
    ]
    assert [h.mark.holder for h in history.standing.holders] == [c.name]


# Decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["lingdui1", "caipan2"])
async def test_leaders_and_plain_referees_may_not_decide_on_records(demo_db: Database, demo: DemoMeet, username: str) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.60")
    claim = await claim_of(demo_db, a)
    actor = demo.actor(username)
    with pytest.raises(Forbidden, match="裁判长"):
        await records.ratify(demo_db, actor, claim.id)
    with pytest.raises(Forbidden):
        await records.reject(demo_db, actor, claim.id, "不行")
    with pytest.raises(Forbidden):
        await records.pending_claims(demo_db, actor)
    async with demo_db.read() as session:
        assert await session.scalar(select(RecordDecision).where(RecordDecision.record_mark_id == claim.id)) is None


@pytest.mark.parametrize("username", ["caipan1", "zuweihui"])
async def test_the_chief_referee_and_organisers_ratify_once_and_it_is_audited(demo_db: Database, demo: DemoMeet, username: str) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.60")
    claim = await claim_of(demo_db, a)
    actor = demo.actor(username)
    assert [c.line.mark.id for c in await records.pending_claims(demo_db, actor)] == [claim.id]
    line = await records.ratify(demo_db, actor, claim.id)
    assert line.state == "ratified" and line.decision is not None
    assert line.decision.decided_by == actor.user_id and line.decision.decided_by_name == actor.display_name
    with pytest.raises(Conflict, match="只能决定一次"):
        await records.ratify(demo_db, actor, claim.id)
    with pytest.raises(Conflict, match="只能决定一次"):
        await records.reject(demo_db, actor, claim.id, "再议")
    async with demo_db.read() as session:
        audit_row = await session.scalar(select(AuditLog).where(AuditLog.action == "record_ratify"))
        assert await session.scalar(
            select(func.count()).select_from(RecordDecision).where(RecordDecision.record_mark_id == claim.id)
        ) == 1
    assert audit_row is not None and "12.60" in audit_row.summary and audit_row.actor_id == actor.user_id
    assert (await records.standing_for(demo_db, await _event(demo_db, demo.event_ids["ATH-100M-M"]))).shown == "12.60"
    assert not await records.pending_claims(demo_db, actor)


async def test_a_rejection_needs_a_reason_and_keeps_the_mark_in_the_history(demo_db: Database, demo: DemoMeet) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.60")
    claim = await claim_of(demo_db, a)
    chief = demo.actor("caipan1")
    with pytest.raises(DomainError, match="理由"):
        await records.reject(demo_db, chief, claim.id, "   ")
    line = await records.reject(demo_db, chief, claim.id, "超风速 +2.6 米/秒")
    assert line.state == "rejected" and line.decision is not None and line.decision.reason == "超风速 +2.6 米/秒"
    history = await records.event_history(demo_db, "ATH-100M-M")
    assert history.standing.shown == "12.81"
    assert [line.state for line in history.lines][-1] == "rejected"
    async with demo_db.read() as session:
        audit_row = await session.scalar(select(AuditLog).where(AuditLog.action == "record_reject"))
    assert audit_row is not None and audit_row.reason == "超风速 +2.6 米/秒"


async def test_the_database_refuses_a_second_decision_and_a_rejection_without_reason(demo_db: Database) -> None:
    async with demo_db.read() as session:
        mark_id = await session.scalar(select(RecordMark.id).order_by(RecordMark.id).limit(1))
    with pytest.raises(DBAPIError):
        async with demo_db.write() as session:
            session.add(RecordDecision(record_mark_id=mark_id, decision="ratified", decided_by_name="x"))
    async with demo_db.write() as session:
        mark = RecordMark(
            event_code="ATH-100M-M", event_name="男子100米", sport="athletics", kind="time", timing="electronic",
            lower_is_better=True, value=12_000, holder="某人", set_on=dt.date(2026, 1, 1), source="import",
        )
        session.add(mark)
    with pytest.raises(DBAPIError):
        async with demo_db.write() as session:
            session.add(RecordDecision(record_mark_id=mark.id, decision="rejected", reason="", decided_by_name="x"))


async def test_deciding_on_an_unknown_mark_is_not_found(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(NotFound):
        await records.ratify(demo_db, demo.actor("caipan1"), 999_999)


# The chief referee -----------------------------------------------------------------------------


async def test_organisers_make_a_referee_the_chief_referee(demo_db: Database, demo: DemoMeet) -> None:
    caipan2 = demo.user_ids["caipan2"]
    with pytest.raises(Forbidden):
        await records.set_chief_referee(demo_db, demo.actor("caipan1"), caipan2, True)
    await records.set_chief_referee(demo_db, demo.actor("zuweihui"), caipan2, True)
    actor = await accounts.actor_for_token(demo_db, demo.tokens["caipan2"])
    assert actor is not None and actor.is_chief_referee
    assert await records.pending_claims(demo_db, actor) == []
    # A leader cannot be made chief referee.
    await records.set_chief_referee(demo_db, demo.actor("zuweihui"), demo.user_ids["lingdui1"], True)
    leader = await accounts.actor_for_token(demo_db, demo.tokens["lingdui1"])
    assert leader is not None and not leader.is_chief_referee
    await records.set_chief_referee(demo_db, demo.actor("zuweihui"), caipan2, False)
    assert not (await accounts.actor_for_token(demo_db, demo.tokens["caipan2"])).is_chief_referee  # type: ignore[union-attr]


def test_only_the_chief_referee_among_referees_may_ratify() -> None:
    Actor(1, "referee", is_chief_referee=True).require_chief_referee()
    Actor(2, "organiser").require_chief_referee()
    for actor in (Actor(3, "referee"), Actor(4, "leader", team_id=1), Actor(None, None), Actor(5, "leader", is_chief_referee=True)):
        with pytest.raises(Forbidden):
            actor.require_chief_referee()
