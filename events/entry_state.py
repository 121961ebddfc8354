"""What the entry rules look at, and the rows one entry change reads and writes.

``TeamState`` is one team's entries in one meet with the events, people and meet they refer
to; the rules in ``events.registration`` decide on it. The entry forms load it through the ORM
(``events.registration``); entering or withdrawing one person in one event — a tap on a
leader's matrix, the meet's hottest write — loads it here instead, with statements built once
at import and rows kept as small slotted records: SQLAlchemy then neither builds nor
cache-keys a statement per call, and no identity map or unit of work runs. That is most of a
registration's server time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, bindparam, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.db import Database
from events.errors import NotFound
from events.audit import AUDIT_COLUMNS
from events.audit import INSERT as _INSERT_AUDIT
from events.models import (
    AuditLog, Draw, DrawStatus, Entry, Event, EventKind, Gender, Meet, Person, RaceRound, RoundStatus, Team, TeamMember,
    utcnow,
)

_R = TypeVar("_R")

# Records ----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class MeetRow:
    id: int
    registration_opens: dt.date
    registration_closes: dt.date
    per_person_limit: int
    counted_kinds: list[str]


@dataclass(slots=True, frozen=True)
class TeamRow:
    id: int
    meet_id: int
    name: str


@dataclass(slots=True, frozen=True)
class EventRow:
    id: int
    name: str
    division: str
    kind: str
    team_quota: int | None
    roster_max: int | None
    max_men: int | None
    max_women: int | None
    position: int

    @property
    def is_team_event(self) -> bool:
        return EventKind(self.kind).is_team


@dataclass(slots=True, frozen=True)
class PersonRow:
    id: int
    name: str
    gender: str


@dataclass(slots=True, frozen=True)
class EntryRow:
    id: int
    meet_id: int
    event_id: int
    team_id: int
    person_id: int
    squad: int
    person_slot: int | None
    team_slot: int | None
    status: str
    review_reason: str


class EntryLike(Protocol):
    """An entry as the rules read it: an ``Entry`` or an ``EntryRow``."""

    id: int
    event_id: int
    person_id: int
    squad: int
    person_slot: int | None
    team_slot: int | None
    status: str


# The state the rules decide on --------------------------------------------------------------


@dataclass
class TeamState:
    """Everything the rules need about one team's entries in one meet, loaded under lock."""

    meet: Meet | MeetRow
    team: Team | TeamRow
    events: Mapping[int, Event | EventRow]
    members: Mapping[int, Person | PersonRow]  # person_id -> person (on this team)
    entries: list[Any]  # Entry or EntryRow
    # event_id -> what fixed its field (抽签结果 / 分组), for events whose draw or first round
    # is published: their entries no longer change (the start lists are printed)
    fixed: Mapping[int, str] = field(default_factory=dict)

    def person_entries(self, person_id: int) -> list[EntryLike]:
        return [e for e in self.entries if e.person_id == person_id]

    def counted(self, person_id: int) -> list[EntryLike]:
        return [e for e in self.person_entries(person_id) if self.events[e.event_id].kind in self.meet.counted_kinds]

    def event_entries(self, event_id: int, squad: int | None = None) -> list[EntryLike]:
        return [e for e in self.entries if e.event_id == event_id and (squad is None or e.squad == squad)]

    def men_women(self, entries: Iterable[EntryLike]) -> tuple[int, int]:
        genders = [self.members[e.person_id].gender for e in entries]
        return genders.count(Gender.MALE), genders.count(Gender.FEMALE)


FIXED_BY_DRAW, FIXED_BY_ROUND = "抽签结果", "分组"


