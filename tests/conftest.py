"""Fixtures for every zhijia test: one database per test on SQLite and on PostgreSQL.

``backend`` is parametrised over ``sqlite`` and ``postgresql`` (marked ``postgres``); a test
that asks for ``db`` (migrated, empty) or ``demo_db`` (the demo meet, see ``demo``) runs on
both. Pin one backend with ``@pytest.mark.parametrize("backend", ["sqlite"])``.

PostgreSQL comes from ``ZHIJIA_TEST_POSTGRES_URL`` (an admin URL such as
postgresql+asyncpg://zhijia@127.0.0.1:5432/postgres), else from a throw-away server started
once per session when PostgreSQL's binaries are installed, else the tests are skipped —
except under ``CI=true``, where they fail: CI must run them.

Templates are migrated (and demo-loaded) once per session. On SQLite each test gets a file
copy. On PostgreSQL each test gets a database from a small pool, reset to the template's rows
by TRUNCATE and binary COPY (tests/pg_snapshot.py: ~50 ms, measured against ~300 ms for
CREATE DATABASE ... TEMPLATE plus DROP); the pool is dropped at the end of the session.
Tests must therefore change rows only, never the schema.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from sqlalchemy.engine import make_url

from events import accounts
from events.db import Database
from events.migrate import upgrade
from tests import pg_snapshot
from tests.pg_cluster import ThrowawayCluster, find_bin_dir
from tests.support import HOST, Client, DemoMeet, build_demo, call_in_thread, run_in_thread, settings_for
from web.app import create_app

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ENV = "ZHIJIA_TEST_POSTGRES_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def asyncpg_dsn(url: str) -> str:
    """asyncpg's own DSN for an SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Templates:
    """Where a backend's templates live and the demo meet's ids in them."""

    empty: str  # SQLite: a file path; PostgreSQL: a database name
    demo: str
    demo_meet: DemoMeet


async def _build_demo_template(url: str) -> DemoMeet:
    db = Database(url)
    try:
        return await build_demo(db)
    finally:
        await db.dispose()


# Passwords --------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[PasswordHasher]:
    """argon2id with the smallest cost for the whole session; yields the app's own hasher.

    The app's hasher (argon2-cffi's defaults: 64 MiB, 3 passes) takes 50–200 ms a check on
    this machine, and throttling and sign-in tests check dozens of passwords. The hash format
    and the code path are unchanged; test_accounts checks the app's own parameters.
    """
    original = accounts._hasher, accounts._DUMMY_HASH
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts._hasher, accounts._DUMMY_HASH = fast, fast.hash("zhijia-dummy-password")
    try:
        yield original[0]
    finally:
        accounts._hasher, accounts._DUMMY_HASH = original


# SQLite -----------------------------------------------------------------------------------


