"""Shared fixtures. Every database test runs on a fresh SQLite file and, when
``KBOT_TEST_MYSQL_URL`` is set (CI sets it), on a fresh MariaDB/MySQL database of its own."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Config, DatabaseConfig, load_config
from kbot.cli import main
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from tests.support.command_world import build_world
from tests.support.fakes import FakeClock, FakeIris
from tests.support.mysql_schema import Schema, clone, read_schema
from tests.support.pages import Site, make_site
from tests.support.sched_support import make_world

MYSQL_ENV = "KBOT_TEST_MYSQL_URL"
PHP_IMAGES = "bot_images"  # under tmp_path: the PHP site's image folder (web.image_dirs)


def mysql_server_url() -> str | None:
    return os.environ.get(MYSQL_ENV) or None


def _mysql_admin(url: str) -> pymysql.Connection:
    u = make_url(url)
    return pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
        charset="utf8mb4",
        autocommit=True,
    )


@contextmanager
def _new_mysql_database(prefix: str) -> Iterator[str]:
    """A new empty database on the test MariaDB server, dropped afterwards."""
    base = mysql_server_url()
    if base is None:
        pytest.skip(f"{MYSQL_ENV} is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _mysql_admin(base) as admin, admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:  # a new connection: the server may have been restarted meanwhile
        with _mysql_admin(base) as admin, admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mysql_database() -> Iterator[str]:
    """A new empty database on the test MariaDB server, dropped afterwards."""
    with _new_mysql_database("kbot_t") as url:
        yield url


@pytest.fixture(scope="session")
def mysql_schema() -> Iterator[Schema | None]:
    """A MariaDB database migrated to the head revision once per test session, whose schema
    each test's ``engine`` copies (``tests.support.mysql_schema``); None without MariaDB."""
    if mysql_server_url() is None:
        yield None
        return
    with _new_mysql_database("kbot_tmpl") as url:

        async def migrate() -> None:
            eng = create_engine(DatabaseConfig(url=url), timezone="Asia/Seoul")
            await upgrade(eng)
            await eng.dispose()

        asyncio.run(migrate())
        base = mysql_server_url()
        assert base is not None
        yield read_schema(lambda: _mysql_admin(base), make_url(url).database or "")


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, or a fresh MariaDB database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/kbot.db"
    return request.getfixturevalue("mysql_database")


@pytest.fixture
def cfg(db_url: str, tmp_path: Path) -> Config:
    data = tmp_path / "data"
    return load_config(
        env={
            "KBOT_DATABASE__URL": db_url,
            "KBOT_DATA_DIR": str(data),
            "KBOT_WEB__UPLOAD_DIR": str(data / "images"),
            "KBOT_WEB__IMAGE_DIRS": json.dumps([str(tmp_path / PHP_IMAGES)]),
            "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
        }
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head revision once per test session: each test's
    ``engine`` starts from a copy of it instead of running every migration again."""
    path = tmp_path_factory.mktemp("schema") / "kbot.db"
    config = load_config(env={"KBOT_DATABASE__URL": f"sqlite+aiosqlite:///{path}"})

    async def migrate() -> None:
        eng = create_engine(config.database, timezone=config.timezone)
        await upgrade(eng)
        await eng.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture
async def engine(
    cfg: Config, migrated_sqlite: Path, mysql_schema: Schema | None
) -> AsyncIterator[AsyncEngine]:
    """A migrated engine on the test database: a copy of the session's migrated SQLite file
    or MariaDB schema, which is what running the migrations again would give."""
    url = make_url(cfg.database.url)
    if url.get_backend_name() == "sqlite" and url.database:
        shutil.copyfile(migrated_sqlite, url.database)
    elif url.get_backend_name() == "mysql" and (base := mysql_server_url()) and mysql_schema:
        clone(lambda: _mysql_admin(base), mysql_schema, cfg.database.url)
    eng = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(eng)  # a no-op at head; on MariaDB it migrates the fresh database
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The scheduler tests' orgs and rooms (``tests.support.sched_support.make_world``)."""
    await make_world(sessions)


@pytest.fixture
def kbot(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run the ``kbot`` CLI in-process on the test database: ``kbot("org", "list")`` gives
    (exit code, stdout, stderr)."""
    monkeypatch.setenv("KBOT_DATABASE__URL", db_url)
    monkeypatch.setenv("KBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
async def site(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> Site:
    """``build_world``'s orgs, rooms and admins and the web pages' app, with a client."""
    await build_world(sessions)
    return await make_site(cfg, sessions, aiohttp_client)


# A fake Iris device on a real port, and a second one (a test's ``ops`` device), on the
# test module's own ``clock`` fixture.
@pytest.fixture
async def iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
async def ops_iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake
