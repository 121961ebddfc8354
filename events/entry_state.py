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
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, bindparam, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.db import Database
from events.errors import NotFound
from events.models import Entry, Event, EventKind, Gender, Meet, Person, Team, TeamMember

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

    def person_entries(self, person_id: int) -> list[EntryLike]:
        return [e for e in self.entries if e.person_id == person_id]

    def counted(self, person_id: int) -> list[EntryLike]:
        return [e for e in self.person_entries(person_id) if self.events[e.event_id].kind in self.meet.counted_kinds]

    def event_entries(self, event_id: int, squad: int | None = None) -> list[EntryLike]:
        return [e for e in self.entries if e.event_id == event_id and (squad is None or e.squad == squad)]

    def men_women(self, entries: Iterable[EntryLike]) -> tuple[int, int]:
        genders = [self.members[e.person_id].gender for e in entries]
        return genders.count(Gender.MALE), genders.count(Gender.FEMALE)


# Statements, built once -------------------------------------------------------------------

_meet, _team, _event, _person, _member, _entry = (
    m.__table__ for m in (Meet, Team, Event, Person, TeamMember, Entry)  # type: ignore[attr-defined]
)


def _columns(table: Any, record: type) -> list[Any]:
    return [table.c[name] for name in record.__slots__]  # type: ignore[attr-defined]


_MEET_COLUMNS, _EVENT_COLUMNS, _PERSON_COLUMNS = (
    _columns(_meet, MeetRow), _columns(_event, EventRow), _columns(_person, PersonRow)
)
_TEAM_COLUMNS, _ENTRY_COLUMNS = _columns(_team, TeamRow), _columns(_entry, EntryRow)
# The team and its meet, the event (NULLs if it is not the meet's) and the person with their
# team-member row (NULLs if not on this team): one statement.
_TARGET = (
    select(*_TEAM_COLUMNS, *_MEET_COLUMNS, *_EVENT_COLUMNS, _member.c.id, *_PERSON_COLUMNS)
    .select_from(
        _team.join(_meet, _meet.c.id == _team.c.meet_id)
        .outerjoin(_event, and_(_event.c.id == bindparam("event_id"), _event.c.meet_id == _team.c.meet_id))
        .outerjoin(_member, and_(_member.c.team_id == _team.c.id, _member.c.person_id == bindparam("person_id")))
        .outerjoin(_person, _person.c.id == _member.c.person_id)
    )
    .where(_team.c.id == bindparam("team_id"))
)
# PostgreSQL: the same statement takes the team's row lock. A person's entries in a meet all
# belong to their one team (an entry's foreign key names the team-member row), so the team's
# lock covers the per-person limit as well as the team's quotas.
_TARGET_LOCKED = _TARGET.with_for_update(of=_team)
# The person's entries (the limit) and the team's entries in the event (the quota), each with
# its event and person.
_ENTRIES = (
    select(*_ENTRY_COLUMNS, *_EVENT_COLUMNS, *_PERSON_COLUMNS)
    .join(_event, _event.c.id == _entry.c.event_id)
    .join(_person, _person.c.id == _entry.c.person_id)
    .where(
        _entry.c.team_id == bindparam("team_id"),
        or_(_entry.c.person_id == bindparam("person_id"), _entry.c.event_id == bindparam("event_id")),
    )
    .order_by(_entry.c.id)
)
_INSERT_ENTRY = insert(_entry).returning(*_ENTRY_COLUMNS)
_DELETE_ENTRY = delete(_entry).where(_entry.c.id == bindparam("entry_id"))


# Reading and writing one change -------------------------------------------------------------


async def load_for_change(
    db: Database, conn: AsyncConnection, team_id: int, person_id: int, event_id: int
) -> TeamState:
    """The rows the rules need to enter or withdraw ``person_id`` in ``event_id``, under the
    team's lock (SQLite: the IMMEDIATE transaction's):
    the team and its meet, the event, the person, the person's entries and the team's entries
    in the event, with the events and people those entries name."""
    params = {"team_id": team_id, "person_id": person_id, "event_id": event_id}
    found = (await conn.execute(_TARGET_LOCKED if db.locks_rows else _TARGET, params)).first()
    if found is None:
        raise NotFound("代表队")
    team, rest = _take(TeamRow, found)
    meet, rest = _take(MeetRow, rest)
    event, rest = _take(EventRow, rest)
    on_team, person = rest[0] is not None, _take(PersonRow, rest[1:])[0]
    events = {event.id: event} if event.id is not None else {}
    members = {person.id: person} if on_team else {}
    entries = []
    for row in await conn.execute(_ENTRIES, params):
        entry, rest = _take(EntryRow, row)
        entry_event, rest = _take(EventRow, rest)
        events.setdefault(entry_event.id, entry_event)
        members.setdefault(entry.person_id, _take(PersonRow, rest)[0])
        entries.append(entry)
    return TeamState(meet=meet, team=team, events=events, members=members, entries=entries)


def _take(record: type[_R], row: Sequence[Any]) -> tuple[_R, Sequence[Any]]:
    """The record made of the row's first fields, and the fields after them."""
    width = len(record.__slots__)  # type: ignore[attr-defined]
    return record(*row[:width]), row[width:]


async def insert_entry(conn: AsyncConnection, values: dict[str, Any]) -> EntryRow:
    return EntryRow(*(await conn.execute(_INSERT_ENTRY, values)).one())


async def delete_entry(conn: AsyncConnection, entry_id: int) -> None:
    await conn.execute(_DELETE_ENTRY, {"entry_id": entry_id})
