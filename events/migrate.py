"""Alembic migrations, one set for SQLite and PostgreSQL: ``zhijia db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current_revision_is_head(url: str) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    script = ScriptDirectory.from_config(alembic_config(url))
    engine = create_engine(sync_url)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == script.get_current_head()
