"""``kbot restore``: a backup into an empty, freshly upgraded database at the same schema
revision, every row with its id, parents first, in one transaction (audited); image files are
staged beside the upload directory and moved in once the rows are committed."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import audit
from storage.audit import CLI_ACTOR
from storage.backup.format import INSERT_BATCH, TABLES, BackupError, BackupSummary
from storage.backup.read import read_archive
from storage.backup.repoint import repoint_images
from storage.backup.rows import decode_row, raw_table
from storage.engine import session_factory
from storage.kbot_models import Org


async def restore_backup(
    engine: AsyncEngine, path: Path, *, upload_dir: Path, at: datetime
) -> BackupSummary:
    """Restore ``path`` into an empty database; image files go to ``upload_dir``."""
    try:
        staging = await asyncio.to_thread(_staging_dir, upload_dir)
    except OSError as exc:
        raise BackupError(f"cannot write to {upload_dir}: {exc.strerror or exc}") from None
    try:
        document, staged = await asyncio.to_thread(read_archive, path, staging)
        rows = _decode_tables(document)
        repoint_images(rows, staged, upload_dir)
        summary = BackupSummary(
            rows={name: len(r) for name, r in rows.items()},
            images=sorted(staged),
            created_at=document["created_at"],
            schema_revision=document["schema_revision"],
        )
        await _insert_all(engine, rows, path, summary, at)
        try:
            await asyncio.to_thread(_move_into, staged, upload_dir)
        except OSError as exc:
            raise BackupError(
                f"rows restored, but image files could not be moved into {upload_dir}: "
                f"{exc.strerror or exc}"
            ) from None
        return summary
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, ignore_errors=True)


def _staging_dir(upload_dir: Path) -> Path:
    upload_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=upload_dir, prefix=".restore-"))


def _move_into(staged: dict[str, Path], upload_dir: Path) -> None:
    for filename, source in staged.items():
        os.replace(source, upload_dir / filename)


def _decode_tables(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    decoded = {
        t.name: [decode_row(t, row, t.name) for row in document["tables"][t.name]] for t in TABLES
    }
    decoded[Org.__tablename__] = _parents_first(decoded[Org.__tablename__])
    return decoded


def _parents_first(orgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {row["id"] for row in orgs}
    placed: set[int] = set()
    pending, ordered = list(orgs), []
    while pending:
        ready = [r for r in pending if r["parent_id"] in placed or r["parent_id"] not in ids]
        if not ready:
            raise BackupError("kbot_orgs: parent_id values form a cycle")
        ordered += ready
        placed.update(r["id"] for r in ready)
        pending = [r for r in pending if r["id"] not in placed]
    return ordered


async def _insert_all(
    engine: AsyncEngine,
    rows: dict[str, list[dict[str, Any]]],
    path: Path,
    summary: BackupSummary,
    at: datetime,
) -> None:
    async with session_factory(engine).begin() as session:
        conn = await session.connection()
        await _refuse_non_empty(conn)
        try:
            for source in TABLES:
                raw = raw_table(source)
                batch = rows[source.name]
                for start in range(0, len(batch), INSERT_BATCH):
                    await conn.execute(insert(raw), batch[start : start + INSERT_BATCH])
        except IntegrityError as exc:
            reason = str(exc.orig).splitlines()[0][:160]
            raise BackupError(f"{path}: rows are inconsistent: {reason}") from None
        audit.record(
            session,
            at=at,
            actor=CLI_ACTOR,
            action="restore",
            entity="backup",
            entity_id=path.name,
            after={"created_at": summary.created_at, "rows": summary.rows},
        )


async def _refuse_non_empty(conn: AsyncConnection) -> None:
    for source in TABLES:
        count = await conn.scalar(select(func.count()).select_from(source))
        if count:
            raise BackupError(
                f"database is not empty ({source.name} has {count} rows): "
                "restore only into a freshly upgraded, empty database"
            )
