"""Marks from referees (成绩录入) for timed and measured events: read as typed, versioned,
idempotent, append-only, and checked against the records archive at once.

The same rules as match results (events.match_results):
- every submission carries an idempotency key: a repeat from a tablet on poor Wi-Fi returns
  the stored mark and never writes a second row;
- every start-list line has a version (its number of marks); a submission names the version
  its referee saw, and a stale one is refused (409) showing both marks;
- marks are append-only (the database refuses UPDATE and DELETE on mark_result): a correction
  is a new version with who, when and why. A status (DNS, DNF, DQ, NM) needs a reason too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer

from events import audit, records
from events.actors import Actor
from events.db import Database
from events.errors import ChangedSinceSent, Conflict, DomainError, Forbidden, NotFound
from events.measures import measure_of, shown
from events.models import Event, Heat, MarkResult, Meet, RaceRound, RoundStatus, Sport, StartEntry
from scheduling.marks import STATUS_LABELS, Mark, MarkError, Measure, parse_mark, status_mark
from scheduling.plausibility import band, race_distance

STATUSES = tuple(STATUS_LABELS)
LaterRound = aliased(RaceRound)


class MarkInput(msgspec.Struct):
    idempotency_key: str
    version: int  # the line's version the referee's form was made from
    mark: str = ""  # as typed: 11.23, 11"23, 4:05.67, 5.23, 36, or a status word (犯规, DNS …)
    status: str | None = None  # DNS / DNF / DQ / NM, chosen instead of typing
    reason: str = ""
    clear: bool = False  # take a mark off a line it was entered on by mistake
    confirm: bool = False  # the referee checked a mark outside its event's plausible band


class Implausible(DomainError):
    """A mark no staff member could make (a slipped digit): saved only once the referee confirms."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message, field="mark")


class StaleMark(Conflict):
    """Another mark arrived for this line after the referee opened the form."""

    def __init__(self, name: str, current: str, submitted: str, version: int) -> None:
        super().__init__(f"{name} 的成绩已被更新为「{current}」,您提交的是「{submitted}」。请核对后重新提交。")
        self.current = current
        self.submitted = submitted
        self.version = version


@dataclass
class Entered:
    result: MarkResult
    line: StartEntry
    created: bool  # False: a repeat of a submission already stored


def _may_enter(actor: Actor, event: Event) -> None:
    if actor.is_organiser:
        return
    if actor.is_referee and actor.can_referee(event.id, event.venue_id):
        return
    raise Forbidden("只有该项目(或场地)的裁判和组委会可以录入成绩")


def read_mark(event: Event, data: MarkInput) -> Mark | None:
    """The mark the referee gave, None for a clear; Chinese messages for what cannot be read."""
    measure = measure_of(event)
    if data.clear:
        return None
    if data.status:
        if data.status not in STATUSES:
            raise DomainError("成绩状态无效", field="status")
        mark = status_mark(data.status, measure)  # type: ignore[arg-type]
    else:
        try:
            mark = parse_mark(data.mark, measure)
        except MarkError as exc:
            raise DomainError(str(exc), field="mark") from exc
    if mark.status is not None and not data.reason.strip():
        raise DomainError(f"「{STATUS_LABELS[mark.status]}」须注明原因(如 {STATUS_REASONS[mark.status]})", field="reason")
    return mark


# What a referee typically writes for each status, as the hint when the reason is missing.
STATUS_REASONS: dict[str, str] = {
    "DNS": "未检录、弃权、伤病",
    "DNF": "中途退出、伤病",
    "DQ": "抢跑、串道、违例",
    "NM": "各次试跳、试掷均无效",
}


async def enter_mark(db: Database, actor: Actor, line_id: int, data: MarkInput) -> Entered:
    if not data.idempotency_key or len(data.idempotency_key) > 64:
        raise DomainError("提交缺少有效的防重复编号,请刷新页面后重试")
    try:
        return await _enter(db, actor, line_id, data)
    except IntegrityError:
        # The same submission raced itself (two taps, a retry): the first one won.
        async with db.read() as session:
            earlier = await _earlier(session, data, line_id)
        if earlier is None:
            raise
        return earlier


