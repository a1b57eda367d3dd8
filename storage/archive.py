"""``kbot logs archive``: move old ``kb_schedule_logs`` rows into monthly files.

Rows whose ``scheduled_at`` (local time, as stored) falls before the first day of a month are
written, one calendar month per file, to ``kb_schedule_logs-YYYY-MM.jsonl.gz`` in the archive
directory: gzip'd JSON lines, one row per line with every column (datetimes as ISO strings,
the JSON columns as the JSON text stored in the database), ordered by id. A month's rows are
deleted only after the written file has been read back and holds exactly the ids selected;
the delete is by those ids, in batches, in one transaction per month.

Deleting a schedule archives its rows the same way first (``archive_schedule``): one new
part per month, so a month's parts together hold every row it ever had.

A month that already has a file (rows that arrived after an earlier run) gets
``kb_schedule_logs-YYYY-MM-part2.jsonl.gz``, then ``-part3`` and so on; files are never
overwritten or appended to. A run interrupted between publishing a file and deleting its rows
leaves those rows in the database, so the next run archives them again in a new part: readers
of several parts should de-duplicate by ``id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.backup.rows import encode_row, raw_table
from storage.errors import StorageError
from storage.models import ScheduleLog

MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
FILE_PREFIX = "kb_schedule_logs-"
FILE_SUFFIX = ".jsonl.gz"

LOGS: Table = ScheduleLog.__table__  # type: ignore[assignment]
RAW_LOGS = raw_table(LOGS)


class ArchiveError(StorageError):
    pass


@dataclass(frozen=True)
class MonthArchived:
    month: date
    path: Path
    rows: int


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ``ArchiveError`` otherwise."""
    match = MONTH_RE.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise ArchiveError(f"--before must be a month like 2026-01, not {text!r}")
    return date(int(match[1]), int(match[2]), 1)


def month_file(directory: Path, month: date, part: int = 1) -> Path:
    suffix = "" if part == 1 else f"-part{part}"
    return directory / f"{FILE_PREFIX}{month:%Y-%m}{suffix}{FILE_SUFFIX}"


async def archive_logs(
    engine: AsyncEngine, *, before: date, directory: Path, today: date, batch: int = 500
) -> list[MonthArchived]:
    """Archive every log row scheduled before ``before`` (a month's first day), oldest month
    first. ``today`` is the local date; only months that have ended can be archived."""
    if before.day != 1:
        raise ArchiveError(f"--before must be the first day of a month, not {before}")
    if before > today.replace(day=1):
        raise ArchiveError(
            f"--before {before:%Y-%m} is after the current month {today:%Y-%m}: "
            "only months that have ended can be archived"
        )
    cutoff = datetime.combine(before, time())
    try:
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create archive directory {directory}: {exc.strerror}") from None
    done: list[MonthArchived] = []
    while (oldest := await _oldest(engine, cutoff)) is not None:
        archived = await _archive_month(engine, oldest.date().replace(day=1), directory, batch)
        if archived is not None:
            done.append(archived)
    return done


async def _oldest(engine: AsyncEngine, cutoff: datetime) -> datetime | None:
    async with engine.connect() as conn:
        query = select(func.min(LOGS.c.scheduled_at)).where(LOGS.c.scheduled_at < cutoff)
        return await conn.scalar(query)


async def archive_schedule(
    engine: AsyncEngine, schedule_id: int, *, directory: Path, batch: int = 500
) -> list[MonthArchived]:
    """Archive the log rows of one schedule that is about to be deleted (the seed's
    ``ON DELETE CASCADE`` would erase them): one new part file per month they fall in, in the
    monthly format. The rows themselves go with the schedule, not here."""
    return await archive_schedules(engine, [schedule_id], directory=directory, batch=batch)


