"""``kbot backup``: every backed-up row from one consistent snapshot and, if asked, the image
files whose digest matches their row, written to one gzip'd tar atomically."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.backup.format import (
    DOCUMENT,
    FORMAT,
    IMAGES_PREFIX,
    TABLES,
    VERSION,
    BackupError,
    BackupSummary,
)
from storage.backup.rows import encode_row, raw_table
from storage.engine import is_mysql
from storage.images import FILENAME_RE
from storage.kbot_models import Image
from storage.migrate import head_revision


async def write_backup(
    engine: AsyncEngine, path: Path, *, upload_dir: Path, with_images: bool, at: datetime
) -> BackupSummary:
    """Write every backed-up table (and, if asked, the image files) to ``path`` atomically."""
    tables = await _read_tables(engine)
    summary = BackupSummary(
        rows={name: len(rows) for name, rows in tables.items()},
        created_at=at.isoformat(),
        schema_revision=head_revision() or "",
    )
    files: dict[str, Path] = {}
    if with_images:
        for row in tables[Image.__tablename__]:
            found = await asyncio.to_thread(_image_file, upload_dir, row["filename"], row["sha256"])
            if found is None:
                summary.missing_images.append(row["filename"])
            else:
                files[row["filename"]] = found
                summary.images.append(row["filename"])
    document = {
        "format": FORMAT,
        "version": VERSION,
        "schema_revision": summary.schema_revision,
        "created_at": summary.created_at,
        "tables": tables,
        "images": summary.images,
    }
    try:
        await asyncio.to_thread(_write_archive, path, document, files, at)
    except OSError as exc:
        raise BackupError(f"cannot write backup {path}: {exc.strerror or exc}") from None
    return summary


async def _read_tables(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """All backed-up rows from one consistent snapshot."""
    async with engine.connect() as conn:
        if is_mysql(engine):
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            out: dict[str, list[dict[str, Any]]] = {}
            for source in TABLES:
                raw = raw_table(source)
                keys = [raw.c[c.name] for c in source.primary_key.columns]
                result = await conn.execute(select(raw).order_by(*keys))
                out[source.name] = [encode_row(row) for row in result.mappings()]
            return out


def _image_file(upload_dir: Path, filename: str, sha256: str) -> Path | None:
    """The stored file for an image row, if it is there with the recorded digest."""
    if not FILENAME_RE.fullmatch(filename):
        return None
    path = upload_dir / filename
    try:
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
    return path if digest == sha256 else None


def _write_archive(
    path: Path, document: dict[str, Any], files: dict[str, Path], at: datetime
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w:gz") as tar:
                body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
                _add(tar, DOCUMENT, io.BytesIO(body), len(body), at)
                for filename, source in files.items():
                    with source.open("rb") as img:
                        size = os.fstat(img.fileno()).st_size
                        _add(tar, IMAGES_PREFIX + filename, img, size, at)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _add(tar: tarfile.TarFile, name: str, data: IO[bytes], size: int, at: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(at.timestamp())
    info.mode = 0o600
    tar.addfile(info, data)
