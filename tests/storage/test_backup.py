"""``kbot backup`` / ``kbot restore``: a backup of database A restored into an empty database B
gives the same rows, ids and image files; bad files and non-empty targets are refused."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Config, load_config
from storage import tokens
from storage.backup import TABLES, BackupError, restore_backup, write_backup
from storage.engine import create_engine
from storage.kbot_models import ApiToken, AuditEntry
from storage.migrate import head_revision, upgrade
from tests.conftest import _mysql_admin
from tests.support.backup_world import AT, IMAGE_BYTES, populate, upload_dir


@pytest.fixture
def target_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path}/restored.db"
        return
    name = f"kbot_r_{uuid.uuid4().hex[:12]}"
    admin = _mysql_admin(db_url)
    try:
        with admin.cursor() as cur:
            cur.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
async def target(target_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    cfg = load_config(env={"KBOT_DATABASE__URL": target_url})
    eng = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(eng)
    yield eng
    await eng.dispose()


async def dump(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Every backed-up table's rows, as the models read them."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with engine.connect() as conn:
        for source in TABLES:
            result = await conn.execute(select(source).order_by(*source.primary_key.columns))
            out[source.name] = [dict(row) for row in result.mappings()]
        nulls = await conn.scalars(text("SELECT id FROM kb_schedule WHERE message_images IS NULL"))
        out["sql_null_images"] = [{"id": i} for i in nulls]
    return out


async def test_round_trip_into_an_empty_database(
    cfg: Config,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    target: AsyncEngine,
    tmp_path: Path,
) -> None:
    plain = await populate(sessions, cfg)
    archive = tmp_path / "backups" / "kbot-2026-11-26.tar.gz"
    written = await write_backup(
        engine, archive, upload_dir=upload_dir(cfg), with_images=True, at=AT
    )
    assert written.rows["kb_schedule"] == 2 and written.missing_images == []
    assert sorted(written.images) == sorted(IMAGE_BYTES)
    assert plain.encode() not in gzip.decompress(archive.read_bytes())

    restored_images = tmp_path / "restored-images"
    summary = await restore_backup(target, archive, upload_dir=restored_images, at=AT)

    assert summary.rows == written.rows
    before, after = await dump(engine), await dump(target)
    # restored into another directory: the images and the schedule using one point there
    for image in before["kbot_images"]:
        image["file_path"] = str(restored_images / image["filename"])
    before["kb_schedule"][0]["message_images"]["images"][0]["file_path"] = str(
        restored_images / "img_20261126_0123456789abcdef_o1.png"
    )
    assert after == before
    assert after["sql_null_images"] == [{"id": 58}]
    weekly = after["kb_schedule"][0]
    assert weekly["next_send_at"] == datetime(2026, 11, 27, 9, 30, 15)
    assert weekly["schedule_time"] == time(9, 30, 15)
    assert weekly["schedule_weekdays"] == frozenset({"monday", "friday", "sunday"})
    assert weekly["title"] == "주간 특가 안내 🔥"
    for filename, data in IMAGE_BYTES.items():
        assert (restored_images / filename).read_bytes() == data
    assert [p.name for p in restored_images.iterdir() if p.name.startswith(".")] == []

    async with target.begin() as conn:  # ids continue after the restored ones
        await conn.execute(
            text(
                "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
                " target_room_id, schedule_type, schedule_time, valid_from, valid_until)"
                " VALUES ('새 스케줄', 'branch', 'BR001', 'kim', '1', 'daily', '08:00:00',"
                " '2026-12-01 00:00:00', '2027-01-01 00:00:00')"
            )
        )
        new_id = await conn.scalar(text("SELECT max(id) FROM kb_schedule"))
        audit = (await conn.execute(select(AuditEntry.action, AuditEntry.entity))).all()
    assert new_id == 59
    assert ("restore", "backup") in audit


def test_every_table_is_backed_up_or_left_out_on_purpose() -> None:
    """A new table must be put in the backup (``format.TABLES``, parents first) or in
    ``format.NOT_BACKED_UP``: none is lost from a backup by being forgotten."""
    from storage import engagement_models, kbot_models  # noqa: F401  (registers the tables)
    from storage.backup.format import NOT_BACKED_UP
    from storage.models import Base

    backed_up = {t.name for t in TABLES}
    assert not backed_up & NOT_BACKED_UP
    assert set(Base.metadata.tables) == backed_up | NOT_BACKED_UP
    for n, table in enumerate(TABLES):  # every parent a row refers to comes before it
        for key in table.foreign_keys:
            parent = key.column.table.name
            assert parent in {t.name for t in TABLES[:n]} or parent == table.name, table.name


async def test_restore_refuses_a_database_that_is_not_empty(
    cfg: Config, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await populate(sessions, cfg)
    archive = tmp_path / "b.tar.gz"
    await write_backup(engine, archive, upload_dir=upload_dir(cfg), with_images=False, at=AT)
    before = await dump(engine)
    with pytest.raises(BackupError) as err:
        await restore_backup(engine, archive, upload_dir=tmp_path / "img", at=AT)
    assert "not empty (kbot_orgs has 2 rows)" in str(err.value)
    assert "\n" not in str(err.value)
    assert await dump(engine) == before


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


async def test_restore_refuses_unreadable_files_and_leaves_the_database_empty(
    cfg: Config,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    target: AsyncEngine,
    tmp_path: Path,
) -> None:
    await populate(sessions, cfg)
    good = tmp_path / "good.tar.gz"
    await write_backup(engine, good, upload_dir=upload_dir(cfg), with_images=True, at=AT)
    with tarfile.open(good) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    document = json.loads(members["backup.json"])

    def variant(**change: Any) -> bytes:
        return tar_bytes({**members, "backup.json": json.dumps({**document, **change}).encode()})

    first_image = next(iter(IMAGE_BYTES))
    cases = {
        "random.tar.gz": (b"not a backup at all", "not a readable kbot backup"),
        "plain.json.gz": (gzip.compress(b'{"format": "kbot-backup"}'), "not a readable"),
        "cut.tar.gz": (good.read_bytes()[:200], "not a readable kbot backup"),
        "v99.tar.gz": (variant(version=99), "format version 99; this kbot reads version 1"),
        "rev.tar.gz": (variant(schema_revision="9999"), "schema revision '9999'"),
        "other.tar.gz": (tar_bytes({"notes.txt": b"hi"}), "no backup.json at its start"),
        "badrow.tar.gz": (
            variant(tables={**document["tables"], "kbot_orgs": [{"id": 1}]}),
            "row columns differ",
        ),
        "badtime.tar.gz": (
            variant(
                tables={
                    **document["tables"],
                    "kb_schedule": [
                        {**document["tables"]["kb_schedule"][0], "schedule_time": "25:99"}
                    ],
                }
            ),
            "bad schedule_time value",
        ),
        "tampered.tar.gz": (
            tar_bytes({**members, f"images/{first_image}": b"tampered"}),
            "does not match its sha256",
        ),
        "extra.tar.gz": (tar_bytes({**members, "images/../../evil": b"x"}), "unexpected member"),
    }
    restored_images = tmp_path / "restored-images"
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(BackupError) as err:
            await restore_backup(target, path, upload_dir=restored_images, at=AT)
        message = str(err.value)
        assert expected in message, (name, message)
        assert "\n" not in message
    with pytest.raises(BackupError, match="does not exist"):
        await restore_backup(target, tmp_path / "missing.tar.gz", upload_dir=restored_images, at=AT)
    assert all(rows == [] for rows in (await dump(target)).values())
    assert list(restored_images.iterdir()) == []


async def test_backup_without_image_files_and_with_one_missing(
    cfg: Config,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    target: AsyncEngine,
    tmp_path: Path,
) -> None:
    await populate(sessions, cfg)
    bare = tmp_path / "bare.tar.gz"
    summary = await write_backup(engine, bare, upload_dir=upload_dir(cfg), with_images=False, at=AT)
    assert summary.images == []
    with tarfile.open(bare) as tar:
        assert tar.getnames() == ["backup.json"]
    assert bare.stat().st_mode & 0o077 == 0  # token hashes and admin ids: owner only

    gone = "img_20261125_fedcba9876543210_o1.jpg"
    (upload_dir(cfg) / gone).unlink()
    partial = tmp_path / "partial.tar.gz"
    summary = await write_backup(
        engine, partial, upload_dir=upload_dir(cfg), with_images=True, at=AT
    )
    assert summary.missing_images == [gone]
    assert f"1 missing: {gone}" in summary.describe()
    restored_images = tmp_path / "restored-images"
    await restore_backup(target, partial, upload_dir=restored_images, at=AT)
    assert sorted(p.name for p in restored_images.iterdir()) == [
        "img_20261126_0123456789abcdef_o1.png"
    ]
    # the restored image points at its new file; the missing one keeps its old path
    paths = {row["filename"]: row["file_path"] for row in (await dump(target))["kbot_images"]}
    old = {row["filename"]: row["file_path"] for row in (await dump(engine))["kbot_images"]}
    assert paths == {
        "img_20261126_0123456789abcdef_o1.png": str(
            restored_images / "img_20261126_0123456789abcdef_o1.png"
        ),
        gone: old[gone],
    }


async def test_token_rows_keep_only_the_hash(
    cfg: Config, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    plain = await populate(sessions, cfg)
    path = tmp_path / "b.tar.gz"
    await write_backup(engine, path, upload_dir=upload_dir(cfg), with_images=False, at=AT)
    with tarfile.open(path) as tar:
        document = json.load(tar.extractfile("backup.json"))  # type: ignore[arg-type]
    assert document["format"] == "kbot-backup" and document["version"] == 1
    assert document["schema_revision"] == head_revision()
    assert document["created_at"] == "2026-11-26T05:00:00+00:00"
    (token,) = document["tables"]["kbot_api_tokens"]
    assert token["token_hash"] == tokens.digest(plain)
    assert plain not in json.dumps(document)
    weekly = document["tables"]["kb_schedule"][0]
    assert weekly["schedule_weekdays"] == ["monday", "friday", "sunday"]
    assert weekly["schedule_time"] == "09:30:15"
    assert weekly["next_send_at"] == "2026-11-27T09:30:15"
    assert json.loads(weekly["message_images"])["images"][0]["id"] == 11
    async with sessions() as s:
        assert await s.scalar(select(ApiToken.token_hash)) == token["token_hash"]
