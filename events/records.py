"""The standing-records archive (大会纪录): an event code's records across yearly meets.

- A record belongs to an event code (Event.code), shared by the same event in every meet.
- Its history is kept forever: record_mark and record_decision are append-only, and the
  database refuses UPDATE and DELETE on both.
- The standing record is the best ratified mark (co-holders when a record was equalled).
- A result that beats or equals the best known mark — ratified, or pending and still the
  current version of its result — is flagged at once (破纪录 / 平纪录) and becomes a pending
  record mark until the chief referee (裁判长) ratifies or rejects it. A pending mark whose
  result was corrected since is void (已失效): it no longer counts and cannot be ratified.
- When a pending mark stops counting (rejected, or void by a correction), the code's current
  results are judged again in the order they were entered, each against the marks that count
  and were set before it, in the same transaction, with an audit line (:func:`reclaim`): a
  result the void mark hid that beat or equalled the record as it then stood becomes a pending
  claim and its line is flagged; a live claim written as 平纪录 level with the void mark reads
  破纪录. A rejected mark's line loses its flag. A corrected result is judged after its own old
  claim is void, never against it.
- The history reads in the order the marks were set (day, then the moment a result was
  entered), not the order they were stored: a claim brought forward keeps its place.
- An event code with no record yet flags nothing: its first record comes from the archive
  import or from a ratified result.
- One decision per mark (UNIQUE record_mark_id); a rejection needs a reason (CHECK).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import Conflict, DomainError, NotFound
from events.measures import MARK_KINDS, is_better, measure_of, shown
from events.meets import SHANGHAI
from events.models import (
    Event,
    MarkResult,
    Meet,
    RecordDecision,
    RecordMark,
    RecordSource,
    Role,
    Sport,
    StartEntry,
    UserAccount,
)
from scheduling.marks import Measure

Flag = Literal["record", "equal"]
FLAG_LABELS = {"record": "破纪录", "equal": "平纪录"}
State = Literal["ratified", "rejected", "pending", "lapsed"]
STATE_LABELS = {"ratified": "已批准", "rejected": "已否决", "pending": "待批准", "lapsed": "已失效"}
MAX_REASON = 500


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


def _best_known_statement(lower_wins: bool) -> Select[tuple[int]]:
    order = RecordMark.value.asc() if lower_wins else RecordMark.value.desc()
    return (
        select(RecordMark.value)
        .where(RecordMark.event_code == bindparam("event_code"), or_(_ratified(), and_(_undecided(), _still_current())))
        .order_by(order)
        .limit(1)
    )


# Built once, for either direction: every mark entered is checked against the records, and a
# pre-built statement keeps its compiled form and cache key.
_BEST_KNOWN = {True: _best_known_statement(True), False: _best_known_statement(False)}


async def best_known(session: AsyncSession, event_code: str, measure: Measure) -> int | None:
    """The best mark a new result must beat: ratified records and live pending ones."""
    return await session.scalar(_BEST_KNOWN[measure.lower_wins], {"event_code": event_code})


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


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """The Asia/Shanghai calendar day of a stored (UTC) moment."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).date()


async def claim_for_result(
    session: AsyncSession, event: Event, meet: Meet, line: StartEntry, result: MarkResult, holder_note: str = "",
    flag: str | None = None,
) -> Flag | None:
    """Write the pending record mark for a flagged result (``result.record_flag``, from
    :func:`flag_result` in the same transaction, or ``flag`` when a later judgement found it:
    the result row itself is append-only). Called inside a write transaction."""
    measure = measure_of(event)
    flag = flag or result.record_flag
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
            set_on=local_date(result.submitted_at) or meet.starts_on,
            source=RecordSource.RESULT,
            mark_result_id=result.id,
            note=holder_note,
            created_by=result.submitted_by,
        )
    )
    return flag


# Claims a void mark hid ------------------------------------------------------------------------


