"""``Database.write_connection``: the hot path's write transaction, opened with one row locked.

On PostgreSQL the transaction is opened and ended on the driver's connection (BEGIN and the
row's FOR UPDATE in one simple query), so these tests prove what SQLAlchemy would otherwise
guarantee: a failure rolls everything back, no connection goes back to the pool inside a
transaction, the row stays locked until the transaction ends, and what commits is kept.
"""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from events.db import Database
from events.models import AuditLog
from tests.conftest import asyncpg_dsn
from tests.support import DemoMeet


def _team(demo: DemoMeet) -> int:
    return next(iter(demo.team_ids.values()))


async def _audit_rows(db: Database, action: str) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).where(AuditLog.action == action))).scalar_one()


async def _write_audit(conn, action: str) -> None:  # type: ignore[no-untyped-def]
    await conn.execute(text("INSERT INTO audit_log (at, action, target, summary, reason) "
                            "VALUES (CURRENT_TIMESTAMP, :action, '', '', '')"), {"action": action})


async def test_what_the_transaction_wrote_is_kept_when_it_ends_well(demo_db: Database, demo: DemoMeet) -> None:
    async with demo_db.write_connection(lock=("team", _team(demo))) as conn:
        await _write_audit(conn, "kept")
    assert await _audit_rows(demo_db, "kept") == 1


async def test_a_failed_statement_rolls_back_the_whole_transaction(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(IntegrityError):
        async with demo_db.write_connection(lock=("team", _team(demo))) as conn:
            await _write_audit(conn, "rolled back")
            await conn.execute(text("INSERT INTO team (id, meet_id, name) VALUES (:id, :meet, 'x')"),
                               {"id": _team(demo), "meet": demo.meet_id})  # the id is taken
    assert await _audit_rows(demo_db, "rolled back") == 0
    # The next transactions on the pool's connections start clean and commit.
    for _ in range(3):
        async with demo_db.write_connection(lock=("team", _team(demo))) as conn:
            await _write_audit(conn, "after")
    assert await _audit_rows(demo_db, "after") == 3


async def test_an_exception_in_the_body_rolls_back(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(LookupError):
        async with demo_db.write_connection(lock=("team", _team(demo))) as conn:
            await _write_audit(conn, "abandoned")
            raise LookupError("refused by a rule")
    assert await _audit_rows(demo_db, "abandoned") == 0


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_no_connection_goes_back_to_the_pool_inside_a_transaction(demo_db: Database, demo: DemoMeet) -> None:
    with pytest.raises(LookupError):
        async with demo_db.write_connection(lock=("team", _team(demo))):
            raise LookupError("refused by a rule")
    async with demo_db.write_connection(lock=("team", _team(demo))):
        pass
    for _ in range(demo_db.engine.pool.checkedin()):  # type: ignore[attr-defined]
        async with demo_db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert not driver.is_in_transaction()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_the_row_stays_locked_until_the_transaction_ends(demo_db: Database, demo: DemoMeet) -> None:
    team_id = _team(demo)
    other = await asyncpg.connect(asyncpg_dsn(demo_db.url))
    try:
        probe = "SELECT id FROM team WHERE id = $1 FOR UPDATE NOWAIT"
        async with demo_db.write_connection(lock=("team", team_id)):
            async with other.transaction():
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await other.fetch(probe, team_id)
        async with other.transaction():
            assert len(await other.fetch(probe, team_id)) == 1
    finally:
        await other.close()


@pytest.mark.parametrize("backend", ["postgresql"])  # only PostgreSQL puts the table's name into SQL
async def test_a_table_name_must_be_a_plain_identifier(demo_db: Database) -> None:
    with pytest.raises(ValueError):
        async with demo_db.write_connection(lock=("team; DROP TABLE team", 1)):
            pass


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_rows_turn_is_forgotten_when_no_writer_holds_or_awaits_it(demo_db: Database, demo: DemoMeet) -> None:
    team_ids = list(demo.team_ids.values())
    async with demo_db.write_connection(lock=("team", team_ids[0])):
        assert len(demo_db._turns) == 1  # noqa: SLF001
    for team_id in team_ids:
        async with demo_db.write_connection(lock=("team", team_id)) as conn:
            await _write_audit(conn, "turn")
    assert len(demo_db._turns) == 0  # noqa: SLF001
    assert await _audit_rows(demo_db, "turn") == len(team_ids)
