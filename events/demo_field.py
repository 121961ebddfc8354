"""The demo meet's track and fun-event entries, so heats can be drawn and scored at once.

``zhijia serve --demo`` registers, for every team, a realistic field in the timed and
measured events through the registration service (so every rule holds: three events per
person, quotas, gender), then gives out bib numbers by team ranges. Ball, board and card
games are left for the team leaders to register from their pages. Idempotent: a meet that
already has track entries is left alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events import bibs, registration
from events.db import Database
from events.demo import SYSTEM
from events.models import Entry, Event, Person, TeamMember

# event code → (men, women) per team; a team event takes one squad of that many.
FIELD = {
    "ATH-100M-M": (2, 0),
    "ATH-100M-W": (0, 2),
    "ATH-1500M-M": (2, 0),
    "ATH-1500M-W": (0, 1),
    "RELAY-4X100-M": (4, 0),
    "RELAY-4X50-W": (0, 4),
    "FUN-DQB-W": (0, 1),
    "FUN-HLQ-W": (0, 1),
    "FUN-DSJ-M": (1, 0),
    "FUN-TJ-M": (1, 0),
    "FUN-5RZ-M": (5, 0),
    "FUN-5RZ-W": (0, 5),
    "FUN-QXXL": (4, 4),
}


async def people_by_team(session: AsyncSession, meet_id: int) -> dict[int, dict[str, list[int]]]:
    """Each team's athletes by gender ("M"/"F"), in employee-number order."""
    members = await session.execute(
        select(TeamMember.team_id, Person.id, Person.gender)
        .join(Person, Person.id == TeamMember.person_id)
        .where(TeamMember.meet_id == meet_id)
        .order_by(TeamMember.team_id, Person.employee_no)
    )
    teams: dict[int, dict[str, list[int]]] = {}
    for team_id, person_id, gender in members.all():
        teams.setdefault(team_id, {"M": [], "F": []})[gender].append(person_id)
    return teams


async def enter_demo_field(db: Database, meet_id: int) -> int:
    """Register the demo field; returns the number of entries made (0 when already done)."""
    async with db.read() as session:
        events = {
            e.code: e for e in (await session.scalars(select(Event).where(Event.meet_id == meet_id))).all()
        }
        already = await session.scalar(
            select(Entry.id).where(Entry.event_id.in_([e.id for c, e in events.items() if c in FIELD])).limit(1)
        )
        if already is not None:
            return 0
        teams = await people_by_team(session, meet_id)
    made = 0
    for team_id, people in teams.items():
        used = {pid: 0 for group in people.values() for pid in group}
        for code, (men, women) in FIELD.items():
            event = events.get(code)
            if event is None:
                continue
            for gender, count in (("M", men), ("F", women)):
                # The least busy first, so nobody passes the three-event limit.
                chosen = sorted(people[gender], key=lambda pid: (used[pid], pid))[:count]
                for person_id in chosen:
                    await registration.enter(db, SYSTEM, team_id=team_id, event_id=event.id, person_id=person_id)
                    used[person_id] += 1
                    made += 1
    await bibs.assign_bibs(db, SYSTEM, meet_id, "team_ranges")
    return made