async def lock_code(db: Database, session: AsyncSession, event_code: str) -> None:
    """Writers that judge or re-judge an event code's results take turns (PostgreSQL): a result
    entered while a claim it was judged against is being rejected would otherwise be judged
    against the claim, and missed by the rejection's re-judging, which cannot see it yet.
    Taken before any row lock (see Database.lock_name); SQLite has one writer at a time."""
    await db.lock_name(session, f"record_code:{event_code}")


async def reclaim(session: AsyncSession, actor: Actor, event_code: str, why: str) -> int:
    """Re-judge the code's current results, in the order they were entered, once a mark that
    stood in their way no longer counts (rejected, or void by a correction): each against the
    ratified and live marks set before it, as if that mark had never been. A result with no
    claim that is a record now is claimed and its line flagged; a claim that only equalled the
    void mark now reads 破纪录 on its line. ``why`` names the change in the audit lines. The
    result rows are append-only: each keeps the flag it was entered with."""
    counted = await _counted_marks(session, event_code)
    made = 0
    for result, line, event, claim in await _results_to_judge(session, event_code):
        measure = measure_of(event)
        flag = flag_for(measure, result.value, _best_before(measure, counted, result.submitted_at))
        if claim is not None:
            _raise_to_record(session, actor, why, event, line, claim, flag)
            continue
        line.record_flag = flag
        if flag is None:
            continue
        counted.append((result.value, _moment(result.submitted_at)))
        made += await _claim_hidden(session, actor, why, event, line, result, flag)
    await session.flush()
    return made  # the claims made


def _best_before(measure: Measure, counted: list[tuple[int, dt.datetime]], at: dt.datetime) -> int | None:
    """The best counted mark set before ``at``: what a result entered then had to beat."""
    before = [value for value, moment in counted if moment < _moment(at)]
    return (min if measure.lower_wins else max)(before) if before else None


def _raise_to_record(
    session: AsyncSession, actor: Actor, why: str, event: Event, line: StartEntry, claim: RecordMark, flag: Flag | None
) -> None:
    """A claim stays as written (append-only); only an equal that is now a record reads higher."""
    if claim.flag != "equal" or flag != "record" or line.record_flag == "record":
        return
    line.record_flag = "record"
    audit.record(
        session, actor, "record_claim",
        f"{why},「{event.name}」{line.name} {shown(measure_of(event), claim.value, None)} 由平纪录改为破纪录(待批准)",
        meet_id=event.meet_id, target=f"start_entry:{line.id}",
    )


async def _claim_hidden(
    session: AsyncSession, actor: Actor, why: str, event: Event, line: StartEntry, result: MarkResult, flag: Flag
) -> int:
    """Claim a record the void mark hid: 1 when claimed, 0 when another writer claimed it first."""
    meet = await session.get(Meet, event.meet_id)
    assert meet is not None
    try:
        async with session.begin_nested():  # UNIQUE (mark_result_id): a correction elsewhere claimed it first
            await claim_for_result(session, event, meet, line, result, flag=flag)
    except IntegrityError:
        return 0
    audit.record(
        session, actor, "record_claim",
        f"{why},补记{FLAG_LABELS[flag]}(待批准):「{event.name}」{line.name} " + shown(measure_of(event), result.value, None),
        meet_id=event.meet_id, target=f"start_entry:{line.id}",
    )
    return 1


def _moment(at: dt.datetime | dt.date) -> dt.datetime:
    """A mark's place in time: a result's entry moment, an imported record's day (its start)."""
    if isinstance(at, dt.datetime):
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(at, dt.time.min, tzinfo=SHANGHAI)


async def _counted_marks(session: AsyncSession, event_code: str) -> list[tuple[int, dt.datetime]]:
    """(value, moment) of every mark a result must beat: ratified, or pending and current."""
    rows = await session.execute(
        select(RecordMark.value, RecordMark.set_on, MarkResult.submitted_at)
        .outerjoin(MarkResult, MarkResult.id == RecordMark.mark_result_id)
        .where(RecordMark.event_code == event_code, or_(_ratified(), and_(_undecided(), _still_current())))  # type: ignore[arg-type]
    )
    return [(value, _moment(at if at is not None else set_on)) for value, set_on, at in rows.all()]