async def fixed_events(session: Any, meet_id: int) -> dict[int, str]:
    """The meet's events whose field is fixed: a published draw or first round (``TeamState.fixed``)."""
    drawn = select(Draw.event_id).join(Event, Event.id == Draw.event_id).where(
        Event.meet_id == meet_id, Draw.status == DrawStatus.PUBLISHED
    )
    heats = select(RaceRound.event_id).join(Event, Event.id == RaceRound.event_id).where(
        Event.meet_id == meet_id, RaceRound.number == 1, RaceRound.status == RoundStatus.PUBLISHED
    )
    fixed = {event_id: FIXED_BY_ROUND for event_id in (await session.scalars(heats)).all()}
    fixed.update({event_id: FIXED_BY_DRAW for event_id in (await session.scalars(drawn)).all()})
    return fixed


# Statements, built once -------------------------------------------------------------------

_meet, _team, _event, _person, _member, _entry, _audit, _draw, _round = (
    m.__table__  # type: ignore[attr-defined]
    for m in (Meet, Team, Event, Person, TeamMember, Entry, AuditLog, Draw, RaceRound)
)


def _columns(table: Any, record: type) -> list[Any]:
    return [table.c[name] for name in record.__slots__]  # type: ignore[attr-defined]


_MEET_COLUMNS, _EVENT_COLUMNS, _PERSON_COLUMNS = (
    _columns(_meet, MeetRow), _columns(_event, EventRow), _columns(_person, PersonRow)
)
_TEAM_COLUMNS, _ENTRY_COLUMNS = _columns(_team, TeamRow), _columns(_entry, EntryRow)
# One statement reads everything one change needs: the team and its meet, the event (NULLs if
# it is not the meet's), the person with their team-member row (NULLs if not on this team), and
# — one row each, NULLs if there are none — the person's entries (the limit) and the team's
# entries in the event (the quota), each with its event and person. It runs after the team's
# lock is taken (``Database.write_connection``): under READ COMMITTED a statement's snapshot is
# taken when it starts, so the lock must not be taken by the same statement. A person's
# entries in a meet all belong to their one team (an entry's foreign key names the team-member
# row), so the team's lock covers the per-person limit as well as the team's quotas.
_entry_event, _entry_person = _event.alias("entry_event"), _person.alias("entry_person")
_STATE = (
    select(
        *_TEAM_COLUMNS, *_MEET_COLUMNS, *_EVENT_COLUMNS, _draw.c.id, _round.c.id, _member.c.id, *_PERSON_COLUMNS,
        *_ENTRY_COLUMNS, *_columns(_entry_event, EventRow), *_columns(_entry_person, PersonRow),
    )
    .select_from(
        _team.join(_meet, _meet.c.id == _team.c.meet_id)
        .outerjoin(_event, and_(_event.c.id == bindparam("event_id"), _event.c.meet_id == _team.c.meet_id))
        .outerjoin(_draw, and_(_draw.c.event_id == _event.c.id, _draw.c.status == DrawStatus.PUBLISHED.value))
        .outerjoin(_round, and_(
            _round.c.event_id == _event.c.id, _round.c.number == 1, _round.c.status == RoundStatus.PUBLISHED.value,
        ))
        .outerjoin(_member, and_(_member.c.team_id == _team.c.id, _member.c.person_id == bindparam("person_id")))
        .outerjoin(_person, _person.c.id == _member.c.person_id)
        .outerjoin(_entry, and_(
            _entry.c.team_id == _team.c.id,
            or_(_entry.c.person_id == bindparam("person_id"), _entry.c.event_id == bindparam("event_id")),
        ))
        .outerjoin(_entry_event, _entry_event.c.id == _entry.c.event_id)
        .outerjoin(_entry_person, _entry_person.c.id == _entry.c.person_id)
    )
    .where(_team.c.id == bindparam("team_id"))
    .order_by(_entry.c.id)
)
# Every column named, so that the statement is the same with or without the audit row's WITH
# (SQLAlchemy fills Python-side defaults only for the outer statement's own parameters).
_ENTRY_VALUES = (
    "meet_id", "event_id", "team_id", "person_id", "squad", "person_slot", "team_slot", "status",
    "review_reason", "created_by", "created_at",
)
_INSERT_ENTRY = insert(_entry).values({c: bindparam(c) for c in _ENTRY_VALUES}).returning(*_ENTRY_COLUMNS)
_DELETE_ENTRY = delete(_entry).where(_entry.c.id == bindparam("entry_id"))
# PostgreSQL writes the change and its audit row in one statement (a data-modifying WITH).
_AUDIT_ROW = insert(_audit).values({c: bindparam(f"audit_{c}") for c in AUDIT_COLUMNS}).cte("audit_row")
_INSERT_ENTRY_AUDITED = _INSERT_ENTRY.add_cte(_AUDIT_ROW)
_DELETE_ENTRY_AUDITED = _DELETE_ENTRY.add_cte(_AUDIT_ROW)


