"""The migrations: they build the schema the models describe, and a migration that fills a new
column from old rows fills it by the rule the services use. Each test makes a database of its
own (the shared templates are already at the newest revision), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import events.activity_models
import events.timetable_models  # noqa: F401  (their tables are part of the metadata)
from events.db import Database
from events.migrate import upgrade
from events.models import Base, Campaign, Person, VisitGroup
from tests.conftest import BACKENDS, _admin, sqlite_url, with_database


@pytest.fixture(params=BACKENDS)
async def fresh_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The URL of an empty database, not migrated."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.sqlite3")
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"zhijia_migration_{uuid.uuid4().hex[:10]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        await _admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


async def _compare(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            compare: Callable[[sa.Connection], list[object]] = lambda sync: list(  # noqa: E731
                compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def test_the_migrations_build_the_schema_the_models_describe(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url)
    assert await _compare(fresh_url) == []


async def test_existing_visit_group_members_are_matched_to_the_people_archive_by_name_and_unit(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0012")
    db = Database(fresh_url)
    try:
        async with db.write() as session:
            people = {
                key: Person(name=name, gender="F", employee_no=key, unit=unit)
                for key, name, unit in [
                    ("only", "王芳", "财务部"),  # the only 王芳
                    ("twin-a", "李强", "一车间"), ("twin-b", "李强", "二车间"),  # two 李强, told apart by unit
                    ("same-a", "张伟", "三车间"), ("same-b", "张伟", "三车间"),  # two 张伟 of one unit
                ]
            }
            session.add_all(people.values())
            campaign = Campaign(name="2027年春节慰问", festival="春节", host="公司工会",
                                starts_on=dt.date(2027, 1, 20), ends_on=dt.date(2027, 2, 10))
            session.add(campaign)
            await session.flush()
            group = VisitGroup(campaign_id=campaign.id, name="第一组", visit_on=campaign.starts_on, position=1)
            session.add(group)
            await session.flush()
            members = [
                ("王芳", ""), ("王芳", "别的部门"),  # the only one of the name: matched, whatever the unit
                ("李强", "二车间"), ("李强", ""), ("李强", "四车间"),  # by unit; without it ambiguous
                ("张伟", "三车间"),  # two of that unit: ambiguous
                ("外聘司机", ""),  # not in the archive
            ]
            for name, unit in members:
                await session.execute(
                    sa.text("INSERT INTO visit_group_member (group_id, name, unit, phone) VALUES (:g, :n, :u, '')"),
                    {"g": group.id, "n": name, "u": unit},
                )
            ids = {key: person.id for key, person in people.items()}
        await asyncio.to_thread(upgrade, fresh_url)
        async with db.read() as session:
            linked = (await session.execute(sa.text("SELECT name, unit, person_id FROM visit_group_member ORDER BY id"))).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in linked] == [
        ("王芳", "", ids["only"]), ("王芳", "别的部门", ids["only"]),
        ("李强", "二车间", ids["twin-b"]), ("李强", "", None), ("李强", "四车间", None),
        ("张伟", "三车间", None),
        ("外聘司机", "", None),
    ]
