"""The demo meet fully registered and drawn, ready for a timetable.

On top of the demo's track and fun field (events.demo_field) this enters, for every team, players
in the ball, board and card games — table tennis singles, chess, basketball, tug of war, cards
and the badminton team tie — through the registration service (so the three-event limit,
quotas and genders hold), then draws every match event and the first round of every timed
event. Used by the timetable tests and to look at the timetable pages on the demo.
"""

from __future__ import annotations

from sqlalchemy import select

from events import draws, race_rounds, registration
from events.db import Database
from events.demo import SYSTEM
from events.demo_field import enter_demo_field, people_by_team
from events.errors import DomainError
from events.measures import is_mark_event
from events.models import Entry, Event

# event code -> (men, women) per team, and how many teams enter (the first ones); a team event
# takes one squad of that many. Basketball and tug of war are round robins: four teams each
# keep them inside the demo's two days (eight would need 28 one-hour games on two courts).
MATCH_FIELD = {
    "TT-MS": (2, 0, 8),
    "TT-WS": (0, 1, 8),
    "XQ": (1, 0, 8),
    "PK-SJ": (2, 0, 8),
    "BB-M": (5, 0, 4),
    "TUG": (6, 4, 4),
    "BD-TEAM": (2, 2, 8),
}


async def enter_match_field(db: Database, meet_id: int) -> int:
    """Enter each team's players in the match events, the least busy first; returns entries made."""
    async with db.read() as session:
        events = {e.code: e for e in (await session.scalars(select(Event).where(Event.meet_id == meet_id))).all()}
        teams = await people_by_team(session, meet_id)
        counts: dict[int, int] = {}
        for (person_id,) in (await session.execute(select(Entry.person_id).where(Entry.meet_id == meet_id))).all():
            counts[person_id] = counts.get(person_id, 0) + 1
    made = 0
    for index, (team_id, people) in enumerate(teams.items()):
        for code, (men, women, team_count) in MATCH_FIELD.items():
            event = events.get(code)
            if event is None or index >= team_count:
                continue
            for gender, count in (("M", men), ("F", women)):
                chosen = sorted((p for p in people[gender] if counts.get(p, 0) < 3), key=lambda p: (counts.get(p, 0), p))
                for person_id in chosen[:count]:
                    await registration.enter(db, SYSTEM, team_id=team_id, event_id=event.id, person_id=person_id)
                    counts[person_id] = counts.get(person_id, 0) + 1
                    made += 1
    return made


async def draw_everything(db: Database, meet_id: int) -> None:
    """Draw every match event in its own format and the first round of every timed event."""
    async with db.read() as session:
        events = (await session.scalars(select(Event).where(Event.meet_id == meet_id).order_by(Event.position))).all()
    for event in events:
        try:
            if is_mark_event(event):
                mass = event.format == "mass_start" or event.kind == "individual_measured"
                layout = {"lanes": None, "section_size": 12} if mass else {"lanes": 8}
                heats = event.format == "heats_final"
                request = race_rounds.RoundRequest(
                    is_final=not heats, qualify_by_place=3 if heats else 0, qualify_by_time=2 if heats else 0, seed=1,
                    **layout,
                )
                await race_rounds.draw_round(db, SYSTEM, meet_id, event.id, request)
            else:
                await draws.generate(db, SYSTEM, meet_id, event.id, draws.DrawRequest(format=event.format, seed=1))
        except DomainError:
            continue  # an event without enough entrants stays undrawn


async def prepare_demo_timetable(db: Database, meet_id: int) -> None:
    """The demo meet, fully registered and drawn."""
    await enter_demo_field(db, meet_id)
    await enter_match_field(db, meet_id)
    await draw_everything(db, meet_id)
