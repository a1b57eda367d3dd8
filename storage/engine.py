"""Engine and session set-up: one engine per process, created by the composition root.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction starts
with ``BEGIN IMMEDIATE`` so a claiming writer never hits a read-to-write upgrade deadlock.
MySQL/MariaDB connects in utf8mb4 with pre-ping and recycling, at READ COMMITTED (the claim
query uses ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from kbot.config import DatabaseConfig


def create_engine(cfg: DatabaseConfig) -> AsyncEngine:
    url = make_url(cfg.url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(cfg)
    query = dict(url.query)
    query.setdefault("charset", "utf8mb4")
    return _create_async_engine(
        url.set(query=query),
        echo=cfg.echo,
        pool_pre_ping=True,
        pool_recycle=cfg.pool_recycle_s,
        pool_size=cfg.pool_size,
        max_overflow=cfg.pool_size,
        isolation_level="READ COMMITTED",
    )


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
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_mysql(engine: AsyncEngine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def safe_url(url: str) -> str:
    """The database URL with any password masked, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)
