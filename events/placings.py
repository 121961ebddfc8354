"""Final places of every event (名次), the one source for team points, medals, award lists and
certificates.

A timed or measured event is placed by its final round's marks, across all its heats (a timed
final run in several heats ranks as one field). A match event is placed by its draw
(events.match_results.placings). Places are read from results each time they are asked for:
nothing derived is stored, so a correction shows everywhere at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, case, func, or_, select
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
            return (await _mark_placings(session, [event]))[event.id]
    return await _match_placings(db, event)


async def meet_placings(
    db: Database, events: list[Event], depth: int | None = None, session: AsyncSession | None = None
) -> list[EventPlacings]:
    """Placings of each of ``events`` (a meet's events, in programme order).

    Every timed and measured event is read in a few statements whatever their number, and match
    events only when their draw is published, so the team table stays cheap as results arrive.
    With ``depth`` (e.g. 6 for team points, the award places for award lists) only the places
    down to it are listed, and the database ranks: a 500-runner race sends back its top six.
    A caller already reading may pass its ``session`` for the timed events.
    """
    if session is None:
        async with db.read() as own:
            by_event, published = await _read_marked(own, events, depth)
    else:
        by_event, published = await _read_marked(session, events, depth)
    out = []
    for event in events:
        if event.id in by_event:
            out.append(by_event[event.id])
        elif event.id in published:
            out.append(await _match_placings(db, event))
        else:
            out.append(EventPlacings(event))
    return out


async def _read_marked(
    session: AsyncSession, events: list[Event], depth: int | None
) -> tuple[dict[int, EventPlacings], set[int]]:
    """Timed and measured events placed, and which match events have a published draw."""
    marked = [e for e in events if is_mark_event(e)]
    if depth is None:
        by_event = await _mark_placings(session, marked) if marked else {}
    else:
        by_event = await _top_placings(session, marked, depth) if marked else {}
    match_ids = [e.id for e in events if not is_mark_event(e)]
    published = set((await session.scalars(_PUBLISHED_DRAWS, {"event_ids": match_ids})).all()) if match_ids else set()
    return by_event, published


def _rounds_statement() -> Select[Any]:
    """Each round of the given events, with its lines counted: all of them, and those with a mark
    or a status."""
    done = or_(StartEntry.value.is_not(None), StartEntry.status.is_not(None))
    return (
        select(
            RaceRound.event_id, RaceRound.id, RaceRound.number, RaceRound.is_final, RaceRound.status,
            func.count(StartEntry.id), func.count(StartEntry.id).filter(done),
        )
        .outerjoin(StartEntry, StartEntry.round_id == RaceRound.id)
        .where(RaceRound.event_id.in_(bindparam("event_ids", expanding=True)))
        .group_by(RaceRound.id, RaceRound.event_id, RaceRound.number, RaceRound.is_final, RaceRound.status)
        .order_by(RaceRound.event_id, RaceRound.number)
    )


def _top_statement() -> Select[Any]:
    """The lines of the given rounds placed ``depth`` or better. RANK() runs over the ids and marks
    alone (a narrow sort, even for a 500-runner race); the few rows kept are joined back to the
    lines. ``lower_rounds`` are the rounds where the lower mark wins (times)."""
    key = case((StartEntry.round_id.in_(bindparam("lower_rounds", expanding=True)), StartEntry.value), else_=-StartEntry.value)
    ranked = (
        select(StartEntry.id, func.rank().over(partition_by=StartEntry.round_id, order_by=key).label("place"))
        .where(StartEntry.round_id.in_(bindparam("round_ids", expanding=True)), StartEntry.value.is_not(None))
        .subquery()
    )
    return (
        select(
            StartEntry.round_id, StartEntry.id, StartEntry.team_id, StartEntry.team_name, StartEntry.name,
            StartEntry.person_id, StartEntry.squad, StartEntry.value, StartEntry.status, StartEntry.record_flag,
            ranked.c.place,
        )
        .join(ranked, ranked.c.id == StartEntry.id)
        .where(ranked.c.place <= bindparam("depth"))
        .order_by(StartEntry.round_id, ranked.c.place, StartEntry.id)
    )


# Built once: the team table and the medal table are read after every result, and a pre-built
# statement keeps its compiled form and cache key instead of being built and keyed on each call.
_ROUNDS = _rounds_statement()
_TOP = _top_statement()
_PUBLISHED_DRAWS = select(Draw.event_id).where(
    Draw.event_id.in_(bindparam("event_ids", expanding=True)), Draw.status == "published"
)


async def _rounds(
    session: AsyncSession, events: list[Event]
) -> tuple[dict[int, int], dict[int, int], dict[int, tuple[int, int]]]:
    """Event → its final round when that is the latest published round (else 0); event → first
    round; round → (lines, lines with a mark or status)."""
    finals: dict[int, int] = {}
    first_rounds: dict[int, int] = {}
    counts: dict[int, tuple[int, int]] = {}
    for event_id, round_id, number, is_final, status, total, done in await session.execute(
        _ROUNDS, {"event_ids": [e.id for e in events]}
    ):
        if number == 1:
            first_rounds[event_id] = round_id
        if status == RoundStatus.PUBLISHED:
            finals[event_id] = round_id if is_final else 0  # a later published round replaces an earlier one
        counts[round_id] = (total, done)
    return finals, first_rounds, counts


async def _top_placings(session: AsyncSession, events: list[Event], depth: int) -> dict[int, EventPlacings]:
    """Places down to ``depth``, ranked by the database with RANK() — the same rule as
    scheduling.ranking.rank: equal marks share a place and the next place skips; no mark, no place."""
    finals, first_rounds, counts = await _rounds(session, events)
    by_round = {r: e for e in events if (r := finals.get(e.id))}
    rows: dict[int, list[Any]] = defaultdict(list)
    if by_round:
        lower = [r for r, e in by_round.items() if measure_of(e).lower_wins]
        for row in await session.execute(_TOP, {"round_ids": list(by_round), "lower_rounds": lower, "depth": depth}):
            rows[row.round_id].append(row)
    team_events = [e for r, e in by_round.items() if e.is_team_event and rows.get(r)]
    members = await _members(session, team_events) if team_events else {}
    out = {}
    for event in events:
        entrants = counts.get(first_rounds.get(event.id, -1), (0, 0))[0]
        final = finals.get(event.id)
        if not final:
            out[event.id] = EventPlacings(event, [], entrants, False)
            continue
        measure = measure_of(event)
        sharing = Counter(row.place for row in rows[final])
        places = [
            FinalPlace(
                place=row.place, tied=sharing[row.place] > 1, team_id=row.team_id, team_name=row.team_name,
                name=row.name, person_id=row.person_id, squad=row.squad,
                members=tuple(members.get((event.id, row.team_id, row.squad), ())),
                mark=shown(measure, row.value, row.status), record_flag=row.record_flag,
            )
            for row in rows[final]
        ]
        total, done = counts.get(final, (0, 0))
        out[event.id] = EventPlacings(event, places, entrants, total > 0 and done == total)
    return out


async def _mark_placings(session: AsyncSession, events: list[Event]) -> dict[int, EventPlacings]:
    """Each event placed by its latest published round when that round is the final."""
    finals, first_rounds, _ = await _rounds(session, events)
    wanted = {r for r in finals.values() if r} | set(first_rounds.values())
    lines: dict[int, list[Any]] = defaultdict(list)
    if wanted:
        rows = await session.execute(
            select(
                StartEntry.round_id, StartEntry.id, StartEntry.team_id, StartEntry.team_name, StartEntry.name,
                StartEntry.person_id, StartEntry.squad, StartEntry.value, StartEntry.status, StartEntry.record_flag,
            ).where(StartEntry.round_id.in_(wanted))
        )
        for row in rows:
            lines[row.round_id].append(row)
    team_events = [e for e in events if e.is_team_event and finals.get(e.id)]
    members = await _members(session, team_events) if team_events else {}
    out = {}
    for event in events:
        entrants = len(lines.get(first_rounds.get(event.id, -1), ()))
        final = finals.get(event.id)
        if not final:
            out[event.id] = EventPlacings(event, [], entrants, False)
            continue
        out[event.id] = _placed(event, lines[final], entrants, members)
    return out


def _placed(event: Event, lines: list[Any], entrants: int, members: dict[tuple[int, int, int], list[str]]) -> EventPlacings:
    measure = measure_of(event)
    done = [s for s in lines if s.value is not None or s.status is not None]
    ranked = rank(Performance(s.id, mark_of(measure, s.value, s.status)) for s in done)
    by_id = {s.id: s for s in lines}
    places = []
    for p in ranked:
        s = by_id[p.entrant]
        places.append(
            FinalPlace(
                place=p.place, tied=p.tied, team_id=s.team_id, team_name=s.team_name, name=s.name,
                person_id=s.person_id, squad=s.squad, members=tuple(members.get((event.id, s.team_id, s.squad), ())),
                mark=shown(measure, s.value, s.status), record_flag=s.record_flag if p.place is not None else None,
            )
        )
    return EventPlacings(event, places, entrants, bool(lines) and len(done) == len(lines))


async def _members(session: AsyncSession, events: list[Event]) -> dict[tuple[int, int, int], list[str]]:
    """The people of each team entrant: (event, team, squad) → names, in entry order."""
    rows = await session.execute(
        select(Entry.event_id, Entry.team_id, Entry.squad, Person.name)
        .join(Person, Person.id == Entry.person_id)
        .where(Entry.event_id.in_([e.id for e in events]))
        .order_by(Entry.id)
    )
    out: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for event_id, team_id, squad, name in rows:
        out[(event_id, team_id, squad)].append(name)
    return out


async def _match_placings(db: Database, event: Event) -> EventPlacings:
    async with db.read() as session:
        draw = await session.scalar(select(Draw).where(Draw.event_id == event.id))
        if draw is None or draw.status != "published":
            return EventPlacings(event)
        members = await _members(session, [event]) if event.is_team_event else {}
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
            members=tuple(members.get((event.id, p.entrant.team_id, p.entrant.squad), ())),
        )
        for p in placed
    ]
    return EventPlacings(event, places, entrants or 0, finished)