def _typed(data: MarkInput) -> str:
    """What the referee typed, as stored beside the mark it was read as."""
    return (data.mark or data.status or "")[:40]


async def _earlier(session: AsyncSession, data: MarkInput, line_id: int) -> Entered | None:
    """The result stored under the submission's key: a repeat answers it. A repeat carrying
    another mark (changed on the tablet while its retry waited) is refused, not taken as stored."""
    result = await session.scalar(select(MarkResult).where(MarkResult.idempotency_key == data.idempotency_key))
    if result is None:
        return None
    if result.start_entry_id != line_id:
        raise Conflict("该提交编号已用于另一名参赛者的成绩,请刷新页面后重试")
    line = await session.get(StartEntry, line_id)
    assert line is not None
    # the status chosen counts too (a mark typed as "DNS" is stored with a status the form did not send)
    if result.typed.strip() != _typed(data).strip() or (data.status or "") not in ("", result.status or ""):
        event = await session.get(Event, line.event_id)
        assert event is not None
        saved = shown(measure_of(event), result.value, result.status) or "清除成绩"
        raise ChangedSinceSent(saved, _typed(data).strip() or "清除成绩")
    return Entered(result, line, False)


def _line_with_context() -> Select[Any]:
    """The line, its round, event and heat number, the number of any later round, and the id of
    a mark already stored under the submission's idempotency key: one statement."""
    later = (
        select(func.min(LaterRound.number))
        .where(LaterRound.event_id == RaceRound.event_id, LaterRound.number > RaceRound.number)
        .scalar_subquery()
    )
    stored = select(MarkResult.id).where(MarkResult.idempotency_key == bindparam("key")).scalar_subquery()
    return (
        select(StartEntry, RaceRound, Event, Heat.number, later, stored)
        .options(defer(RaceRound.data))  # the engine's record of the draw: large, not needed here
        .join(RaceRound, RaceRound.id == StartEntry.round_id)
        .join(Event, Event.id == StartEntry.event_id)
        .join(Heat, Heat.id == StartEntry.heat_id)
        .where(StartEntry.id == bindparam("line_id"))
    )


_CODE_OF_LINE = select(Event.code).join(StartEntry, StartEntry.event_id == Event.id).where(StartEntry.id == bindparam("line_id"))

# Built once: every mark entered runs it, and a pre-built statement keeps its compiled form and
# cache key instead of being built and keyed again.
_LINE_WITH_CONTEXT = _line_with_context()


