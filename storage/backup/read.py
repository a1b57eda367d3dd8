"""Reading a backup file: the document checked (format, version, schema revision, tables,
images) and the image files it lists extracted into a staging directory, digests checked."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from storage.backup.format import DOCUMENT, FORMAT, IMAGES_PREFIX, TABLES, VERSION, BackupError
from storage.images import FILENAME_RE
from storage.kbot_models import Image
from storage.migrate import head_revision


def read_archive(path: Path, staging: Path) -> tuple[dict[str, Any], dict[str, Path]]:
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