def _copy_sqlite(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    root = tmp_path_factory.mktemp("sqlite-templates")
    empty, demo = root / "empty.sqlite3", root / "demo.sqlite3"
    call_in_thread(upgrade, sqlite_url(empty))
    _copy_sqlite(empty, demo)
    demo_meet = run_in_thread(lambda: _build_demo_template(sqlite_url(demo)))
    return Templates(empty=str(empty), demo=str(demo), demo_meet=demo_meet)


# PostgreSQL -------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL tests must run in CI (CI=true): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """An admin URL of a PostgreSQL server that may create databases."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        yield url
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unavailable(
            f"no PostgreSQL: set {POSTGRES_ENV} or install PostgreSQL's binaries "
            "(Debian: apt-get install postgresql)"
        )
    cluster = ThrowawayCluster(bin_dir)  # type: ignore[arg-type]
    try:
        cluster.start()
        yield cluster.admin_url
    finally:
        cluster.stop()


async def _admin(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@dataclass(frozen=True)
class PostgresTemplates(Templates):
    snapshots: dict[str, pg_snapshot.Snapshot]  # "empty" / "demo" -> the template's rows


@pytest.fixture(scope="session")
def postgres_templates(postgres_admin_url: str) -> Iterator[PostgresTemplates]:
    """Template databases (names in ``.empty`` and ``.demo``, usable in CREATE DATABASE ...
    TEMPLATE) and snapshots of their rows."""
    tag = uuid.uuid4().hex[:10]
    empty, demo = f"zhijia_tpl_{tag}_empty", f"zhijia_tpl_{tag}_demo"
    run_in_thread(lambda: _admin(postgres_admin_url, f'CREATE DATABASE "{empty}"'))
    try:
        call_in_thread(upgrade, with_database(postgres_admin_url, empty))
        run_in_thread(lambda: _admin(postgres_admin_url, f'CREATE DATABASE "{demo}" TEMPLATE "{empty}"'))
        demo_meet = run_in_thread(lambda: _build_demo_template(with_database(postgres_admin_url, demo)))
        snapshots = {
            kind: run_in_thread(lambda name=name: pg_snapshot.take(asyncpg_dsn(with_database(postgres_admin_url, name))))
            for kind, name in (("empty", empty), ("demo", demo))
        }
        yield PostgresTemplates(empty=empty, demo=demo, demo_meet=demo_meet, snapshots=snapshots)
    finally:
        run_in_thread(
            lambda: _admin(
                postgres_admin_url,
                f'DROP DATABASE IF EXISTS "{demo}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)',
            )
        )


class PostgresPool:
    """The session's migrated work databases; a test takes one and gives it back after."""

    def __init__(self, admin_url: str, template: str) -> None:
        self.admin_url, self.template = admin_url, template
        self.tag = uuid.uuid4().hex[:10]
        self.free: list[str] = []
        self.created: list[str] = []

    async def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"zhijia_test_{self.tag}_{len(self.created)}"
        await _admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return name

    def give_back(self, name: str) -> None:
        self.free.append(name)

    async def drop_all(self) -> None:
        await _admin(self.admin_url, *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.created))


@pytest.fixture(scope="session")
def postgres_pool(postgres_admin_url: str, postgres_templates: PostgresTemplates) -> Iterator[PostgresPool]:
    pool = PostgresPool(postgres_admin_url, postgres_templates.empty)
    try:
        yield pool
    finally:
        run_in_thread(pool.drop_all)


# One database per test --------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _templates(request: pytest.FixtureRequest, backend: str) -> Templates:
    name = "sqlite_templates" if backend == "sqlite" else "postgres_templates"
    return request.getfixturevalue(name)


@pytest.fixture
async def make_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> AsyncIterator[Callable[[str], Awaitable[Database]]]:
    """``await make_database("empty" | "demo")``: a database of the test's backend holding
    exactly that template's rows; each call gives another one."""
    templates = _templates(request, backend)
    made: list[tuple[Database, str | None]] = []
    pool: PostgresPool | None = request.getfixturevalue("postgres_pool") if backend == "postgresql" else None

    async def make(kind: str) -> Database:
        assert kind in ("empty", "demo"), kind
        if backend == "sqlite":
            path = tmp_path / f"{kind}-{len(made)}.sqlite3"
            _copy_sqlite(Path(templates.demo if kind == "demo" else templates.empty), path)
            db = Database(sqlite_url(path))
            made.append((db, None))
            return db
        assert pool is not None
        name = await pool.take()
        url = with_database(pool.admin_url, name)
        made.append((db := Database(url), name))
        await pg_snapshot.restore(asyncpg_dsn(url), templates.snapshots[kind])  # type: ignore[attr-defined]
        return db

    try:
        yield make
    finally:
        for database, name in made:
            await database.dispose()
            if pool is not None and name is not None:
                pool.give_back(name)


@pytest.fixture
async def db(make_database: Callable[[str], Awaitable[Database]]) -> Database:
    """A migrated, empty database of the test's backend."""
    return await make_database("empty")


@pytest.fixture
async def demo_db(make_database: Callable[[str], Awaitable[Database]]) -> Database:
    """A database holding the demo meet (第六届职工运动会) and one session per demo account."""
    return await make_database("demo")


@pytest.fixture
def demo(request: pytest.FixtureRequest, backend: str) -> DemoMeet:
    """The demo meet's ids (valid in ``demo_db``)."""
    return _templates(request, backend).demo_meet


# The app ----------------------------------------------------------------------------------


@pytest.fixture
async def app(demo_db: Database) -> AsyncIterator[Litestar]:
    """The app on the demo database, started (lifespan) for the test."""
    application = create_app(settings_for(demo_db), demo_db)
    # The lifespan is entered and left in one task of its own: pytest-asyncio sets a fixture
    # up and tears it down in different tasks, which anyio's cancel scopes refuse.
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # startup failed: raise its error
    try:
        yield application
    finally:
        stop.set()
        await task


@pytest.fixture
async def clients(app: Litestar, demo: DemoMeet) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    """``await clients("zuweihui")``: a new client (own cookies) signed in as that demo account;
    ``await clients()``: an anonymous one.

    httpx's ASGITransport runs the app on the test's own event loop. (Litestar's
    AsyncTestClient runs it on a portal thread's loop, which strands the app's PostgreSQL
    connections on a loop the test cannot close them from.)
    """
    async with AsyncExitStack() as stack:

        async def open_client(username: str | None = None) -> Client:
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{HOST}")
            )
            return Client(http, demo).sign_in_as(username)

        yield open_client


@pytest.fixture
async def client(clients: Callable[..., Awaitable[Client]]) -> Client:
    """An anonymous client of the demo app; ``client.sign_in_as(name)`` switches account."""
    return await clients()


# Reporting: how many tests ran on each backend; in CI a skipped PostgreSQL test fails the run.

_OUTCOMES: dict[str, dict[str, int]] = {}
_BACKEND_OF: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "backend" in callspec.params:
            _BACKEND_OF[item.nodeid] = callspec.params["backend"]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    backend = _BACKEND_OF.get(report.nodeid)
    if backend is None:
        return
    counts = _OUTCOMES.setdefault(backend, {"passed": 0, "failed": 0, "skipped": 0})
    if report.skipped:
        counts["skipped"] += 1
    elif report.failed:
        counts["failed"] += 1
    elif report.when == "call":
        counts["passed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        return
    line = "; ".join(
        f"{backend}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
        for backend, c in sorted(_OUTCOMES.items())
    )
    terminalreporter.write_line(f"zhijia database backends — {line}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    skipped = _OUTCOMES.get("postgresql", {}).get("skipped", 0)
    if IN_CI and skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