async def _results_to_judge(session: AsyncSession, event_code: str) -> list[Any]:
    """The code's current marks (each line's latest version, a value), oldest first, with their
    live claim (None when unclaimed). Decided claims are settled: the chief referee saw them."""
    rows = await session.execute(
        select(MarkResult, StartEntry, Event, RecordMark)
        .join(StartEntry, and_(StartEntry.id == MarkResult.start_entry_id, StartEntry.version == MarkResult.version))
        .join(Event, Event.id == StartEntry.event_id)
        .outerjoin(RecordMark, RecordMark.mark_result_id == MarkResult.id)
        .where(Event.code == event_code, MarkResult.value.is_not(None), or_(RecordMark.id.is_(None), _undecided()))  # type: ignore[arg-type]
        .order_by(MarkResult.submitted_at, MarkResult.id)
    )
    return list(rows.all())


async def _unflag(session: AsyncSession, mark: RecordMark) -> None:
    """A rejected claim's result is no record: its line stops showing 破纪录 / 平纪录."""
    result = await session.get(MarkResult, mark.mark_result_id) if mark.mark_result_id is not None else None
    line = await session.get(StartEntry, result.start_entry_id) if result is not None else None
    if result is not None and line is not None and line.version == result.version:
        line.record_flag = None


# Reading the archive ------------------------------------------------------------------------


def mark_measure(mark: RecordMark) -> Measure:
    """How a stored record mark reads: its own kind, timing and direction."""
    return Measure(mark.kind, mark.timing or "electronic", mark.lower_is_better)  # type: ignore[arg-type]


@dataclass
class RecordLine:
    """One mark of an event code's history, with its decision and where it stands."""

    mark: RecordMark
    decision: RecordDecision | None
    current: bool  # an imported mark, or a result claim whose result was not corrected since
    label: str = ""  # 创纪录 / 破纪录 / 平纪录, as the history reads
    standing: bool = False  # part of the standing record (a holder, or a co-holder)
    reclaimed: int = 0  # claims its rejection brought forward (see reclaim)
    flag: str = ""  # record / equal as it reads now (see _label_history); the stored flag by default

    def __post_init__(self) -> None:
        self.flag = self.flag or self.mark.flag

    @property
    def state(self) -> State:
        if self.decision is not None:
            return "ratified" if self.decision.decision == "ratified" else "rejected"
        return "pending" if self.current else "lapsed"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def shown(self) -> str:
        return shown(mark_measure(self.mark), self.mark.value, None)

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS.get(self.flag, "")

    @property
    def source_label(self) -> str:
        return "历史导入" if self.mark.source == RecordSource.IMPORT else "本系统成绩"

    @property
    def decided_on(self) -> dt.date | None:
        return local_date(self.decision.decided_at) if self.decision else None


@dataclass
class StandingRecord:
    """The record of one event code as it stands: the best ratified mark, its holders, and the
    claims waiting for the chief referee."""

    code: str
    name: str
    sport: str
    measure: Measure
    value: int | None = None
    holders: list[RecordLine] = field(default_factory=list)
    pending: list[RecordLine] = field(default_factory=list)
    position: tuple[int, int, str] = (1, 0, "")  # display order: current events first, in programme order

    @property
    def shown(self) -> str:
        return shown(self.measure, self.value, None) if self.value is not None else ""

    @property
    def has_record(self) -> bool:
        return self.value is not None

    @property
    def direction(self) -> str:
        return "少者优" if self.measure.lower_wins else "多者优"


