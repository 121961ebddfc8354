"""联手兴家 pairings and meetings (events.pairings) on SQLite and PostgreSQL, with the demo pairing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from events import pairings
from events.activity_models import MeetingOccurrence, PartnerLevelChange
from events.calendar_items import CalendarItem
from events.db import Database
from events.demo_activities import DEMO_PAIRING_NAME
from events.errors import DomainError, Forbidden, NotFound
from events.models import AuditLog
from events.pairings import LevelInput, MoveInput, PairingInput, PartnerInput, RecordInput, SeriesInput
from tests.support import LEADER, ORGANISER, REFEREE, DemoMeet

NOW = dt.datetime(2027, 3, 15, 12, 0)


async def _audit(db: Database, action: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0


async def _pairing(db: Database, demo: DemoMeet, name: str = "二车间联手兴家") -> int:
    actor = demo.actor(ORGANISER)
    pairing = await pairings.save_pairing(
        db, actor, PairingInput(name=name, model_unit="二车间", starts_on="2027-01-01", ends_on="2027-12-31", goals="达到合格")
    )
    return pairing.id


async def _monthly(db: Database, demo: DemoMeet, pairing_id: int) -> int:
    series = await pairings.save_series(
        db, demo.actor(ORGANISER), pairing_id,
        SeriesInput(kind="monthly", preset="monthly", starts_on="2027-01-10", start_time="09:00", duration_minutes="90"),
    )
    return series.id


async def test_demo_pairing_has_a_year_of_meetings_with_one_moved_one_cancelled_one_overdue(demo_db: Database, demo: DemoMeet) -> None:
    summaries = await pairings.list_pairings(demo_db, demo.actor(ORGANISER))
    (s,) = [s for s in summaries if s.pairing.name == DEMO_PAIRING_NAME]
    assert [p.unit for p in s.partners] == ["三车间", "机修车间"]
    assert (s.pairing.ends_on - s.pairing.starts_on).days in range(364, 367)
    assert len(s.overdue) == 1 and s.overdue[0].series.kind == "monthly"
    assert s.held_total >= 6
    page = await pairings.pairing_page(demo_db, demo.actor(ORGANISER), s.pairing.id)
    assert {v.series.kind for v in page.series} == {"monthly", "quarterly", "half_yearly", "exchange"}
    statuses = [v.status for v in page.recent if v.series.kind == "monthly"]
    assert statuses.count("cancelled") == 1 and statuses.count("overdue") == 1
    assert sum(v.occurrence.moved for v in page.recent) == 1
    third = next(p for p in page.partners if p.partner.unit == "三车间")
    assert third.partner.level == "合格" and [(h.from_level, h.to_level) for h in third.history] == [("未达标", "合格"), (None, "未达标")]


async def test_pairings_are_for_organisers_only(demo_db: Database, demo: DemoMeet) -> None:
    for username in (LEADER, REFEREE):
        with pytest.raises(Forbidden):
            await pairings.list_pairings(demo_db, demo.actor(username))
        with pytest.raises(Forbidden):
            await pairings.save_pairing(demo_db, demo.actor(username), PairingInput(name="x", model_unit="y", starts_on="2027-01-01", ends_on="2027-02-01"))
        async with demo_db.read() as session:
            assert await pairings.pairing_calendar_items(
                session, demo.actor(username), dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
            ) == []


async def test_pairing_input_is_checked_with_chinese_messages(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as bad:
        await pairings.save_pairing(demo_db, actor, PairingInput(name="", model_unit="一车间", starts_on="2027-05-01", ends_on="2027-04-01"))
    assert bad.value.problems == {"name": "请填写结对名称", "ends_on": "结束日期不能早于开始日期"}
    await _pairing(demo_db, demo)
    with pytest.raises(DomainError, match="已有名为"):
        await _pairing(demo_db, demo)


async def test_partner_level_changes_keep_their_history_and_are_audited(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    partner = await pairings.add_partner(demo_db, actor, pid, PartnerInput(unit="财务部", level="未达标"))
    with pytest.raises(DomainError, match="已是该结对的联手单位"):
        await pairings.add_partner(demo_db, actor, pid, PartnerInput(unit="财务部"))
    with pytest.raises(DomainError, match="不能是模范职工之家单位本身"):
        await pairings.add_partner(demo_db, actor, pid, PartnerInput(unit="二车间"))
    await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="合格", changed_on="2027-03-25", note="季考评"))
    await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="模范", changed_on="2027-12-20"))
    with pytest.raises(DomainError, match="已是「模范」"):
        await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="模范", changed_on="2027-12-21"))
    with pytest.raises(DomainError):
        await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="优秀", changed_on="2027-12-21"))
    page = await pairings.pairing_page(demo_db, actor, pid)
    (view,) = page.partners
    assert view.partner.level == "模范"
    assert [(h.from_level, h.to_level) for h in view.history] == [("合格", "模范"), ("未达标", "合格"), (None, "未达标")]
    assert await _audit(demo_db, "pairing_partner_level") >= 2


async def test_history_rows_refuse_a_change_to_the_same_level(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    partner = await pairings.add_partner(demo_db, actor, pid, PartnerInput(unit="财务部"))
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            session.add(PartnerLevelChange(partner_id=partner.id, from_level="合格", to_level="合格", note="", changed_on=dt.date(2027, 1, 1)))


async def test_series_from_presets_and_any_rrule_and_bad_rules_in_chinese(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    quarterly = await pairings.save_series(
        demo_db, actor, pid, SeriesInput(kind="quarterly", starts_on="2027-03-25", start_time="14:30", duration_minutes="120")
    )
    assert (quarterly.rule, quarterly.title) == ("FREQ=MONTHLY;INTERVAL=3", "季考评")
    _, _, views = await pairings.series_schedule(demo_db, actor, quarterly.id, now=NOW)
    assert [v.occurrence.start.date().isoformat() for v in views] == ["2027-03-25", "2027-06-25", "2027-09-25", "2027-12-25"]
    custom = await pairings.save_series(
        demo_db, actor, pid,
        SeriesInput(kind="joint", preset="custom", rule="FREQ=MONTHLY;BYDAY=1MO;BYMONTH=1,7", starts_on="2027-01-04", start_time="10:00"),
    )
    _, _, views = await pairings.series_schedule(demo_db, actor, custom.id, now=NOW)
    assert [v.occurrence.start for v in views] == [dt.datetime(2027, 1, 4, 10), dt.datetime(2027, 7, 5, 10)]
    with pytest.raises(DomainError) as bad:
        await pairings.save_series(demo_db, actor, pid, SeriesInput(kind="joint", preset="custom", rule="FREQ=SOMETIMES", starts_on="2027-01-04"))
    assert "rule" in bad.value.problems and "规则" in bad.value.problems["rule"]
    with pytest.raises(DomainError, match="结对期内"):
        await pairings.save_series(demo_db, actor, pid, SeriesInput(kind="monthly", starts_on="2026-12-10"))


async def test_move_cancel_and_record_one_occurrence(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    feb, mar, apr = dt.datetime(2027, 2, 10, 9), dt.datetime(2027, 3, 10, 9), dt.datetime(2027, 4, 10, 9)
    await pairings.move_occurrence(demo_db, actor, sid, feb, MoveInput(day="2027-02-12", start_time="14:00", end_time="15:00"), now=NOW)
    await pairings.cancel_occurrence(demo_db, actor, sid, mar, "与季考评合并", now=NOW)
    with pytest.raises(DomainError, match="取消原因"):
        await pairings.cancel_occurrence(demo_db, actor, sid, apr, " ", now=NOW)
    with pytest.raises(NotFound):  # not a time the rule gives
        await pairings.cancel_occurrence(demo_db, actor, sid, dt.datetime(2027, 4, 11, 9), "x", now=NOW)
    with pytest.raises(DomainError, match="尚未开始"):
        await pairings.record_occurrence(demo_db, actor, sid, apr, RecordInput(minutes="纪要"), now=NOW)
    with pytest.raises(DomainError, match="会议纪要"):
        await pairings.record_occurrence(demo_db, actor, sid, feb, RecordInput(minutes=""), now=NOW)
    await pairings.record_occurrence(
        demo_db, actor, sid, feb, RecordInput(minutes="会办三件事", attendance="三家单位", attendee_count="9", outcomes="制度定稿"), now=NOW
    )
    with pytest.raises(DomainError, match="已召开"):
        await pairings.cancel_occurrence(demo_db, actor, sid, feb, "x", now=NOW)
    _, _, views = await pairings.series_schedule(demo_db, actor, sid, now=NOW)
    by_original = {v.occurrence.original_start: v for v in views}
    assert by_original[feb].occurrence.start == dt.datetime(2027, 2, 12, 14) and by_original[feb].status == "held"
    assert by_original[mar].status == "cancelled" and by_original[mar].row.cancel_reason == "与季考评合并"  # type: ignore[union-attr]
    assert by_original[dt.datetime(2027, 1, 10, 9)].status == "overdue"  # past, planned, no minutes
    assert by_original[apr].status == "planned"
    assert [v.status for v in views].count("overdue") == 1
    await pairings.restore_occurrence(demo_db, actor, sid, mar, now=NOW)
    _, view = await pairings.get_occurrence(demo_db, actor, sid, mar, now=NOW)
    assert view.status == "overdue"  # restored, in the past and still without minutes


async def test_counts_of_meetings_held_per_pairing_and_year(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    later = dt.datetime(2028, 1, 1)
    for month in (1, 2, 5):
        await pairings.record_occurrence(demo_db, actor, sid, dt.datetime(2027, month, 10, 9), RecordInput(minutes="纪要"), now=later)
    await pairings.record_occurrence(demo_db, actor, sid, dt.datetime(2027, 6, 10, 9), RecordInput(minutes="草稿", held=""), now=later)
    report = await pairings.activity_counts(demo_db, actor)
    row = next(r for r in report.rows if r.pairing.id == pid)
    assert row.by_year == {2027: 3} and row.by_kind == {"月会办": 3} and row.total == 3
    summaries = await pairings.list_pairings(demo_db, actor, now=later)
    assert next(s for s in summaries if s.pairing.id == pid).held_total == 3


async def test_calendar_items_for_a_window_keep_cancelled_and_moved_ones_with_stable_uids(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    # Moved from January into February; March cancelled.
    await pairings.move_occurrence(demo_db, actor, sid, dt.datetime(2027, 1, 10, 9), MoveInput(day="2027-02-02", start_time="09:00", end_time="10:00"), now=NOW)
    await pairings.cancel_occurrence(demo_db, actor, sid, dt.datetime(2027, 3, 10, 9), "停电", now=NOW)
    from events.calendar_items import local

    async with demo_db.read() as session:
        items = await pairings.pairing_calendar_items(session, actor, local(dt.datetime(2027, 2, 1)), local(dt.datetime(2027, 4, 1)))
    mine = sorted((i for i in items if i.groups == (f"pairing:{pid}",)), key=lambda i: i.start)
    assert [(i.uid, i.start.date().isoformat(), i.status) for i in mine] == [
        (f"pairing-meeting-{sid}-20270110T0900@zhijia", "2027-02-02", "confirmed"),
        (f"pairing-meeting-{sid}-20270210T0900@zhijia", "2027-02-10", "confirmed"),
        (f"pairing-meeting-{sid}-20270310T0900@zhijia", "2027-03-10", "cancelled"),
    ]
    assert mine[0].sequence == 1 and mine[1].sequence == 0 and not mine[0].private
    assert all(i.start.utcoffset() == dt.timedelta(hours=8) for i in mine)
    await pairings.save_series(
        demo_db, actor, pid, SeriesInput(kind="monthly", preset="monthly", starts_on="2027-01-10", start_time="09:00", duration_minutes="60"), sid
    )
    async with demo_db.read() as session:
        again = await pairings.pairing_calendar_items(session, actor, local(dt.datetime(2027, 2, 1)), local(dt.datetime(2027, 4, 1)))
    assert {i.uid: i.sequence for i in again if i.groups == (f"pairing:{pid}",)} == {
        mine[0].uid: 2, mine[1].uid: 1, mine[2].uid: 2,
    }


async def test_materialised_occurrences_follow_every_change_and_the_clock(
    demo_db: Database, demo: DemoMeet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The calendar keeps a series' occurrences for a window under the rows they come from: a
    recorded meeting, a move or an edit shows at once, and a meeting becomes overdue when its
    time passes even though nothing was written."""
    from events.calendar_items import local

    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    window = (local(dt.datetime(2027, 2, 1)), local(dt.datetime(2027, 3, 1)))

    async def february(now: dt.datetime) -> CalendarItem:
        monkeypatch.setattr(pairings, "now_local", lambda: now)
        async with demo_db.read() as session:
            items = await pairings.pairing_calendar_items(session, actor, *window)
        (item,) = [i for i in items if i.groups == (f"pairing:{pid}",)]
        return item

    before = await february(dt.datetime(2027, 2, 10, 8, 59))
    assert "已过会议时间" not in before.description
    assert "已过会议时间" in (await february(dt.datetime(2027, 2, 10, 9, 1))).description
    hits = pairings._series_calendar.cache_info().hits  # noqa: SLF001
    assert (await february(dt.datetime(2027, 2, 10, 8, 59))) == before  # kept, and still as it was
    assert pairings._series_calendar.cache_info().hits > hits  # noqa: SLF001
    await pairings.move_occurrence(
        demo_db, actor, sid, dt.datetime(2027, 2, 10, 9), MoveInput(day="2027-02-11", start_time="14:00", end_time="15:00"), now=NOW
    )
    moved = await february(dt.datetime(2027, 2, 10, 9, 1))
    assert moved.start == local(dt.datetime(2027, 2, 11, 14)) and "改期" in moved.description and moved.sequence == before.sequence + 1
    await pairings.record_occurrence(
        demo_db, actor, sid, dt.datetime(2027, 2, 10, 9), RecordInput(minutes="会办两件事", held="1"), now=NOW
    )
    held = await february(dt.datetime(2027, 2, 11, 15, 1))
    assert held.status == "done" and "已过会议时间" not in held.description and held.sequence == moved.sequence + 1


