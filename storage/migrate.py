"""``kbot db upgrade``: run the Alembic migrations on the process's engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate to ``revision``. On SQLite foreign keys are off meanwhile: rebuilding a table
    (the only way SQLite alters some things) would otherwise cascade its rows' deletion."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        if sqlite:
            await conn.run_sync(sqlite_foreign_keys, False)
        try:
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), revision))
            await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await conn.run_sync(sqlite_foreign_keys, True)


def sqlite_foreign_keys(sync: Connection, on: bool) -> None:
    """Set SQLite's foreign key enforcement outside any transaction (it is a no-op inside)."""
    cursor = sync.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


class SchemaOutOfDate(RuntimeError):
    """The database schema is not at the head revision this kbot needs."""

    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(
            f"database schema is at {current or 'nothing'}, this kbot needs {head}: "
            "run `kbot db upgrade`"
        )
        self.current = current


async def check_schema(engine: AsyncEngine) -> None:
    """Raise ``SchemaOutOfDate`` unless the schema is at the head revision."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(current, head)