@dataclass
class EventHistory:
    standing: StandingRecord
    lines: list[RecordLine]  # chronological: the day it was set, then the moment (_HISTORY_ORDER)

    @property
    def code(self) -> str:
        return self.standing.code

    @property
    def name(self) -> str:
        return self.standing.name


@dataclass
class CodeEntry:
    code: str
    events: list[tuple[Event, dt.date]] = field(default_factory=list)  # newest meet first
    lines: list[RecordLine] = field(default_factory=list)


# The order the marks were set in, which the history's labels follow. A claim brought forward
# (see reclaim) is written after claims of results run later than its own, so the order it
# was stored in is not enough: within a day, imported marks (no time) first, then results by
# the moment they were entered.
_HISTORY_ORDER = (RecordMark.set_on, MarkResult.submitted_at.is_not(None), MarkResult.submitted_at, RecordMark.id)


async def codes_in_archive(session: AsyncSession, codes: Collection[str] | None = None) -> dict[str, CodeEntry]:
    """Every event code of a timed or measured event, or with a record mark; with its lines."""
    found: dict[str, CodeEntry] = {}
    events = select(Event, Meet.starts_on).join(Meet, Meet.id == Event.meet_id).where(Event.kind.in_([k.value for k in MARK_KINDS]))
    marks = (
        select(RecordMark, RecordDecision, _still_current().label("current"))  # type: ignore[attr-defined]
        .outerjoin(RecordDecision, RecordDecision.record_mark_id == RecordMark.id)
        .outerjoin(MarkResult, MarkResult.id == RecordMark.mark_result_id)
        .order_by(*_HISTORY_ORDER)
    )
    if codes is not None:
        events = events.where(Event.code.in_(list(codes)))
        marks = marks.where(RecordMark.event_code.in_(list(codes)))
    for event, starts_on in (await session.execute(events.order_by(Meet.starts_on.desc(), Meet.id.desc()))).all():
        found.setdefault(event.code, CodeEntry(event.code)).events.append((event, starts_on))
    for mark, decision, current in (await session.execute(marks)).all():
        found.setdefault(mark.event_code, CodeEntry(mark.event_code)).lines.append(RecordLine(mark, decision, bool(current)))
    return found


def code_facts(entry: CodeEntry) -> tuple[str, str, Measure]:
    """Name, sport and measure of an event code: its newest event's, else its newest mark's."""
    if entry.events:
        event = entry.events[0][0]
        return event.name, event.sport, measure_of(event)
    newest = entry.lines[-1].mark
    return newest.event_name, newest.sport, mark_measure(newest)


def _standing(entry: CodeEntry, latest_meet_id: int | None) -> StandingRecord:
    """Label the history and pick the standing record out of it."""
    name, sport, measure = code_facts(entry)
    if entry.events:
        event = entry.events[0][0]
        in_latest = event.meet_id == latest_meet_id
        position = (0 if in_latest else 1, event.position if in_latest else 0, entry.code)
    else:
        position = (2, 0, entry.code)
    record = StandingRecord(entry.code, name, sport, measure, position=position)
    record.value = best = _label_history(entry.lines, measure)
    for line in entry.lines:
        line.standing = line.state == "ratified" and line.mark.value == best
        if line.standing:
            record.holders.append(line)
        elif line.state == "pending":
            record.pending.append(line)
    return record


def _label_history(lines: list[RecordLine], measure: Measure) -> int | None:
    """Label each mark, oldest first, as the history reads it; return the best ratified mark.

    A ratified mark reads against the ratified marks before it. A pending claim reads against
    every mark that counted before it (ratified or live): one written as 平纪录 level with a
    claim since rejected or void reads 破纪录, as its line does (see reclaim)."""
    best: int | None = None  # the record so far
    bar: int | None = None  # what a result had to beat so far: ratified and live marks
    for line in lines:
        value = line.mark.value
        if line.state == "pending" and line.flag == "equal" and bar is not None and is_better(measure, value, bar):
            line.flag = "record"
        if line.state in ("ratified", "pending") and (bar is None or is_better(measure, value, bar)):
            bar = value
        if line.state != "ratified":
            line.label = line.flag_label
            continue
        line.label = _ratified_label(measure, value, best)
        if best is None or is_better(measure, value, best):
            best = value
    return best


