"""Reset a PostgreSQL test database to a template's rows: TRUNCATE, then binary COPY.

Measured on the demo meet: about 50 ms, against about 300 ms for CREATE DATABASE ... TEMPLATE
plus DROP DATABASE. The schema is not touched (the database was created from the migrated
template), only the rows and the sequences; ``alembic_version`` is left alone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from graphlib import TopologicalSorter

import asyncpg

KEEP = {"alembic_version"}


@dataclass(frozen=True)
class Snapshot:
    tables: tuple[str, ...]  # parents before children
    rows: dict[str, bytes]  # binary COPY of each table that has rows
    sequences: tuple[tuple[str, int | None], ...]  # (name, last value; None: never used)


async def _tables_in_dependency_order(conn: asyncpg.Connection) -> tuple[str, ...]:
    tables = [
        r["tablename"]
        for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        if r["tablename"] not in KEEP
    ]
    edges = await conn.fetch(
        """
        SELECT child.relname AS child, parent.relname AS parent
        FROM pg_constraint k
        JOIN pg_class child ON child.oid = k.conrelid
        JOIN pg_class parent ON parent.oid = k.confrelid
        JOIN pg_namespace n ON n.oid = child.relnamespace
        WHERE k.contype = 'f' AND n.nspname = 'public'
        """
    )
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for edge in edges:
        if edge["child"] in graph and edge["parent"] in graph and edge["child"] != edge["parent"]:
            graph[edge["child"]].add(edge["parent"])
    return tuple(TopologicalSorter(graph).static_order())


async def take(dsn: str) -> Snapshot:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await _tables_in_dependency_order(conn)
        rows: dict[str, bytes] = {}
        for table in tables:
            if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                buffer = io.BytesIO()
                await conn.copy_from_table(table, output=buffer, format="binary")
                rows[table] = buffer.getvalue()
        sequences = tuple(
            (r["sequencename"], r["last_value"])
            for r in await conn.fetch("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )
    finally:
        await conn.close()
    return Snapshot(tables=tables, rows=rows, sequences=sequences)


async def restore(dsn: str, snapshot: Snapshot) -> None:
    """Make the database's rows and sequences the snapshot's, whatever a test left behind."""
    conn = await asyncpg.connect(dsn)
    try:
        # A connection a test leaked (idle in a transaction) would block TRUNCATE forever.
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        async with conn.transaction():
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in snapshot.tables) + " RESTART IDENTITY CASCADE"
            )
            for table in snapshot.tables:
                if table in snapshot.rows:
                    await conn.copy_to_table(table, source=io.BytesIO(snapshot.rows[table]), format="binary")
            for name, last_value in snapshot.sequences:
                if last_value is None:  # never used in the snapshot: start again at 1
                    await conn.execute("SELECT setval($1::regclass, 1, false)", f'"{name}"')
                else:
                    await conn.execute("SELECT setval($1::regclass, $2)", f'"{name}"', last_value)
    finally:
        await conn.close()
