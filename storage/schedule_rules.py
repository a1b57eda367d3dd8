"""``kbot_schedule_rules``: a schedule's rule beyond the seed's columns (a monthly day, several
times a day, a count, a holiday policy, a skipped time, a pause). A row exists only while a
schedule has one of them: ``services.schedule_rules`` decides what goes in it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kbot_models import ScheduleRule

COLUMNS = (
    "kind",
    "month_day",
    "month_last",
    "month_nth",
    "month_weekday",
    "times",
    "holiday_policy",
    "max_sends",
    "sends_done",
    "skip_at",
    "paused_until",
)


async def load(session: AsyncSession, schedule_ids: Collection[int]) -> dict[int, ScheduleRule]:
    """The rules rows of ``schedule_ids`` that have one, in one query."""
    if not schedule_ids:
        return {}
    found = await session.scalars(
        select(ScheduleRule).where(ScheduleRule.schedule_id.in_(list(schedule_ids)))
    )
    return {rule.schedule_id: rule for rule in found}


async def save(
    session: AsyncSession,
    schedule_id: int,
    values: Mapping[str, object],
    *,
    fingerprint: str,
    now_local: datetime,
) -> ScheduleRule:
    """Write the row of ``schedule_id`` (``values`` by ``COLUMNS``), replacing any before.

    ``sends_done`` belongs to the claim path, which adds to it in its own transaction
    (``sends_done + n``): an edit writes it only to restart the count (0) or on a new row, so
    an edit that carries back the count it read cannot undo an increment made in between
    (one send past 횟수 on MariaDB, where edits and claims run side by side)."""
    existing = await session.get(ScheduleRule, schedule_id)
    rule = existing or ScheduleRule(schedule_id=schedule_id)
    for column in COLUMNS:
        if column == "sends_done" and existing is not None and values[column] != 0:
            continue
        setattr(rule, column, values[column])
    rule.seed_fingerprint = fingerprint
    rule.updated_at = now_local.replace(microsecond=0)
    session.add(rule)
    return rule


async def save_many(
    session: AsyncSession,
    rows: Collection[tuple[int, Mapping[str, object], str]],
    *,
    now_local: datetime,
) -> None:
    """Bulk-insert the rows of new schedules: (schedule id, values, seed fingerprint)."""
    if not rows:
        return
    stamp = now_local.replace(microsecond=0)
    await session.execute(
        insert(ScheduleRule),
        [
            {
                "schedule_id": schedule_id,
                **{column: values[column] for column in COLUMNS},
                "seed_fingerprint": fingerprint,
                "updated_at": stamp,
            }
            for schedule_id, values, fingerprint in rows
        ],
    )


async def remove(session: AsyncSession, schedule_ids: Collection[int]) -> None:
    """Delete the rules rows of ``schedule_ids`` (back to the seed's plain rule)."""
    if schedule_ids:
        await session.execute(
            delete(ScheduleRule).where(ScheduleRule.schedule_id.in_(list(schedule_ids)))
        )