def _ratified_label(measure: Measure, value: int, best: int | None) -> str:
    if best is None:
        return "创纪录"
    if value == best:
        return "平纪录"
    return "破纪录" if is_better(measure, value, best) else "纪录"


async def _latest_meet_id(session: AsyncSession) -> int | None:
    return await session.scalar(select(Meet.id).order_by(Meet.starts_on.desc(), Meet.id.desc()).limit(1))


def _sport_of(entry: CodeEntry) -> str:
    return code_facts(entry)[1]


SPORT_ORDER = {sport.value: index for index, sport in enumerate(Sport)}


async def record_sports(db: Database) -> list[str]:
    """The sports that have timed or measured events or records, in the usual order."""
    async with db.read() as session:
        codes = await codes_in_archive(session)
    return sorted({_sport_of(entry) for entry in codes.values()}, key=lambda s: SPORT_ORDER.get(s, 99))


async def standing_records(db: Database, sport: str | None = None) -> list[StandingRecord]:
    """The records of every event code of ``sport`` (all sports when None): the current
    record, its holders and its live pending claims; codes without a record too (no value),
    so the page shows which events still have none. Current events first, in programme order."""
    async with db.read() as session:
        codes = await codes_in_archive(session)
        latest = await _latest_meet_id(session)
    out = [
        _standing(entry, latest)
        for entry in codes.values()
        if sport is None or _sport_of(entry) == sport
    ]
    return sorted(out, key=lambda r: r.position)


async def event_history(db: Database, code: str) -> EventHistory:
    """Every mark ever recorded for an event code, oldest first, with its decision."""
    code = code.strip().upper()
    async with db.read() as session:
        codes = await codes_in_archive(session, [code])
        latest = await _latest_meet_id(session)
    entry = codes.get(code)
    if entry is None:
        raise NotFound("项目代码")
    standing = _standing(entry, latest)
    return EventHistory(standing, entry.lines)


async def standing_for_events(db: Database, events: Iterable[Event]) -> dict[int, StandingRecord]:
    """For results pages: each event's standing record (by its code), keyed by event id.
    An event whose code has no record maps to a StandingRecord without a value."""
    events = list(events)
    if not events:
        return {}
    async with db.read() as session:
        codes = await codes_in_archive(session, {e.code for e in events})
    out: dict[int, StandingRecord] = {}
    for event in events:
        entry = codes.get(event.code)
        # The event itself names the record and says how its marks read.
        out[event.id] = _standing(CodeEntry(event.code, [(event, dt.date.min)], entry.lines if entry else []), event.meet_id)
    return out


async def standing_for(db: Database, event: Event) -> StandingRecord:
    """The standing record of one event (see :func:`standing_for_events`)."""
    return (await standing_for_events(db, [event]))[event.id]


# Deciding on a pending mark ----------------------------------------------------------------


@dataclass
class Claim:
    """A mark waiting for the chief referee, with the record it would beat or equal."""

    line: RecordLine
    standing: StandingRecord


async def pending_claims(db: Database, actor: Actor) -> list[Claim]:
    """Undecided marks, newest first: live ones to ratify or reject, void ones (已失效) to close."""
    actor.require_chief_referee()
    async with db.read() as session:
        undecided = (await session.scalars(select(RecordMark.event_code).where(_undecided()).distinct())).all()
        if not undecided:
            return []
        codes = await codes_in_archive(session, undecided)
        latest = await _latest_meet_id(session)
    claims = []
    for entry in codes.values():
        standing = _standing(entry, latest)
        claims += [Claim(line, standing) for line in entry.lines if line.decision is None]
    return sorted(claims, key=lambda c: (c.line.mark.created_at, c.line.mark.id), reverse=True)