# Reading and writing one change -------------------------------------------------------------


async def load_for_change(conn: AsyncConnection, team_id: int, person_id: int, event_id: int) -> TeamState:
    """The rows the rules need to enter or withdraw ``person_id`` in ``event_id``, read in one
    statement inside a transaction that holds the team's lock (``Database.write_connection``)."""
    rows = (await conn.execute(_STATE, {"team_id": team_id, "person_id": person_id, "event_id": event_id})).all()
    if not rows:
        raise NotFound("代表队")
    team, rest = _take(TeamRow, rows[0])
    meet, rest = _take(MeetRow, rest)
    event, rest = _take(EventRow, rest)
    draw_published, round_published, rest = rest[0] is not None, rest[1] is not None, rest[2:]
    on_team, person = rest[0] is not None, _take(PersonRow, rest[1:])[0]
    events = {event.id: event} if event.id is not None else {}
    fixed = {event.id: FIXED_BY_DRAW if draw_published else FIXED_BY_ROUND} if draw_published or round_published else {}
    members = {person.id: person} if on_team else {}
    entries = []
    width = len(rows[0]) - _ENTRY_WIDTH
    for row in rows:
        entry, rest = _take(EntryRow, row[width:])
        if entry.id is None:  # the team has no such entries: the one row carries NULLs
            break
        entry_event, rest = _take(EventRow, rest)
        events.setdefault(entry_event.id, entry_event)
        members.setdefault(entry.person_id, _take(PersonRow, rest)[0])
        entries.append(entry)
    return TeamState(meet=meet, team=team, events=events, members=members, entries=entries, fixed=fixed)


def _take(record: type[_R], row: Sequence[Any]) -> tuple[_R, Sequence[Any]]:
    """The record made of the row's first fields, and the fields after them."""
    width = len(record.__slots__)  # type: ignore[attr-defined]
    return record(*row[:width]), row[width:]


_ENTRY_WIDTH = sum(len(r.__slots__) for r in (EntryRow, EventRow, PersonRow))  # type: ignore[attr-defined]


def _audited(params: dict[str, Any], audit_row: dict[str, Any]) -> dict[str, Any]:
    return {**params, **{f"audit_{c}": audit_row[c] for c in AUDIT_COLUMNS}}


async def insert_entry(db: Database, conn: AsyncConnection, values: dict[str, Any], audit_row: dict[str, Any]) -> EntryRow:
    """Insert the entry and its audit row (``events.audit.row``)."""
    values = {"review_reason": "", "created_at": utcnow(), **values}
    if db.is_sqlite:  # no data-modifying WITH there; a local statement costs microseconds anyway
        await conn.execute(_INSERT_AUDIT, audit_row)
        return EntryRow(*(await conn.execute(_INSERT_ENTRY, values)).one())
    return EntryRow(*(await conn.execute(_INSERT_ENTRY_AUDITED, _audited(values, audit_row))).one())


async def delete_entry(db: Database, conn: AsyncConnection, entry_id: int, audit_row: dict[str, Any]) -> None:
    """Delete the entry and write its audit row."""
    if db.is_sqlite:
        await conn.execute(_INSERT_AUDIT, audit_row)
        await conn.execute(_DELETE_ENTRY, {"entry_id": entry_id})
        return
    await conn.execute(_DELETE_ENTRY_AUDITED, _audited({"entry_id": entry_id}, audit_row))
