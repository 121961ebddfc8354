"""A meeting series whose rule or first date changes never loses a meeting already recorded:
a held meeting (or one with minutes) that the new rule no longer gives stays on the series'
schedule, on the calendar and in the feed with its UID, and can still be opened."""

from __future__ import annotations

import datetime as dt

from events import pairings
from events.calendar_items import local
from events.db import Database
from events.pairings import PairingInput, RecordInput, SeriesInput
from tests.support import ORGANISER, DemoMeet

LATER = dt.datetime(2027, 6, 1, 12, 0)


async def test_a_rule_change_keeps_recorded_meetings_and_drops_unrecorded_ones(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pairing = await pairings.save_pairing(
        demo_db, actor, PairingInput(name="四车间联手兴家", model_unit="四车间", starts_on="2027-01-01", ends_on="2027-12-31")
    )
    monthly = SeriesInput(kind="monthly", preset="monthly", starts_on="2027-01-10", start_time="09:00", duration_minutes="90")
    series = await pairings.save_series(demo_db, actor, pairing.id, monthly)
    jan, feb, mar = dt.datetime(2027, 1, 10, 9), dt.datetime(2027, 2, 10, 9), dt.datetime(2027, 3, 10, 9)
    await pairings.record_occurrence(demo_db, actor, series.id, jan, RecordInput(minutes="一月会办纪要"), now=LATER)
    await pairings.record_occurrence(demo_db, actor, series.id, feb, RecordInput(minutes="二月纪要草稿", held=""), now=LATER)
    await pairings.cancel_occurrence(demo_db, actor, series.id, mar, "停电", now=LATER)
    # From now on the 20th of each month: the 10th no longer falls on the rule.
    moved_rule = SeriesInput(kind="monthly", preset="monthly", starts_on="2027-01-20", start_time="09:00", duration_minutes="90")
    await pairings.save_series(demo_db, actor, pairing.id, moved_rule, series.id)

    _, _, views = await pairings.series_schedule(demo_db, actor, series.id, now=LATER)
    by_original = {v.occurrence.original_start: v for v in views}
    assert by_original[jan].status == "held" and by_original[jan].row.minutes == "一月会办纪要"  # type: ignore[union-attr]
    assert feb in by_original  # minutes recorded, not yet marked held: kept too
    assert mar not in by_original  # only a cancellation, nothing recorded: gone with its rule date
    assert dt.datetime(2027, 1, 20, 9) in by_original and dt.datetime(2027, 3, 20, 9) in by_original

    _, view = await pairings.get_occurrence(demo_db, actor, series.id, jan, now=LATER)
    assert view.status == "held" and view.occurrence.start == jan

    async with demo_db.read() as session:
        items = await pairings.pairing_calendar_items(session, actor, local(dt.datetime(2027, 1, 1)), local(dt.datetime(2027, 2, 1)))
    mine = sorted((i.uid, i.start.date().isoformat(), i.status) for i in items if i.groups == (f"pairing:{pairing.id}",))
    assert mine == [
        (f"pairing-meeting-{series.id}-20270110T0900@zhijia", "2027-01-10", "done"),
        (f"pairing-meeting-{series.id}-20270120T0900@zhijia", "2027-01-20", "confirmed"),
    ]
    report = await pairings.activity_counts(demo_db, actor)
    assert next(r for r in report.rows if r.pairing.id == pairing.id).total == 1