async def ratify(db: Database, actor: Actor, mark_id: int) -> RecordLine:
    """批准: the mark becomes (or joins) the event code's record."""
    return await _decide(db, actor, mark_id, "ratified", "")


async def reject(db: Database, actor: Actor, mark_id: int, reason: str) -> RecordLine:
    """否决, with a reason (超风速、器材不合格、成绩更正 …); the mark stays in the history."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("否决纪录须填写理由", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"理由不能超过 {MAX_REASON} 个字", field="reason")
    return await _decide(db, actor, mark_id, "rejected", reason)


def _already(decision: RecordDecision) -> Conflict:
    word = "批准" if decision.decision == "ratified" else "否决"
    day = local_date(decision.decided_at)
    when = f"{day.year}年{day.month}月{day.day}日" if day else ""
    who = decision.decided_by_name or "系统"
    return Conflict(f"这条纪录已于{when}由{who}{word},每条纪录只能决定一次")


async def _decide(db: Database, actor: Actor, mark_id: int, decision: str, reason: str) -> RecordLine:
    actor.require_chief_referee()
    async with db.write() as session:
        if db.locks_rows:  # a rejection re-judges the code's results (reclaim): the code's turn first
            code = await session.scalar(select(RecordMark.event_code).where(RecordMark.id == mark_id))
            if code is not None:
                await lock_code(db, session, code)
        await db.lock_rows(session, "record_mark", [mark_id])
        row = (
            await session.execute(select(RecordMark, _still_current().label("current")).where(RecordMark.id == mark_id))  # type: ignore[attr-defined]
        ).first()
        if row is None:
            raise NotFound("纪录")
        mark, current = row
        earlier = await session.scalar(select(RecordDecision).where(RecordDecision.record_mark_id == mark_id))
        if earlier is not None:
            raise _already(earlier)
        if decision == "ratified" and not current:
            raise Conflict("这条纪录所依据的成绩已被更正,申请已失效,不能批准;请否决并注明原因")
        made = RecordDecision(
            record_mark_id=mark_id, decision=decision, reason=reason, decided_by=actor.user_id,
            decided_by_name=actor.display_name[:40],
        )
        session.add(made)
        try:
            await session.flush()
        except IntegrityError:
            raise Conflict("这条纪录刚刚已被决定,请刷新页面查看") from None
        meet_id = mark.meet_id if mark.meet_id is not None and await session.get(Meet, mark.meet_id) else None
        measure = mark_measure(mark)
        word = "批准" if decision == "ratified" else "否决"
        reclaimed = 0
        if decision == "rejected":
            await _unflag(session, mark)
            reclaimed = await reclaim(session, actor, mark.event_code, f"{mark.holder} 的 {shown(measure, mark.value, None)} 被否决")
        audit.record(
            session, actor, "record_ratify" if decision == "ratified" else "record_reject",
            f"{word}纪录「{mark.event_name}」{shown(measure, mark.value, None)} {mark.holder}"
            + (f"({mark.team_name})" if mark.team_name else ""),
            meet_id=meet_id, target=f"record_mark:{mark_id}", reason=reason,
        )
    return RecordLine(mark, made, bool(current), reclaimed=reclaimed)


# The chief referee (裁判长) ------------------------------------------------------------------


async def set_chief_referee(db: Database, actor: Actor, user_id: int, chief: bool) -> None:
    """Make a referee account the chief referee, who ratifies records, or take that away."""
    actor.require_organiser()
    async with db.write() as session:
        user = await session.get(UserAccount, user_id)
        if user is None:
            raise NotFound("账号")
        chief = chief and user.role == Role.REFEREE
        if user.is_chief_referee == chief:
            return
        user.is_chief_referee = chief
        audit.record(
            session, actor, "account_chief_referee",
            f"{'设' if chief else '取消'}裁判长:{user.username}({user.display_name})",
            target=f"user_account:{user.id}",
        )
