"""Final places of every event (名次), the one source for team points, medals, award lists and
certificates.

A timed or measured event is placed by its final round's marks, across all its heats (a timed
final run in several heats ranks as one field). A match event is placed by its draw
(events.match_results.placings). Places are read from results each time they are asked for:
nothing derived is stored, so a correction shows everywhere at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events import match_results
from events.db import Database
from events.measures import is_mark_event, mark_of, measure_of, shown
from events.models import Draw, DrawEntrant, Entry, Event, Format, Person, RaceRound, RoundStatus, StartEntry
from scheduling.ranking import Performance, rank


@dataclass(frozen=True)
class FinalPlace:
    place: int | None  # None: no valid mark (DNS, DNF, DQ, NM)
    tied: bool
    team_id: int
    team_name: str
    name: str  # the person, or the team (and squad) in a relay or team event
    person_id: int | None
    squad: int = 1
    members: tuple[str, ...] = ()  # a team entrant's people
    mark: str = ""  # 11.23, 5.23 米, 犯规; '' for match events
    record_flag: str | None = None  # record: 破纪录, equal: 平纪录


@dataclass
class EventPlacings:
    event: Event
    places: list[FinalPlace] = field(default_factory=list)  # best first, unplaced last
    entrants: int = 0  # how many entered (the short-field points rule counts them)
    complete: bool = False  # every final result is in

    @property
    def awarded(self) -> list[FinalPlace]:
        """Places within the event's award places (录取名次)."""
        return [p for p in self.places if p.place is not None and p.place <= self.event.award_places]


async def event_placings(db: Database, event: Event) -> EventPlacings:
    if is_mark_event(event):
        async with db.read() as session:
            return await _mark_placings(session, event)
    return await _match_placings(db, event)


async def meet_placings(db: Database, events: list[Event]) -> list[EventPlacings]:
    """Placings of each of ``events`` (a meet's events, in programme order)."""
    out = []
    marked = [e for e in events if is_mark_event(e)]
    by_event: dict[int, EventPlacings] = {}
    if marked:
        async with db.read() as session:
            for event in marked:
                by_event[event.id] = await _mark_placings(session, event)
    for event in events:
        out.append(by_event[event.id] if event.id in by_event else await _match_placings(db, event))
    return out


async def _mark_placings(session: AsyncSession, event: Event) -> EventPlacings:
    final = await session.scalar(
        select(RaceRound)
        .where(RaceRound.event_id == event.id, RaceRound.status == RoundStatus.PUBLISHED)
        .order_by(RaceRound.number.desc())
        .limit(1)
    )
    first_round_size = await session.scalar(
        select(func.count(StartEntry.id))
        .join(RaceRound, RaceRound.id == StartEntry.round_id)
        .where(RaceRound.event_id == event.id, RaceRound.number == 1)
    )
    if final is None or not final.is_final:
        return EventPlacings(event, [], first_round_size or 0, False)
    lines = (await session.scalars(select(StartEntry).where(StartEntry.round_id == final.id))).all()
    measure = measure_of(event)
    done = [s for s in lines if s.value is not None or s.status is not None]
    ranked = rank(Performance(s.id, mark_of(measure, s.value, s.status)) for s in done)
    by_id = {s.id: s for s in lines}
    members = await _members(session, event) if event.is_team_event else {}
    places = [
        FinalPlace(
            place=p.place,
            tied=p.tied,
            team_id=by_id[p.entrant].team_id,
            team_name=by_id[p.entrant].team_name,
            name=by_id[p.entrant].name,
            person_id=by_id[p.entrant].person_id,
            squad=by_id[p.entrant].squad,
            members=tuple(members.get((by_id[p.entrant].team_id, by_id[p.entrant].squad), ())),
            mark=shown(measure, by_id[p.entrant].value, by_id[p.entrant].status),
            record_flag=by_id[p.entrant].record_flag if p.place is not None else None,
        )
        for p in ranked
    ]
    return EventPlacings(event, places, first_round_size or 0, bool(lines) and len(done) == len(lines))


async def _members(session: AsyncSession, event: Event) -> dict[tuple[int, int], list[str]]:
    rows = await session.execute(
        select(Entry.team_id, Entry.squad, Person.name)
        .join(Person, Person.id == Entry.person_id)
        .where(Entry.event_id == event.id)
        .order_by(Entry.id)
    )
    out: dict[tuple[int, int], list[str]] = defaultdict(list)
    for team_id, squad, name in rows:
        out[(team_id, squad)].append(name)
    return out


async def _match_placings(db: Database, event: Event) -> EventPlacings:
    async with db.read() as session:
        draw = await session.scalar(select(Draw).where(Draw.event_id == event.id))
        if draw is None or draw.status != "published":
            return EventPlacings(event)
        members = await _members(session, event) if event.is_team_event else {}
        entrants = await session.scalar(select(func.count(DrawEntrant.id)).where(DrawEntrant.draw_id == draw.id))
    placed, finished = await match_results.placings(db, draw, event)
    if not finished and draw.format in (Format.ROUND_ROBIN, Format.SWISS):
        placed = []  # a table half played is not a placing; a knockout's losers are placed as they lose
    counts: dict[int, int] = defaultdict(int)
    for p in placed:
        counts[p.place] += 1
    places = [
        FinalPlace(
            place=p.place,
            tied=counts[p.place] > 1,
            team_id=p.entrant.team_id,
            team_name=p.entrant.team_name,
            name=p.entrant.name,
            person_id=p.entrant.person_id,
            squad=p.entrant.squad,
            members=tuple(members.get((p.entrant.team_id, p.entrant.squad), ())),
        )
        for p in placed
    ]
    return EventPlacings(event, places, entrants or 0, finished)
