"""``kbot db upgrade`` in its three situations: an empty SQLite file, an empty MariaDB database,
and a MariaDB database where the seed's DDL was applied verbatim and already holds rows."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.engine import make_url

from kbot.cli import main
from storage.migrate import head_revision

HEAD = head_revision()

SEED = Path(__file__).parents[1] / "fixtures" / "seed_design.ko.txt"  # the seed document, copied
KBOT_TABLES = {
    "kbot_orgs",
    "kbot_rooms",
    "kbot_admins",
    "kbot_images",
    "kbot_api_tokens",
    "kbot_one_time_codes",
    "kbot_audit_log",
    "kbot_schedule_meta",
    "kbot_occurrences",
    "kbot_room_sends",
    "kbot_holidays",
    "kbot_schedule_rules",
    "kbot_replies",
    "kbot_room_activity",
    "kbot_links",
    "kbot_link_clicks",
    "kbot_notices",
}


def seed_ddl() -> list[str]:
    statements = re.findall(r"```sql\n(CREATE TABLE.*?;)\n```", SEED.read_text("utf-8"), re.S)
    assert len(statements) == 2
    return statements


def connect(url: str) -> pymysql.Connection:
    u = make_url(url)
    return pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password or "",
        database=u.database,
        charset="utf8mb4",
        autocommit=True,
    )


def upgrade_cli(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KBOT_DATABASE__URL", url)
        assert main(["db", "upgrade"]) == 0
    return capsys.readouterr().out


def test_upgrade_empty_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/new/kbot.db"
    out = upgrade_cli(url, capsys)
    assert f"schema empty -> {HEAD}" in out
    names = {
        r[0]
        for r in sqlite3.connect(tmp_path / "new" / "kbot.db").execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"kb_schedule", "kb_schedule_logs", *KBOT_TABLES} <= names
    assert f"schema {HEAD} -> {HEAD}" in upgrade_cli(url, capsys)


@pytest.mark.mysql
def test_upgrade_empty_mariadb(mysql_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert f"schema empty -> {HEAD}" in upgrade_cli(mysql_database, capsys)
    with connect(mysql_database) as conn, conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        names = {r[0] for r in cur.fetchall()}
        assert {"kb_schedule", "kb_schedule_logs", *KBOT_TABLES} <= names
        cur.execute("SHOW CREATE TABLE kb_schedule")
        ddl = cur.fetchone()[1]
    assert "`schedule_weekdays` set('monday','tuesday','wednesday','thursday','friday'," in ddl
    assert "ON UPDATE current_timestamp()" in ddl
    assert "KEY `idx_schedule_polling` (`status`,`next_send_at`,`valid_from`,`valid_until`)" in ddl


@pytest.mark.mysql
def test_upgrade_adopts_the_seed_tables_with_rows(
    mysql_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(mysql_database) as conn, conn.cursor() as cur:
        for statement in seed_ddl():
            cur.execute(statement)
        cur.execute(
            "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
            " target_room_id, message_text, schedule_type, schedule_time, schedule_weekdays,"
            " valid_from, valid_until, next_send_at, send_count) VALUES ('기존 공지 🎁', 'branch',"
            " 'BR001', 'kim', '257378349297847', '본문', 'weekly', '09:30:00', 'monday,friday',"
            " '2026-01-01', '2027-01-01', '2026-12-04 09:30:00', 7)"
        )
        cur.execute(
            "INSERT INTO kb_schedule_logs (schedule_id, target_room_id, status, scheduled_at,"
            " started_at) VALUES (1, '257378349297847', 'success', '2026-11-27 09:30:00',"
            " '2026-11-27 09:30:01')"
        )
        cur.execute("SHOW CREATE TABLE kb_schedule")
        before_ddl = cur.fetchone()[1]
        cur.execute("SELECT * FROM kb_schedule")
        before_rows = cur.fetchall()
        cur.execute("SELECT * FROM kb_schedule_logs")
        before_logs = cur.fetchall()

    assert f"schema empty -> {HEAD}" in upgrade_cli(mysql_database, capsys)

    with connect(mysql_database) as conn, conn.cursor() as cur:
        cur.execute("SHOW CREATE TABLE kb_schedule")
        assert cur.fetchone()[1] == before_ddl
        cur.execute("SELECT * FROM kb_schedule")
        assert cur.fetchall() == before_rows
        cur.execute("SELECT * FROM kb_schedule_logs")
        assert cur.fetchall() == before_logs
        cur.execute("SHOW TABLES")
        assert {r[0] for r in cur.fetchall()} >= KBOT_TABLES


async def test_migrations_match_the_models(engine) -> None:
    """What ``kbot db upgrade`` creates is exactly what the models describe (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage import engagement_models, kbot_models  # noqa: F401  (registers kbot's tables)
    from storage.models import Base

    def diff(sync_conn):
        # On MySQL the seed's tables come from its verbatim DDL (comments, int(5), ...), which
        # test_upgrade_empty_mariadb checks; the comparison covers kbot's own tables there.
        verbatim = (
            {"kb_schedule", "kb_schedule_logs"} if sync_conn.dialect.name != "sqlite" else set()
        )

        def include(obj, name, type_, *_):
            table = obj if type_ == "table" else getattr(obj, "table", None)
            return getattr(table, "name", name) not in verbatim

        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(sync_conn, opts=opts)
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
