"""A household assigned to a visit group while another organiser cancels that group, at once, on
a real PostgreSQL server: the database's trigger on the household takes a share lock on the
group's row, so the cancellation waits for the assignment and then refuses; the control runs
the same two transactions with that trigger lock-free and shows both committing — a household
left in a cancelled group."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events import campaigns, visit_groups
from events.db import Database
from events.errors import Conflict
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.visit_groups import GroupInput
from tests.conftest import asyncpg_dsn
from tests.support import ORGANISER, DemoMeet

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

ASSIGN = "UPDATE beneficiary SET group_id = $1 WHERE id = $2"
CANCEL = "UPDATE visit_group SET cancelled_at = now() WHERE id = $1"


async def _campaign_id(db: Database, demo: DemoMeet) -> int:
    listing = await campaigns.list_campaigns(db, demo.actor(ORGANISER))
    return next(c.id for c in listing if c.name == DEMO_CAMPAIGN_NAME)


async def _setup(db: Database, demo: DemoMeet, name: str) -> tuple[int, int]:
    """A new, empty group of the demo campaign and a household of another group."""
    organiser = demo.actor(ORGANISER)
    campaign_id = await _campaign_id(db, demo)
    group = await visit_groups.save_group(db, organiser, campaign_id, GroupInput(name=name))
    board = await campaigns.board(db, organiser, campaign_id)
    household = next(h.b.id for g in board.groups if g.group.id != group.id for h in g.households)
    return group.id, household


async def _state(conn: asyncpg.Connection, group_id: int, household: int) -> tuple[int | None, bool]:
    in_group = await conn.fetchval("SELECT group_id FROM beneficiary WHERE id = $1", household)
    cancelled = await conn.fetchval("SELECT cancelled_at IS NOT NULL FROM visit_group WHERE id = $1", group_id)
    return in_group, cancelled


async def test_a_cancellation_waits_for_an_assignment_to_its_group_and_then_refuses(demo_db: Database, demo: DemoMeet) -> None:
    group_id, household = await _setup(demo_db, demo, "竞争组")
    assigner = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    canceller = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    try:
        assigning = assigner.transaction()
        await assigning.start()
        await assigner.execute(ASSIGN, group_id, household)

        async def cancel() -> None:
            async with canceller.transaction():
                await canceller.execute(CANCEL, group_id)

        cancelling = asyncio.create_task(cancel())
        await asyncio.sleep(0.3)
        assert not cancelling.done()  # waiting on the group's row
        await assigning.commit()
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="households cannot be cancelled"):
            await cancelling
        assert await _state(assigner, group_id, household) == (group_id, False)
    finally:
        await assigner.close()
        await canceller.close()


async def test_an_organiser_cancelling_in_that_moment_is_told_why_in_chinese(demo_db: Database, demo: DemoMeet) -> None:
    group_id, household = await _setup(demo_db, demo, "服务组")
    assigner = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    try:
        assigning = assigner.transaction()
        await assigning.start()
        await assigner.execute(ASSIGN, group_id, household)
        cancelling = asyncio.create_task(
            visit_groups.cancel_group(demo_db, demo.actor(ORGANISER), await _campaign_id(demo_db, demo), group_id)
        )
        await asyncio.sleep(0.3)
        assert not cancelling.done()
        await assigning.commit()
        with pytest.raises(Conflict, match="刚有慰问对象被安排到该小组"):
            await cancelling
        assert await _state(assigner, group_id, household) == (group_id, False)
    finally:
        await assigner.close()


async def test_control_without_the_trigger_lock_both_commit_and_a_household_is_left_in_a_cancelled_group(
    demo_db: Database, demo: DemoMeet
) -> None:
    group_id, household = await _setup(demo_db, demo, "对照组")
    assigner = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    canceller = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    try:
        original = await assigner.fetchval("SELECT pg_get_functiondef('beneficiary_active_group'::regproc)")
        assert " FOR SHARE" in original
        assigning = assigner.transaction()
        await assigning.start()
        # the trigger without its lock, seen by this transaction only (DDL is transactional)
        await assigner.execute(original.replace(" FOR SHARE", ""))
        await assigner.execute(ASSIGN, group_id, household)
        async with canceller.transaction():
            await asyncio.wait_for(canceller.execute(CANCEL, group_id), timeout=5)  # nothing to wait for
        await assigner.execute(original)  # the trigger as it was, before this transaction commits
        await assigning.commit()
        assert await _state(canceller, group_id, household) == (group_id, True)  # the race, shown
        assert await canceller.fetchval("SELECT pg_get_functiondef('beneficiary_active_group'::regproc)") == original
    finally:
        await assigner.close()
        await canceller.close()
