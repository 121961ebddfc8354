"""The database itself refuses what the rules forbid (rows written directly, no service).

A service bug must not be able to store a second team for a person, a meet that ends before
it starts, or a leader without a team. Both backends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from events.db import Database
from events.models import (
    Event,
    Meet,
    Person,
    RefereeAssignment,
    Team,
    TeamMember,
    UserAccount,
    Venue,
)
from tests.support import DemoMeet


async def refused(db: Database, row: Any, check: str | None = None) -> None:
    """Writing ``row`` fails; ``check`` names the CHECK constraint that must be the reason."""
    with pytest.raises(IntegrityError) as excinfo:
        async with db.write() as session:
            session.add(row)
    if check is not None:
        assert check in str(excinfo.value.orig), excinfo.value.orig


def meet_row(**changes: Any) -> Meet:
    values: dict[str, Any] = dict(
        name="第七届职工运动会", edition=7, starts_on=dt.date(2027, 11, 20), ends_on=dt.date(2027, 11, 21),
        registration_opens=dt.date(2027, 11, 1), registration_closes=dt.date(2027, 11, 10),
    )
    values.update(changes)
    return Meet(**values)


async def test_meet_ending_before_it_starts_is_refused(db: Database) -> None:
    await refused(db, meet_row(ends_on=dt.date(2027, 11, 19)), check="ck_meet_dates")
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Meet)) == 0


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"registration_closes": dt.date(2027, 10, 1)}, "ck_meet_window"),
        ({"per_person_limit": 0}, "ck_meet_limit"),
        ({"edition": 0}, "ck_meet_edition"),
    ],
    ids=["window", "limit", "edition"],
)
async def test_meet_check_constraints_refuse_bad_rows(db: Database, changes: dict[str, Any], check: str) -> None:
    await refused(db, meet_row(**changes), check=check)


async def test_meet_names_are_unique(db: Database) -> None:
    async with db.write() as session:
        session.add(meet_row())
    await refused(db, meet_row(edition=8))


async def test_a_person_is_on_one_team_per_meet(demo_db: Database, demo: DemoMeet) -> None:
    person_id = demo.person_ids[demo.team_ids["一车间"]][0]
    await refused(demo_db, TeamMember(meet_id=demo.meet_id, team_id=demo.team_ids["二车间"], person_id=person_id))


async def test_a_member_team_must_belong_to_the_members_meet(demo_db: Database, demo: DemoMeet) -> None:
    async with demo_db.write() as session:
        other = meet_row()
        session.add(other)
        await session.flush()
        person = Person(name="新职工", gender="M", employee_no="NEW001")
        session.add(person)
        await session.flush()
        other_id, person_id = other.id, person.id
    # The composite foreign key (team_id, meet_id) -> team(id, meet_id) refuses a team of the demo meet.
    await refused(demo_db, TeamMember(meet_id=other_id, team_id=demo.team_ids["一车间"], person_id=person_id))


async def test_bibs_are_unique_within_a_meet(demo_db: Database, demo: DemoMeet) -> None:
    first, second = demo.member_ids[demo.team_ids["一车间"]][:2]
    async with demo_db.write() as session:
        (await session.get(TeamMember, first)).bib = 101  # type: ignore[union-attr]
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            (await session.get(TeamMember, second)).bib = 101  # type: ignore[union-attr]


async def test_team_numbers_are_unique_within_a_meet(demo_db: Database, demo: DemoMeet) -> None:
    await refused(demo_db, Team(meet_id=demo.meet_id, number=1, name="后勤部"))


async def test_leader_account_without_a_team_is_refused(db: Database) -> None:
    await refused(
        db, UserAccount(username="lingdui9", display_name="领队", password_hash="x", role="leader"),
        check="ck_user_account_leader_team",
    )


async def test_unknown_role_is_refused(db: Database) -> None:
    await refused(db, UserAccount(username="boss", display_name="老板", password_hash="x", role="admin"), check="ck_user_account_role")


async def test_person_gender_is_m_or_f(db: Database) -> None:
    await refused(db, Person(name="某人", gender="X", employee_no="X001"), check="ck_person_gender")


async def test_employee_numbers_are_unique(db: Database) -> None:
    async with db.write() as session:
        session.add(Person(name="甲", gender="M", employee_no="X001"))
    await refused(db, Person(name="乙", gender="F", employee_no="X001"))


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"best_of": 2}, "ck_event_best_of"),
        ({"division": "juniors"}, "ck_event_division"),
        ({"roster_min": 5, "roster_max": 4}, "ck_event_roster"),
        ({"award_places": 17}, "ck_event_awards"),
    ],
    ids=["best_of", "division", "roster", "awards"],
)
async def test_event_check_constraints_refuse_bad_rows(demo_db: Database, demo: DemoMeet, changes: dict[str, Any], check: str) -> None:
    values: dict[str, Any] = dict(
        meet_id=demo.meet_id, code="NEW-EVENT", name="新项目", sport="athletics", division="men",
        kind="individual_timed", format="timed_final",
    )
    values.update(changes)
    await refused(demo_db, Event(**values), check=check)


async def test_event_codes_are_unique_within_a_meet(demo_db: Database, demo: DemoMeet) -> None:
    await refused(
        demo_db,
        Event(meet_id=demo.meet_id, code="XQ", name="象棋二", sport="chess", division="open",
              kind="individual_match", format="knockout"),
    )


async def test_venue_capacity_is_at_least_one(demo_db: Database, demo: DemoMeet) -> None:
    await refused(demo_db, Venue(meet_id=demo.meet_id, name="空场地", kind="hall", capacity=0), check="ck_venue_capacity")


async def test_referee_assignment_needs_an_event_or_a_venue(demo_db: Database, demo: DemoMeet) -> None:
    await refused(demo_db, RefereeAssignment(user_id=demo.user_ids["caipan1"]), check="ck_referee_assignment_target")


async def test_a_person_on_a_team_cannot_be_deleted_from_the_archive(demo_db: Database, demo: DemoMeet) -> None:
    person_id = demo.person_ids[demo.team_ids["一车间"]][0]
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            await session.delete(await session.get(Person, person_id))
