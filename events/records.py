"""The standing-records archive (大会纪录): an event code's records across yearly meets.

- A record belongs to an event code (Event.code), shared by the same event in every meet.
- Its history is kept forever: record_mark and record_decision are append-only, and the
  database refuses UPDATE and DELETE on both.
- The standing record is the best ratified mark (co-holders when a record was equalled).
- A result that beats or equals the best known mark — ratified, or pending and still the
  current version of its result — is flagged at once (破纪录 / 平纪录) and becomes a pending
  record mark until the chief referee (裁判长) ratifies or rejects it.
- An event code with no record yet flags nothing: its first record comes from the archive
  import or from a ratified result.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events.measures import is_better, measure_of
from events.models import Event, MarkResult, Meet, RecordDecision, RecordMark, RecordSource, StartEntry
from scheduling.marks import Measure

Flag = Literal["record", "equal"]
FLAG_LABELS = {"record": "破纪录", "equal": "平纪录"}


def _ratified() -> object:
    return exists().where(RecordDecision.record_mark_id == RecordMark.id, RecordDecision.decision == "ratified")


def _undecided() -> object:
    return ~exists().where(RecordDecision.record_mark_id == RecordMark.id)


def _still_current() -> object:
    """A pending mark from a result counts only while that result is its entrant's latest version."""
    return or_(
        RecordMark.source == RecordSource.IMPORT,
        exists().where(
            MarkResult.id == RecordMark.mark_result_id,
            StartEntry.id == MarkResult.start_entry_id,
            StartEntry.version == MarkResult.version,
        ),
    )


async def best_known(session: AsyncSession, event_code: str, measure: Measure) -> int | None:
    """The best mark a new result must beat: ratified records and live pending ones."""
    order = RecordMark.value.asc() if measure.lower_wins else RecordMark.value.desc()
    return await session.scalar(
        select(RecordMark.value)
        .where(RecordMark.event_code == event_code, or_(_ratified(), and_(_undecided(), _still_current())))
        .order_by(order)
        .limit(1)
    )


def flag_for(measure: Measure, value: int | None, best: int | None) -> Flag | None:
    if value is None or best is None:
        return None
    if is_better(measure, value, best):
        return "record"
    return "equal" if value == best else None


async def flag_result(session: AsyncSession, event: Event, value: int | None) -> Flag | None:
    """破纪录 / 平纪录 for a mark about to be entered in ``event``, or None."""
    if value is None:
        return None
    measure = measure_of(event)
    return flag_for(measure, value, await best_known(session, event.code, measure))


async def claim_for_result(
    session: AsyncSession, event: Event, meet: Meet, line: StartEntry, result: MarkResult, holder_note: str = ""
) -> Flag | None:
    """Write the pending record mark for a flagged result (``result.record_flag``, from
    :func:`flag_result` in the same transaction). Called inside the result's own transaction."""
    measure = measure_of(event)
    flag = result.record_flag
    if flag is None or result.value is None:
        return None
    session.add(
        RecordMark(
            event_code=event.code,
            event_name=event.name,
            sport=event.sport,
            kind=measure.kind,
            timing=measure.timing if measure.kind == "time" else None,
            lower_is_better=measure.lower_wins,
            value=result.value,
            flag=flag,
            holder=line.name,
            team_name=line.team_name,
            meet_name=meet.name,
            meet_id=meet.id,
            set_on=(result.submitted_at.date() if result.submitted_at else meet.starts_on),
            source=RecordSource.RESULT,
            mark_result_id=result.id,
            note=holder_note,
            created_by=result.submitted_by,
        )
    )
    return flag
