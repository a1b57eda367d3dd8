"""``kbot backup`` / ``kbot restore``: the configuration and schedules in one file.

The file is a gzip'd tar archive. Its first member is ``backup.json``::

    {"format": "kbot-backup", "version": 1, "schema_revision": "0001",
     "created_at": "2026-11-26T14:00:00+00:00",
     "tables": {"kbot_orgs": [{"id": 1, ...}, ...], ...},
     "images": ["img_20261126_0123456789abcdef_o1.jpg", ...]}

followed, when images were asked for, by ``images/<filename>`` for every file listed in
``images``. Rows keep every column: datetimes, dates and times as ISO strings, weekday sets as
lists, JSON columns as the JSON text stored in the database (so SQL NULL and JSON ``null`` stay
apart). API tokens are kept as their hashes only; one-time codes, the audit trail, send logs
(see ``storage.archive``) and per-occurrence bookkeeping are not part of a backup.

A restore goes only into an empty, freshly upgraded database at the same schema revision. It
inserts every row with its id, parents first, in one transaction, so ids the PHP site refers to
stay valid and both backends continue their id sequences after the largest restored id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    column,
    func,
    insert,
    select,
    table,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import Time

from storage import audit
from storage.audit import CLI_ACTOR
from storage.engine import is_mysql, session_factory
from storage.errors import StorageError
from storage.images import FILENAME_RE
from storage.kbot_models import Admin, ApiToken, Image, Org, Room, ScheduleMeta
from storage.migrate import head_revision
from storage.models import Schedule
from storage.types import WEEKDAYS, WeekdaySet

FORMAT = "kbot-backup"
VERSION = 1
DOCUMENT = "backup.json"
IMAGES_PREFIX = "images/"
INSERT_BATCH = 500

# Parents before children: the order rows are inserted in on restore.
TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (Org, Admin, Room, Image, ApiToken, Schedule, ScheduleMeta)
)


class BackupError(StorageError):
    pass


@dataclass
class BackupSummary:
    rows: dict[str, int]
    images: list[str] = field(default_factory=list)
    missing_images: list[str] = field(default_factory=list)
    created_at: str = ""
    schema_revision: str = ""

    def describe(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        text = f"{counts}; images {len(self.images)}"
        if self.missing_images:
            text += f" ({len(self.missing_images)} missing: {', '.join(self.missing_images)})"
        return text


# --- row encoding, shared with storage.archive -------------------------------------------


def raw_table(source: Table) -> TableClause:
    """``source`` with its JSON columns typed as text, to copy stored JSON verbatim."""
    return table(
        source.name,
        *(column(c.name, Text() if isinstance(c.type, JSON) else c.type) for c in source.columns),
    )


def encode_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in row.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return [day for day in WEEKDAYS if day in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def decode_row(source: Table, row: object, where: str) -> dict[str, Any]:
    """A backed-up row as insertable values; ``BackupError`` names what is wrong with it."""
    if not isinstance(row, dict):
        raise BackupError(f"{where}: a row is not an object")
    names = {c.name for c in source.columns}
    if set(row) != names:
        odd = sorted(set(row) ^ names)
        raise BackupError(f"{where}: row columns differ from the table's ({', '.join(odd)})")
    out: dict[str, Any] = {}
    for col in source.columns:
        try:
            out[col.name] = _decode(col.type, row[col.name])
        except (TypeError, ValueError):
            raise BackupError(
                f"{where}: row {row.get('id', '?')} has a bad {col.name} value"
            ) from None
    return out


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(_str(value))
    if isinstance(kind, Date):
        return date.fromisoformat(_str(value))
    if isinstance(kind, Time):
        return time.fromisoformat(_str(value))
    if isinstance(kind, WeekdaySet):
        if not isinstance(value, list) or not set(value) <= set(WEEKDAYS):
            raise ValueError("weekdays")
        return frozenset(value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise TypeError("bool")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("int")
        return value
    if isinstance(kind, JSON | String):
        return _str(value)
    raise TypeError(f"unsupported column type {kind!r}")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("str")
    return value


# --- backup ------------------------------------------------------------------------------


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


# --- restore -----------------------------------------------------------------------------


async def restore_backup(
    engine: AsyncEngine, path: Path, *, upload_dir: Path, at: datetime
) -> BackupSummary:
    """Restore ``path`` into an empty database; image files go to ``upload_dir``."""
    try:
        staging = await asyncio.to_thread(_staging_dir, upload_dir)
    except OSError as exc:
        raise BackupError(f"cannot write to {upload_dir}: {exc.strerror or exc}") from None
    try:
        document, staged = await asyncio.to_thread(_read_archive, path, staging)
        rows = _decode_tables(document)
        _repoint_images(rows, staged, upload_dir)
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


def _read_archive(path: Path, staging: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """The validated document and the image files it lists, extracted into ``staging`` with
    their digests checked."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = _members(tar)
            first = next(members, None)
            if first is None or first.name != DOCUMENT or not first.isfile():
                raise BackupError(f"{path} is not a kbot backup (no {DOCUMENT} at its start)")
            document = _check_document(json.load(_open(tar, first)), path)
            digests = {r.get("filename"): r.get("sha256") for r in _image_rows(document)}
            wanted = set(document["images"])
            if not wanted <= set(digests):
                raise BackupError(f"{path}: lists image files that have no kbot_images row")
            staged: dict[str, Path] = {}
            for member in members:
                filename = member.name.removeprefix(IMAGES_PREFIX)
                if filename not in wanted or filename in staged or not member.isfile():
                    raise BackupError(f"{path}: unexpected member {member.name!r}")
                staged[filename] = _stage(tar, member, staging / filename, digests[filename])
    except FileNotFoundError:
        raise BackupError(f"backup file {path} does not exist") from None
    except (OSError, tarfile.TarError, EOFError, zlib.error, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise BackupError(f"{path} is not a readable kbot backup: {reason}") from None
    missing = wanted - set(staged)
    if missing:
        raise BackupError(f"{path}: image files missing from the archive: {sorted(missing)}")
    return document, staged


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (member := tar.next()) is not None:
        yield member


def _open(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    fh = tar.extractfile(member)
    if fh is None:
        raise BackupError(f"archive member {member.name} is not a file")
    return fh


def _stage(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, sha256: object) -> Path:
    digest = hashlib.sha256()
    with _open(tar, member) as src, target.open("wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != sha256:
        raise BackupError(f"image {target.name} in the backup does not match its sha256")
    target.chmod(0o644)
    return target


def _check_document(document: object, path: Path) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path} is not a kbot backup ({DOCUMENT} has no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise BackupError(
            f"{path} is backup format version {document.get('version')!r}; "
            f"this kbot reads version {VERSION}"
        )
    head = head_revision()
    if document.get("schema_revision") != head:
        raise BackupError(
            f"{path} holds schema revision {document.get('schema_revision')!r} but this kbot is "
            f"at {head!r}: restore it with the kbot version that wrote it"
        )
    tables = document.get("tables")
    expected = {t.name for t in TABLES}
    if not isinstance(tables, dict) or set(tables) != expected:
        raise BackupError(f"{path}: tables must be exactly {', '.join(sorted(expected))}")
    if not all(isinstance(rows, list) for rows in tables.values()):
        raise BackupError(f"{path}: every table must be a list of rows")
    images = document.get("images")
    if not isinstance(images, list) or not all(
        isinstance(name, str) and FILENAME_RE.fullmatch(name) for name in images
    ):
        raise BackupError(f"{path}: images must be a list of stored image file names")
    if not isinstance(document.get("created_at"), str):
        raise BackupError(f"{path}: created_at is missing")
    return document


def _image_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in document["tables"][Image.__tablename__] if isinstance(r, dict)]


def _decode_tables(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    decoded = {
        t.name: [decode_row(t, row, t.name) for row in document["tables"][t.name]] for t in TABLES
    }
    decoded[Org.__tablename__] = _parents_first(decoded[Org.__tablename__])
    return decoded


def _repoint_images(
    rows: dict[str, list[dict[str, Any]]], staged: Mapping[str, Path], upload_dir: Path
) -> None:
    """Point each image whose file this restore brings, and the schedules' ``message_images``
    entries naming it, at the file's place under ``upload_dir`` (which may differ from the
    directory the backup was taken from)."""
    moved: dict[int, str] = {}
    for image in rows[Image.__tablename__]:
        if image["filename"] in staged:
            image["file_path"] = str(upload_dir / image["filename"])
            moved[image["id"]] = image["file_path"]
    for schedule in rows[Schedule.__tablename__]:
        stored = schedule["message_images"]  # JSON text, copied verbatim unless changed here
        try:
            data = json.loads(stored) if stored is not None else None
        except ValueError:
            continue
        entries = data.get("images") if isinstance(data, dict) else None
        changed = False
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and entry.get("id") in moved:
                entry["file_path"], changed = moved[entry["id"]], True
        if changed:
            schedule["message_images"] = json.dumps(data)


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
