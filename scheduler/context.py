"""What every part of the scheduler shares: the database, the clock, the settings, and this
worker's identity (the lease owner written on the occurrences it holds)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import Notify
from core.clock import Clock
from core.config import SchedulerConfig
from core.timeutil import to_local_naive, to_utc_naive
from scheduler.image_files import ImageFiles

if TYPE_CHECKING:
    from scheduler.handover import ReceiptWriter
    from scheduler.holiday_source import HolidaySource

log = logging.getLogger("kbot.scheduler")
T = TypeVar("T")
OnOutcome = Callable[[str, float], None]  # (status, lateness_s) of a finished occurrence
_TRANSIENT_DB_CODES = (1205, 1213)  # MySQL lock wait timeout, deadlock


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Confirm:
    """Delivery receipts (the Iris transport only): the device a room's request is meant for
    (recorded on a failed part) and the receipts' batched writes (which know how long a part
    waits for its echo)."""

    device_for: Callable[[str], str]
    writer: ReceiptWriter


@dataclass(frozen=True, slots=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: SchedulerConfig
    tz: ZoneInfo
    owner: str
    mysql: bool
    images: ImageFiles  # which image files a send may read
    ops_room_id: str = ""
    notify: Notify | None = None
    on_outcome: OnOutcome | None = None
    confirm: Confirm | None = None  # None: confirmation does not apply (dry run)
    resend_uncertain: bool = False  # resend a part whose request timed out (it may be there)
    holidays: HolidaySource | None = None  # the holiday calendar; None: no holidays
    public_url: str = ""  # server.public_url: short links ({링크:URL}) start with it

    def report(self, status: str, lateness_s: float) -> None:
        """Tell ``on_outcome`` that an occurrence finished; its failure never stops a send."""
        if self.on_outcome is None:
            return
        try:
            self.on_outcome(status, lateness_s)
        except Exception:
            log.exception("on_outcome callback failed")

    def local_now(self) -> datetime:
        """Now as the seed's tables store it (naive local wall time)."""
        return to_local_naive(self.clock.now(), self.tz)

    def utc_now(self) -> datetime:
        """Now as kbot's own tables store it (naive UTC)."""
        return to_utc_naive(self.clock.now())

    def lease_until(self) -> datetime:
        return self.utc_now() + timedelta(seconds=self.settings.lease_s)


def is_transient(exc: BaseException) -> bool:
    """A deadlock or lock wait (MySQL) or a busy database (SQLite): worth running again."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = orig.args[0] if orig is not None and orig.args else None
    return code in _TRANSIENT_DB_CODES or "database is locked" in str(orig)


async def in_transaction(
    deps: Deps, work: Callable[[AsyncSession], Awaitable[T]], attempts: int = 5
) -> T:
    """Run ``work`` in one transaction, again from the start after a deadlock."""
    for attempt in range(attempts):
        try:
            async with deps.sessions() as session, session.begin():
                return await work(session)
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
            log.info("transaction retried after %s", type(exc.orig).__name__)
            await asyncio.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")
