"""Keeping the limit and quota slots in step with meets, events and entries.

A counted entry holds a ``person_slot`` (1..per-person limit) and an entry in an individual
event with a quota holds a ``team_slot`` (1..quota). The slot tables hold exactly the
allowed numbers, so the database itself refuses a fourth counted entry or an entrant over
quota. When a limit or quota changes, existing entries are renumbered — or the change is
refused, naming who is over the new number.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events.errors import DomainError
from events.models import Entry, Event, EventSlot, Meet, MeetSlot, Person, Team


def first_free(used: set[int], limit: int) -> int | None:
    for n in range(1, limit + 1):
        if n not in used:
            return n
    return None


async def _set_rows(session: AsyncSession, table: type, key: str, owner_id: int, count: int) -> None:
    column = getattr(table, key)
    existing = set((await session.scalars(select(table.n).where(column == owner_id))).all())
    wanted = set(range(1, count + 1))
    for n in sorted(wanted - existing):
        session.add(table(**{key: owner_id, "n": n}))
    if existing - wanted:
        await session.execute(delete(table).where(column == owner_id, table.n.in_(existing - wanted)))
    await session.flush()


async def sync_meet(session: AsyncSession, meet: Meet) -> None:
    """Renumber each person's counted entries 1..k and keep slot rows 1..limit."""
    rows = (
        await session.execute(
            select(Entry, Event.kind, Person.name)
            .join(Event, Event.id == Entry.event_id)
            .join(Person, Person.id == Entry.person_id)
            .where(Entry.meet_id == meet.id)
            .order_by(Entry.id)
        )
    ).all()
    counted: dict[int, list[Entry]] = defaultdict(list)
    names: dict[int, str] = {}
    for entry, kind, name in rows:
        names[entry.person_id] = name
        if kind in meet.counted_kinds:
            counted[entry.person_id].append(entry)
    over = [f"{names[p]}({len(es)} 项)" for p, es in counted.items() if len(es) > meet.per_person_limit]
    if over:
        raise DomainError(
            f"已有职工报名项目数超过 {meet.per_person_limit} 项:{'、'.join(over[:10])},请先撤销多余报名",
            field="per_person_limit",
        )
    if rows:
        await session.execute(update(Entry).where(Entry.meet_id == meet.id).values(person_slot=None))
        await session.flush()
    await _set_rows(session, MeetSlot, "meet_id", meet.id, meet.per_person_limit)
    for person_entries in counted.values():
        for n, entry in enumerate(person_entries, start=1):
            entry.person_slot = n
    await session.flush()


async def sync_event(session: AsyncSession, event: Event) -> None:
    """Renumber each team's entries of an individual event and keep slot rows 1..quota."""
    quota = None if event.is_team_event else event.team_quota
    entries = (await session.scalars(select(Entry).where(Entry.event_id == event.id).order_by(Entry.id))).all()
    per_team: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        per_team[entry.team_id].append(entry)
    if quota is not None:
        over = [team_id for team_id, es in per_team.items() if len(es) > quota]
        if over:
            names = (await session.scalars(select(Team.name).where(Team.id.in_(over)))).all()
            raise DomainError(f"{'、'.join(names)} 在「{event.name}」已报超过 {quota} 人,请先撤销多余报名", field="team_quota")
    if entries:
        await session.execute(update(Entry).where(Entry.event_id == event.id).values(team_slot=None))
        await session.flush()
    await _set_rows(session, EventSlot, "event_id", event.id, quota or 0)
    if quota is not None:
        for team_entries in per_team.values():
            for n, entry in enumerate(team_entries, start=1):
                entry.team_slot = n
    await session.flush()