async def test_occurrence_rows_are_unique_per_series_and_start(demo_db: Database, demo: DemoMeet) -> None:
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            for _ in range(2):
                session.add(MeetingOccurrence(series_id=sid, original_start=dt.datetime(2027, 1, 10, 9), status="planned",
                                              cancel_reason="", minutes="", attendance="", outcomes="", sequence=0))
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            session.add(MeetingOccurrence(series_id=sid, original_start=dt.datetime(2027, 1, 10, 9), status="cancelled",
                                          cancel_reason="", minutes="", attendance="", outcomes="", sequence=0))


async def test_a_meeting_cannot_be_moved_outside_the_pairing_period(demo_db: Database, demo: DemoMeet) -> None:
    # moved out of 2027 it would fall out of every view of the pairing and silently vanish
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    nov = dt.datetime(2027, 11, 10, 9)
    moves = await _audit(demo_db, "meeting_move")
    with pytest.raises(DomainError, match="结对期为 2027-01-01 至 2027-12-31,不能把会议改到 2028-01-05"):
        await pairings.move_occurrence(demo_db, actor, sid, nov, MoveInput(day="2028-01-05", start_time="09:00", end_time="10:00"), now=NOW)
    await pairings.move_occurrence(demo_db, actor, sid, nov, MoveInput(day="2027-12-31", start_time="09:00", end_time="10:00"), now=NOW)
    assert await _audit(demo_db, "meeting_move") == moves + 1


