"""The audit log: each change writes one row in its own transaction; a refused change none."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from events import accounts, audit, meets, teams
from events.db import Database
from events.errors import DomainError, Forbidden
from events.models import AuditLog
from events.schemas import PersonInput, TeamInput, VenueInput
from tests.support import LEADER, ORGANISER, REFEREE, DemoMeet


async def _rows_after(db: Database, last_id: int) -> list[AuditLog]:
    async with db.read() as session:
        return list((await session.scalars(select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id))).all())


async def _last_id(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.max(AuditLog.id))) or 0


async def test_each_change_writes_one_row_naming_actor_meet_and_target(demo_db: Database, demo: DemoMeet) -> None:
    start = await _last_id(demo_db)
    org, leader = demo.actor(ORGANISER), demo.actor(LEADER)
    team = await teams.save_team(demo_db, org, demo.meet_id, TeamInput(name="后勤部", number=9))
    venue = await meets.save_venue(demo_db, org, demo.meet_id, VenueInput(name="游泳馆", kind="hall"))
    member = await teams.add_member(
        demo_db, leader, demo.team_of(LEADER), PersonInput(name="新职工", gender="F", employee_no="NEW001")
    )
    rows = await _rows_after(demo_db, start)
    assert [(r.action, r.actor_id, r.meet_id, r.target) for r in rows] == [
        ("team_save", org.user_id, demo.meet_id, f"team:{team.id}"),
        ("venue_save", org.user_id, demo.meet_id, f"venue:{venue.id}"),
        ("member_add", leader.user_id, demo.meet_id, f"team:{member.team_id}"),
    ]
    assert rows[2].summary == "新职工 加入「一车间」"


async def test_a_refused_change_writes_no_row(demo_db: Database, demo: DemoMeet) -> None:
    start = await _last_id(demo_db)
    with pytest.raises(DomainError):
        await teams.save_team(demo_db, demo.actor(ORGANISER), demo.meet_id, TeamInput(name="一车间", number=9))
    with pytest.raises(Forbidden):
        await teams.add_member(
            demo_db, demo.actor(LEADER), demo.team_ids["财务部"], PersonInput(name="新职工", gender="F", employee_no="NEW001")
        )
    assert await _rows_after(demo_db, start) == []


async def test_sign_in_is_audited(demo_db: Database, demo: DemoMeet) -> None:
    start = await _last_id(demo_db)
    user = await accounts.authenticate(demo_db, REFEREE, "zhijia2026", "10.0.0.1")
    await accounts.start_session(demo_db, user, None)
    [row] = await _rows_after(demo_db, start)
    assert (row.action, row.actor_id) == ("sign_in", user.id)


async def test_audit_log_is_for_organisers_only_and_filters_by_meet(demo_db: Database, demo: DemoMeet) -> None:
    org = demo.actor(ORGANISER)
    await meets.save_venue(demo_db, org, demo.meet_id, VenueInput(name="游泳馆", kind="hall"))
    rows = await audit.recent(demo_db, org, meet_id=demo.meet_id, limit=5)
    assert rows[0][0].action == "venue_save"
    assert rows[0][1] == org.display_name
    assert all(row.meet_id == demo.meet_id for row, _ in rows)
    for username in (LEADER, REFEREE):
        with pytest.raises(Forbidden):
            await audit.recent(demo_db, demo.actor(username))
