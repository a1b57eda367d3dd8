"""Engine and session set-up: one engine per process, created by the composition root.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction starts
with ``BEGIN IMMEDIATE`` so a claiming writer never hits a read-to-write upgrade deadlock.
``ReadSessions`` are the exception: they issue no ``BEGIN`` at all, so each statement reads
its own snapshot (as every statement does on MySQL at READ COMMITTED), readers never take
the write lock, and a read costs fewer round trips to the driver thread. They refuse writes.
MySQL/MariaDB connects in utf8mb4 with pre-ping and recycling, at READ COMMITTED (the claim
query uses ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import ConnectionPoolEntry

from core.config import DatabaseConfig

READ_ONLY = "kbot_read_only"  # execution option: this connection's transactions never write
# Chat-command reads open at once on SQLite. With bench/webhook_load.py on 2 cores, 2-3
# answered and handled the most; 4 or more (and no limit) lost both to GIL contention
# between the aiosqlite threads, and the HTTP answers' p99 went up.
SQLITE_READERS = 2


def create_engine(cfg: DatabaseConfig, *, timezone: str) -> AsyncEngine:
    """The process's engine; ``timezone`` (the configured zone) is the MySQL session's, so
    that ``NOW()`` and the seed's ``CURRENT_TIMESTAMP`` defaults agree with the local times
    kbot writes (SQLite has no session zone: kbot writes those columns itself)."""
    url = make_url(cfg.url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(cfg)
    query = dict(url.query)
    query.setdefault("charset", "utf8mb4")
    engine = _create_async_engine(
        url.set(query=query),
        echo=cfg.echo,
        pool_pre_ping=True,
        pool_recycle=cfg.pool_recycle_s,
        pool_size=cfg.pool_size,
        max_overflow=cfg.pool_size,
        isolation_level="READ COMMITTED",
    )
    zone = ZoneInfo(timezone)
    dbapi_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine.sync_engine, "connect")
    def _session_zone(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SET time_zone = %s", (timezone,))
        except dbapi_error:  # the server has no time zone tables: the zone's offset now
            offset = datetime.now(zone).strftime("%z")
            cur.execute("SET time_zone = %s", (f"{offset[:3]}:{offset[3:]}",))
        finally:
            cur.close()

    return engine


def _sqlite_engine(cfg: DatabaseConfig) -> AsyncEngine:
    url = make_url(cfg.url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(
        url, echo=cfg.echo, connect_args={"timeout": cfg.sqlite_busy_timeout_ms / 1000}
    )
    busy_ms = cfg.sqlite_busy_timeout_ms

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, start transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def server_zone_minutes(engine: AsyncEngine) -> int | None:
    """MySQL/MariaDB: the UTC offset (minutes) of the server's default time zone, which other
    clients (the PHP site) get for ``NOW()`` and ``CURRENT_TIMESTAMP`` unless they set their
    own; None on SQLite."""
    if not is_mysql(engine):
        return None
    async with engine.connect() as conn:
        minutes = await conn.scalar(
            text(
                "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(),"
                " CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', @@global.time_zone))"
            )
        )
    return None if minutes is None else int(minutes)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class ReadOnlySessionError(Exception):
    """A write was attempted in a session from ``ReadSessions``."""


class _ReadOnlySession(Session):
    """A session that refuses to write (on SQLite a write would commit at once: no BEGIN)."""


@event.listens_for(_ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a read-only session cannot flush changes")


@event.listens_for(_ReadOnlySession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlySessionError(f"a read-only session cannot run {state.statement!s:.60}")


class ReadSessions:
    """Sessions that only read, at most ``limit`` open at once (further callers wait their
    turn). On SQLite they start no transaction: each statement sees its own snapshot, and
    nothing takes the write lock. Writing in one raises ``ReadOnlySessionError``.

    The limit matters on SQLite: every open connection is an aiosqlite thread, and more than
    a couple of them only fight over the GIL (see ``SQLITE_READERS``).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], limit: int) -> None:
        bind = sessions.kw["bind"]
        if not isinstance(bind, AsyncEngine):
            raise TypeError("ReadSessions needs sessions bound to an engine")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        options = {key: value for key, value in sessions.kw.items() if key != "bind"}
        self._sessions = async_sessionmaker(
            bind.execution_options(**{READ_ONLY: True}),
            sync_session_class=_ReadOnlySession,
            **options,
        )
        self._slots = asyncio.Semaphore(limit)
        self.limit = limit

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._open()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[AsyncSession]:
        async with self._slots, self._sessions() as session:
            yield session


def read_sessions(sessions: async_sessionmaker[AsyncSession], cfg: DatabaseConfig) -> ReadSessions:
    """``ReadSessions`` beside ``sessions``: ``SQLITE_READERS`` at once on SQLite, else as
    many as the pool holds."""
    sqlite = make_url(cfg.url).get_backend_name() == "sqlite"
    return ReadSessions(sessions, SQLITE_READERS if sqlite else cfg.pool_size)


def is_mysql(engine: AsyncEngine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def safe_url(url: str) -> str:
    """The database URL with any password masked, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)