async def _enter(db: Database, actor: Actor, line_id: int, data: MarkInput) -> Entered:
    async with db.write() as session:
        # A repeat (a tablet retrying on poor Wi-Fi) returns what was stored. Looked up inside the
        # transaction that would otherwise write, after the line's lock: a twin submission that
        # waited for the lock finds the first one's row instead of a changed version. The event
        # code's turn comes first: a result is judged against the code's record claims, which a
        # rejection elsewhere may be re-judging at this moment (records.lock_code).
        if db.locks_rows:
            code = await session.scalar(_CODE_OF_LINE, {"line_id": line_id})
            if code is not None:
                await records.lock_code(db, session, code)
        await db.lock_rows(session, "start_entry", [line_id])
        found = (await session.execute(_LINE_WITH_CONTEXT, {"line_id": line_id, "key": data.idempotency_key})).first()
        if found is None or found[5] is not None:
            earlier = await _earlier(session, data, line_id)
            if earlier is not None:
                return earlier
        if found is None:
            raise NotFound("检录名单中的参赛者")
        line, race_round, event, heat_number, later_round, _ = found
        _may_enter(actor, event)
        if race_round.status != RoundStatus.PUBLISHED:
            raise DomainError("分组尚未公布,不能录入成绩")
        mark = read_mark(event, data)
        measure = measure_of(event)
        submitted = "清除成绩" if mark is None else shown(measure, mark.value, mark.status)
        unusual = await _outside_band(session, event, measure, mark)
        if unusual and not data.confirm:
            typed = data.mark.strip()
            read_as = f"(读作 {submitted})" if typed != submitted else ""
            raise Implausible(f"成绩「{typed}」{read_as}不像「{event.name}」的成绩({unusual}),请核对;确实无误请勾选「确认无误」后再保存")
        if data.version != line.version:
            raise StaleMark(line.name, shown(measure, line.value, line.status) or "无", submitted, line.version)
        reason = data.reason.strip()
        is_correction = line.version > 0
        if is_correction and not reason:
            raise DomainError("更正已录入的成绩须填写理由", field="reason")
        if mark is None and not is_correction:
            raise DomainError("该参赛者还没有成绩,无需清除")
        if later_round is not None:
            await _refuse_after_next_round(session, event.id, later_round)
        value = mark.value if mark is not None else None
        status = mark.status if mark is not None else None
        line.version += 1
        if is_correction:
            # the new version voids the line's own claim (if any) before anything is judged: the
            # marks that claim hid are claimed first (they are older), then this one is judged
            # against what still counts, never against itself
            await session.flush()
            await records.reclaim(session, actor, event.code, f"{line.name} 的成绩更正为 {submitted}")
        flag = await records.flag_result(session, event, value)
        result = MarkResult(
            start_entry_id=line.id, version=line.version, value=value, status=status,
            typed=_typed(data), reason=reason, record_flag=flag,
            idempotency_key=data.idempotency_key, submitted_by=actor.user_id,
        )
        session.add(result)
        line.value, line.status, line.record_flag = value, status, flag
        await session.flush()
        if flag is not None:
            meet = await session.get(Meet, event.meet_id)
            assert meet is not None
            await records.claim_for_result(session, event, meet, line, result)
        word = "更正" if is_correction else "录入"
        audit.record(
            session, actor, "mark_result",
            f"{word}「{event.name}」{race_round.name}第{heat_number}组 {line.name}:{submitted}"
            + (f"({records.FLAG_LABELS[flag]})" if flag else "")
            + (f"(超出合理范围,裁判已确认:{unusual})" if unusual else ""),
            meet_id=event.meet_id, target=f"start_entry:{line.id}", reason=reason,
        )
    return Entered(result, line, True)


async def _outside_band(session: AsyncSession, event: Event, measure: Measure, mark: Mark | None) -> str:
    """Why a valid mark is implausible for its event ('' when it is not): the band and its basis."""
    if mark is None or mark.value is None:
        return ""
    record = None if race_distance(event.name) and measure.kind == "time" else await records.best_known(session, event.code, measure)
    found = band(measure, event.name, record, athletics=event.sport == Sport.ATHLETICS)
    if found is None or found.holds(mark.value):
        return ""
    return f"合理范围 {shown(measure, found.low, None)}–{shown(measure, found.high, None)},{found.basis}"


async def _refuse_after_next_round(session: AsyncSession, event_id: int, number: int) -> None:
    """A heat mark cannot change once the next round is drawn from it: the field would be wrong."""
    later = await session.scalar(select(RaceRound).where(RaceRound.event_id == event_id, RaceRound.number == number))
    assert later is not None
    if later.status == RoundStatus.DRAFT:
        raise Conflict(f"已根据本轮成绩预排{later.name},请组委会先撤销{later.name}草稿再更正本轮成绩")
    raise Conflict(f"{later.name}已按本轮成绩公布,不能再更改本轮成绩")


async def history(db: Database, line_id: int) -> tuple[StartEntry, Event, list[MarkResult]]:
    async with db.read() as session:
        line = await session.get(StartEntry, line_id)
        if line is None:
            raise NotFound("检录名单中的参赛者")
        event = await session.get(Event, line.event_id)
        assert event is not None
        rows = (
            await session.scalars(
                select(MarkResult).where(MarkResult.start_entry_id == line_id).order_by(MarkResult.version)
            )
        ).all()
    return line, event, list(rows)