async def test_a_level_is_dated_inside_the_pairing_and_after_the_latest_change(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    partner = await pairings.add_partner(demo_db, actor, pid, PartnerInput(unit="财务部", level="未达标"), on=dt.date(2027, 1, 5))
    with pytest.raises(DomainError, match=r"评定日期须在结对期内\(2027-01-01 至 2027-12-31\)"):
        await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="合格", changed_on="2026-12-20"))
    await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="合格", changed_on="2027-06-30"))
    with pytest.raises(DomainError, match="财务部 最近一次评定在 2027-06-30,新的评定日期不能更早"):
        await pairings.set_partner_level(demo_db, actor, partner.id, LevelInput(level="模范", changed_on="2027-03-31"))


async def test_the_period_cannot_be_shortened_past_a_recorded_or_moved_meeting(demo_db: Database, demo: DemoMeet) -> None:
    # shortened past them, a held meeting or a moved one would vanish from every view of the pairing
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    held_on = dt.datetime(2027, 2, 10, 9)
    await pairings.record_occurrence(demo_db, actor, sid, held_on, RecordInput(minutes="议定帮扶事项", held="1"), now=NOW)
    shorter = PairingInput(name="二车间联手兴家", model_unit="二车间", starts_on="2027-03-01", ends_on="2027-12-31")
    with pytest.raises(DomainError, match="月会办 2027-02-10 09:00 已有记录,结对期须包含这一天") as refused:
        await pairings.save_pairing(demo_db, actor, shorter, pid)
    assert refused.value.field == "starts_on"
    await pairings.move_occurrence(demo_db, actor, sid, dt.datetime(2027, 6, 10, 9), MoveInput(day="2027-06-30", start_time="09:00", end_time="10:00"), now=NOW)
    with pytest.raises(DomainError, match="月会办 已改期到 2027-06-30 09:00,结对期须包含这一天"):
        await pairings.save_pairing(demo_db, actor, PairingInput(name="二车间联手兴家", model_unit="二车间", starts_on="2027-01-01", ends_on="2027-06-20"), pid)
    # planned meetings the rule gives simply end with the shorter period
    await pairings.save_pairing(demo_db, actor, PairingInput(name="二车间联手兴家", model_unit="二车间", starts_on="2027-01-01", ends_on="2027-09-30"), pid)
    _, _, views = await pairings.series_schedule(demo_db, actor, sid, now=NOW)
    assert [v.occurrence.start.month for v in views] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


async def test_numbers_in_other_scripts_are_refused_in_chinese_not_an_error(demo_db: Database, demo: DemoMeet) -> None:
    # "²" passes str.isdigit but int() cannot read it
    actor = demo.actor(ORGANISER)
    pid = await _pairing(demo_db, demo)
    sid = await _monthly(demo_db, demo, pid)
    with pytest.raises(DomainError, match="出席人数应为 0–10000 之间的整数"):
        await pairings.record_occurrence(demo_db, actor, sid, dt.datetime(2027, 2, 10, 9), RecordInput(minutes="纪要", attendee_count="²"), now=NOW)
    with pytest.raises(DomainError, match="时长"):
        await pairings.save_series(demo_db, actor, pid, SeriesInput(kind="monthly", starts_on="2027-01-10", duration_minutes="9²"))
