"""Live notices sent once across kbot processes (``kbot_notices``): a notice is claimed by
inserting its key; only the process whose insert added the row sends it, after the claim
committed. Old keys are pruned (``KEEP``): a notice is only ever claimed within days of its
send, so a pruned key is never claimed again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engagement_models import Notice

KEEP = timedelta(days=60)
NOTIFY_MODES = ("failures", "all", "off")  # kbot_schedule_meta.notify; NULL: 'failures'


def notify_mode(value: object) -> str:
    """The notice setting a stored ``kbot_schedule_meta.notify`` means: it is input, so
    anything but 'all' or 'off' reads as 'failures' (today's behaviour)."""
    return value if isinstance(value, str) and value in NOTIFY_MODES else "failures"


async def claim(session: AsyncSession, key: str, now: datetime) -> bool:
    """Insert ``key`` if absent (naive UTC ``now``); whether this insert added it. The
    caller sends the notice only after its transaction committed."""
    dialect = session.get_bind().dialect.name
    values = {"key": key, "created_at": now}
    if dialect == "sqlite":
        result = await session.execute(
            sqlite_insert(Notice).values(**values).on_conflict_do_nothing()
        )
    else:
        result = await session.execute(mysql_insert(Notice).values(**values).prefix_with("IGNORE"))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claimed(session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of ``keys`` were claimed already."""
    if not keys:
        return set()
    return set(await session.scalars(select(Notice.key).where(Notice.key.in_(keys))))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete the keys older than ``KEEP``; how many."""
    result = await session.execute(delete(Notice).where(Notice.created_at < now - KEEP))
    return int(result.rowcount)  # type: ignore[attr-defined]
