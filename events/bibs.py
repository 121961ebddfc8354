"""Bib numbers (号码布) for athletes with at least one entry.

Two ways: by team ranges (team n → n·100+1 … n·100+99) or one sequence by team then name.
Numbers already given keep their number (they may be printed); only athletes without one
get new numbers, unless the organiser asks to renumber everyone.
"""

from __future__ import annotations

import enum
from collections import defaultdict

from sqlalchemy import select, update

from events import audit
from events.actors import Actor
from events.db import Database
from events.errors import DomainError, NotFound
from events.models import Entry, Meet, Person, Team, TeamMember


class BibMode(enum.StrEnum):
    TEAM_RANGES = "team_ranges"
    SEQUENTIAL = "sequential"


RANGE = 100


def plan_bibs(
    athletes: list[tuple[int, int, str, int | None]], mode: BibMode, *, renumber: bool
) -> dict[int, int]:
    """New bibs for (member_id, team_number, sort_name, current_bib) rows; pure.

    Returns member_id -> bib for members whose bib changes (every member when renumbering). Raises DomainError when a team
    range (99 numbers) is full.
    """
    ordered = sorted(athletes, key=lambda a: (a[1], a[2], a[0]))
    kept = {} if renumber else {a[0]: a[3] for a in ordered if a[3] is not None}
    used = set(kept.values())
    result: dict[int, int] = {}
    if mode == BibMode.TEAM_RANGES:
        next_in_team: dict[int, int] = defaultdict(lambda: 1)
        for member_id, team_number, _, _ in ordered:
            if member_id in kept:
                continue
            while True:
                n = next_in_team[team_number]
                if n >= RANGE:
                    raise DomainError(f"{team_number} 号队的号码段({team_number * RANGE + 1}–{team_number * RANGE + RANGE - 1})已用完")
                bib = team_number * RANGE + n
                next_in_team[team_number] += 1
                if bib not in used:
                    break
            used.add(bib)
            result[member_id] = bib
    else:
        bib = 1
        for member_id, _, _, _ in ordered:
            if member_id in kept:
                continue
            while bib in used:
                bib += 1
            used.add(bib)
            result[member_id] = bib
    if renumber:
        return result
    return {m: b for m, b in result.items() if b != dict((a[0], a[3]) for a in athletes).get(m)}


async def assign_bibs(db: Database, actor: Actor, meet_id: int, mode: str, *, renumber: bool = False) -> int:
    """Give bibs to entered athletes; returns how many numbers were given or changed."""
    actor.require_organiser()
    if mode not in BibMode._value2member_map_:
        raise DomainError("编号方式无效", field="mode")
    async with db.write() as session:
        if await session.get(Meet, meet_id) is None:
            raise NotFound("运动会")
        entered = select(Entry.person_id).where(Entry.meet_id == meet_id)
        rows = (
            await session.execute(
                select(TeamMember.id, Team.number, Person.name, TeamMember.bib)
                .join(Team, Team.id == TeamMember.team_id)
                .join(Person, Person.id == TeamMember.person_id)
                .where(TeamMember.meet_id == meet_id, TeamMember.person_id.in_(entered))
            )
        ).all()
        changes = plan_bibs([tuple(r) for r in rows], BibMode(mode), renumber=renumber)  # type: ignore[misc]
        if renumber:
            await session.execute(update(TeamMember).where(TeamMember.meet_id == meet_id).values(bib=None))
            await session.flush()
        for member_id, bib in changes.items():
            await session.execute(update(TeamMember).where(TeamMember.id == member_id).values(bib=bib))
        word = "全部重新编号" if renumber else "为新报名队员编号"
        audit.record(session, actor, "bibs", f"号码布{word}:{len(changes)} 人", meet_id=meet_id)
    return len(changes)
