"""``kbot_notices`` claims on both backends: a key is claimed by the first insert only, old
keys are pruned, and a stored ``notify`` value kbot does not know reads as 'failures'."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import notices

NOW = datetime(2026, 12, 3, 9, 0)


async def claim(sessions: async_sessionmaker[AsyncSession], key: str, at: datetime) -> bool:
    async with sessions.begin() as s:
        return await notices.claim(s, key, at)


async def test_a_key_is_claimed_once_and_pruned_when_old(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    won = await asyncio.gather(*(claim(sessions, "send:1", NOW) for _ in range(4)))
    assert sorted(won) == [False, False, False, True]
    assert await claim(sessions, "old", NOW - notices.KEEP - timedelta(seconds=1))
    async with sessions.begin() as s:
        assert await notices.claimed(s, ["send:1", "old", "send:2"]) == {"send:1", "old"}
        assert await notices.prune(s, NOW) == 1
        assert await notices.claimed(s, ["send:1", "old"]) == {"send:1"}


def test_notify_mode_reads_unknown_values_as_failures() -> None:
    assert [notices.notify_mode(v) for v in ("all", "off", "failures", None, "ALL", 3, "")] == [
        "all",
        "off",
        "failures",
        "failures",
        "failures",
        "failures",
        "failures",
    ]
