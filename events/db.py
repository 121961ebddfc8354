"""The database: one engine, read sessions and write sessions.

SQLite is the default (a file, WAL, foreign keys on, a 10 s busy timeout). Its write
transactions begin IMMEDIATE: a deferred BEGIN lets two writers both read "2 entries" and
both insert a third, and fails the loser later with "database is locked". PostgreSQL is
chosen with ``ZHIJIA_DATABASE_URL``; there the services take row locks instead.

SQLite calls run at once on the event loop's thread (``_InlineSQLite``): a statement on a
local file takes microseconds, while aiosqlite hands every call (four per statement) to the
connection's own thread and back, each hand-off waiting for its turn on a busy event loop —
with the write lock held across all of those waits. Only a call that has to wait for another
connection's lock goes to that thread, where the busy timeout applies.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

DEFAULT_SQLITE_PATH = "zhijia.sqlite3"
# Test-only: ZHIJIA_UNSAFE_DISABLE_LOCKS=1 turns off the write locks (SQLite BEGIN IMMEDIATE,
# PostgreSQL row locks) so the race tests can show what the locks prevent. Never in production.
UNSAFE_DISABLE_LOCKS_ENV = "ZHIJIA_UNSAFE_DISABLE_LOCKS"
BUSY_TIMEOUT_MS = 10_000
_WRITE = "zhijia_write"
_NO_BEGIN = "zhijia_no_begin"


def database_url_from_env(default_path: str | os.PathLike[str] | None = None) -> str:
    url = os.environ.get("ZHIJIA_DATABASE_URL")
    if url:
        return url
    path = Path(default_path or os.environ.get("ZHIJIA_SQLITE_PATH", DEFAULT_SQLITE_PATH))
    return f"sqlite+aiosqlite:///{path.resolve()}"


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes: another connection holds the lock this call needs."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


def _call_waiting(conn: sqlite3.Connection, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """``fn`` again, this time letting SQLite wait up to the busy timeout (on the connection's thread)."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


class _InlineSQLite(aiosqlite.Connection):
    """An aiosqlite connection whose calls run at once on the calling thread.

    The connection's busy timeout is 0, so an inline call never sleeps: when it meets another
    connection's lock (SQLITE_BUSY, raised before the statement changed anything) it is sent
    to aiosqlite's thread and run again there with the 10 s timeout, so only that wait leaves
    the event loop. In WAL mode that is BEGIN IMMEDIATE, or a deferred transaction's first
    write, while another process writes; readers never wait. (Hooks aiosqlite 0.22's one
    funnel, ``Connection._execute``, which its cursors use too.)
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        return await super()._execute(_call_waiting, self._connection, fn, args, kwargs)


def _inline_connector(path: str) -> Callable[[], Any]:
    async def connect() -> _InlineSQLite:
        connector = functools.partial(sqlite3.connect, path, timeout=0, check_same_thread=False)
        return await _InlineSQLite(connector, iter_chunk_size=64)

    return connect


def _install_sqlite_behaviour(engine: AsyncEngine, *, immediate: bool, inline: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={0 if inline else BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if immediate and options.get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get(_NO_BEGIN):
            conn.exec_driver_sql("BEGIN")


def _install_text_without_nul(engine: AsyncEngine) -> None:
    """Every statement's text values lose any NUL character: nobody types one, and PostgreSQL
    refuses to store it (the request would end in a 500, whichever form or import it came
    from). Dropped here, once, for both databases, so they store the same text."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _drop_nul(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> tuple[str, Any]:
        # executemany sends one set of values per row; a batched INSERT (insertmanyvalues) one flat set
        if executemany and parameters and isinstance(parameters[0], (tuple, list, dict)):
            return statement, [_without_nul(p) for p in parameters]
        return statement, _without_nul(parameters)


def _without_nul(parameters: Any) -> Any:
    """The same parameters (a tuple, list or dict), with NUL taken out of their strings; the
    very same object when there is none, which is nearly always."""
    values = parameters.values() if isinstance(parameters, dict) else parameters or ()
    if not any(isinstance(v, str) and "\x00" in v for v in values):
        return parameters
    def clean(v: Any) -> Any:
        return v.replace("\x00", "") if isinstance(v, str) else v
    if isinstance(parameters, dict):
        return {k: clean(v) for k, v in parameters.items()}
    return type(parameters)(clean(v) for v in parameters)


async def _on_driver(conn: AsyncConnection, call: Awaitable[Any]) -> None:
    """A call made on the driver's own connection. If it fails the connection's state is not
    known (a transaction may still be open), so the pool must not hand it out again; the
    failure reaches the caller as SQLAlchemy's ``OperationalError``, like any other."""
    try:
        await call
    except Exception as exc:
        await conn.invalidate()
        raise OperationalError("driver call", None, exc) from exc


class Database:
    """Owns the engine; hands out sessions for reading and for writing."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        self.locking = os.environ.get(UNSAFE_DISABLE_LOCKS_ENV) != "1"
        kwargs: dict[str, Any] = {"echo": echo}
        # Inline SQLite calls make one process's transactions run without interleaving; the
        # test-only unlocked mode keeps aiosqlite's thread hand-offs, so that the race tests'
        # control run still shows what the locks prevent.
        inline = self.dialect == "sqlite" and self.locking and parsed.database not in (None, "", ":memory:")
        if inline:
            kwargs["async_creator"] = _inline_connector(str(parsed.database))
        elif self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        else:
            # No pre-ping: it costs a round trip on every checkout (two per request). After a
            # server restart the first statement on a stale connection fails and SQLAlchemy then
            # replaces the whole pool; recycling bounds how old a connection gets. The pool keeps
            # enough connections for a busy meet's requests: a connection opened beyond it is
            # closed when given back, and the next one pays for its start-up (TLS negotiation,
            # authentication) and prepares its statements again.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1800)
        self.engine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _install_sqlite_behaviour(self.engine, immediate=self.locking, inline=inline)
        _install_text_without_nul(self.engine)
        self._read = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # SQLite has one writer at a time. Writers of this process take turns here instead of
        # all spinning in SQLite's busy handler, whose growing sleeps make a long latency tail.
        # Held weakly: a row's lock lives while a writer holds or awaits it, so a long-running
        # server keeps no lock for each row it ever wrote.
        self._turns: weakref.WeakValueDictionary[tuple[int, Any], asyncio.Lock] = weakref.WeakValueDictionary()
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        # Lookups of one row need no snapshot across statements: each runs in its own implicit
        # transaction, which saves a BEGIN and a ROLLBACK per request (PostgreSQL: two round trips).
        self._lookup_engine = (
            self.engine.execution_options(**{_NO_BEGIN: True})
            if self.dialect == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._write = async_sessionmaker(self._write_engine, expire_on_commit=False, autoflush=False)

    @property
    def locks_rows(self) -> bool:
        """Whether ``lock_rows`` takes row locks (PostgreSQL with locking on)."""
        return not self.is_sqlite and self.locking

    async def lock_rows(self, session: AsyncSession | AsyncConnection, table: str, ids: list[int]) -> None:
        """Row locks in the given order (PostgreSQL). SQLite's IMMEDIATE transaction already
        holds the single write lock, and SQLite has no FOR UPDATE."""
        if not self.locks_rows or not ids:
            return
        from sqlalchemy import text

        for row_id in ids:
            await session.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})

    async def lock_name(self, session: AsyncSession | AsyncConnection, name: str) -> None:
        """A lock on a name rather than a row, held to the end of the transaction (PostgreSQL:
        a transaction-level advisory lock on the name's 64-bit hash). For a rule that spans rows
        no one row stands for, such as every result and record claim of one event code. Take it
        before any row lock of the same work, so two writers never wait on each other crosswise."""
        if not self.locks_rows:
            return
        from sqlalchemy import text

        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    def _turn(self, key: Any = None) -> AbstractAsyncContextManager[Any]:
        """This process's writers take turns: on SQLite all of them (one writer at a time), on
        PostgreSQL those about to lock the same row (``key``). A writer waiting here holds no
        pooled connection and no row lock; the database's locks still decide across processes."""
        if not self.locking or (key is None and not self.is_sqlite):
            return nullcontext()
        return self._turn_lock(key)

    def _turn_lock(self, key: Any) -> asyncio.Lock:
        turn = (id(asyncio.get_running_loop()), None if self.is_sqlite else key)
        lock = self._turns.get(turn)
        if lock is None:
            lock = self._turns[turn] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits on success, rolls back on any exception."""
        async with self._turn(), self._write() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write_connection(self, lock: tuple[str, int] | None = None) -> AsyncIterator[AsyncConnection]:
        """One write transaction on a bare connection, for Core statements on a hot path.

        ``lock`` names the row the transaction locks before anything else, as (table, id).
        PostgreSQL: the transaction's BEGIN and that row's ``FOR UPDATE`` go to the server
        together, as one simple query, so the statements after it see everything committed
        before the lock was granted (READ COMMITTED takes a snapshot per statement); this
        process's writers to the same row wait their turn first (``_turn``). SQLite: the
        IMMEDIATE transaction's write lock covers every row."""
        if lock is None or not self.locks_rows:
            async with self._turn(lock), self._write_engine.begin() as conn:
                yield conn
            return
        table, row_id = lock
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        begin = f"BEGIN; SELECT 1 FROM {table} WHERE id = {int(row_id)} FOR UPDATE"
        # This writer's turn ends as its COMMIT or ROLLBACK is sent: the next writer's BEGIN and
        # lock then travel while this transaction ends, and the row lock, held until it has
        # ended, still keeps the two apart. That saves the next writer a wake-up on a busy loop.
        turn = self._turn_lock(lock)
        await turn.acquire()
        held = True

        def end_turn() -> None:
            nonlocal held
            if held:
                held = False
                turn.release()

        try:
            # The connection is in autocommit mode, so SQLAlchemy sends no BEGIN or COMMIT of
            # its own: the transaction is opened and ended here, on the driver's connection.
            async with self._lookup_engine.connect() as conn:
                driver = (await conn.get_raw_connection()).driver_connection
                await _on_driver(conn, driver.execute(begin))
                try:
                    yield conn
                except BaseException:
                    end_turn()
                    with suppress(OperationalError):  # the body's own error is the one to report
                        await _on_driver(conn, driver.execute("ROLLBACK"))
                    raise
                end_turn()
                await _on_driver(conn, driver.execute("COMMIT"))
        finally:
            end_turn()

    @asynccontextmanager
    async def lookup_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a hot path's Core lookups, which need no snapshot across statements."""
        async with self._lookup_engine.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