async def archive_schedules(
    engine: AsyncEngine, schedule_ids: Sequence[int], *, directory: Path, batch: int = 500
) -> list[MonthArchived]:
    """``archive_schedule`` for several schedules at once (a campaign's rows): one new part
    per month for every ``batch`` schedules, not one per schedule."""
    done = []
    for chunk in _chunks(sorted(schedule_ids), batch):
        query = select(func.min(LOGS.c.scheduled_at), func.max(LOGS.c.scheduled_at)).where(
            LOGS.c.schedule_id.in_(chunk)
        )
        async with engine.connect() as conn:
            first, last = (await conn.execute(query)).one()
        if first is None:
            continue
        try:
            await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(
                f"cannot create archive directory {directory}: {exc.strerror}"
            ) from None
        month = first.date().replace(day=1)
        while month <= last.date():
            archived = await _archive_month(
                engine, month, directory, batch, schedule_ids=chunk, delete_rows=False
            )
            if archived is not None:
                done.append(archived)
            month = _next_month(month)
    return done


async def _archive_month(
    engine: AsyncEngine,
    month: date,
    directory: Path,
    batch: int,
    *,
    schedule_ids: Sequence[int] | None = None,
    delete_rows: bool = True,
) -> MonthArchived | None:
    """Archive one month's rows (of those schedules, when given); None when there were none by
    the time they were read. The rows are deleted once the file is verified, unless
    ``delete_rows`` is false."""
    start = datetime.combine(month, time())
    end = datetime.combine(_next_month(month), time())
    try:
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".archive-", suffix=".tmp")
    except OSError as exc:
        raise ArchiveError(f"cannot write to {directory}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            ids = await _write_rows(engine, start, end, fh, batch, schedule_ids)
            fh.flush()
            os.fsync(fh.fileno())
        if not ids:
            return None
        path = await asyncio.to_thread(_publish, tmp, directory, month)
    except OSError as exc:
        raise ArchiveError(f"cannot write the archive for {month:%Y-%m}: {exc}") from None
    finally:
        await asyncio.to_thread(_discard, tmp)
    written = await asyncio.to_thread(_read_ids, path)
    if written != ids:
        raise ArchiveError(
            f"{path} holds {len(written)} rows but {len(ids)} were selected: "
            "nothing was deleted for that month"
        )
    if not delete_rows:
        return MonthArchived(month=month, path=path, rows=len(ids))
    async with engine.begin() as conn:
        for chunk in _chunks(ids, batch):
            await conn.execute(delete(LOGS).where(LOGS.c.id.in_(chunk)))
    return MonthArchived(month=month, path=path, rows=len(ids))


async def _write_rows(
    engine: AsyncEngine,
    start: datetime,
    end: datetime,
    fh: IO[bytes],
    batch: int,
    schedule_ids: Sequence[int] | None,
) -> list[int]:
    """Stream the month's rows (of ``schedule_ids`` when given), by id, into ``fh`` as gzip'd
    JSON lines; return their ids."""
    ids: list[int] = []
    in_month = (RAW_LOGS.c.scheduled_at >= start) & (RAW_LOGS.c.scheduled_at < end)
    if schedule_ids is not None:
        in_month &= RAW_LOGS.c.schedule_id.in_(schedule_ids)
    with gzip.GzipFile(fileobj=fh, mode="wb") as gz:
        while True:
            query = select(RAW_LOGS).where(in_month).order_by(RAW_LOGS.c.id).limit(batch)
            if ids:
                query = query.where(RAW_LOGS.c.id > ids[-1])
            async with engine.connect() as conn:
                rows = [encode_row(r) for r in (await conn.execute(query)).mappings()]
            if not rows:
                return ids
            await asyncio.to_thread(_write_lines, gz, rows)
            ids.extend(row["id"] for row in rows)


def _write_lines(gz: gzip.GzipFile, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        gz.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")


def _publish(tmp: Path, directory: Path, month: date) -> Path:
    """Give ``tmp`` the month's first free file name, never replacing an existing file."""
    part = 1
    while True:
        path = month_file(directory, month, part)
        try:
            os.link(tmp, path)
        except FileExistsError:
            part += 1
            continue
        return path


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


def _read_ids(path: Path) -> list[int]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return [json.loads(line)["id"] for line in fh]
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{path} cannot be read back ({exc}): nothing was deleted") from None


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
