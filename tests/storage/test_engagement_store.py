"""``storage.engagement`` on SQLite and MariaDB: the activity counter and the reply insert are
single statements that several kbot processes may run at once (one count per call, one row
per reply), a reply needs a receipt of the same room, and old activity is pruned while
replies stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import engagement
from storage.engagement_models import Reply, RoomActivity
from storage.kbot_models import Receipt

Sessions = async_sessionmaker[AsyncSession]
ROOM = "257378349297847"
ECHO = "3530028521861085185"
AT = datetime(2026, 11, 26, 0, 12, 30, tzinfo=UTC)


async def _count(sessions: Sessions, room: str, at: datetime, n: int = 1) -> None:
    async with sessions.begin() as s:
        await engagement.add_messages(s, {(room, engagement.hour_of(at)): n})


async def _reply(sessions: Sessions, reply_id: str, *, room: str = ROOM, src: str = ECHO) -> bool:
    async with sessions.begin() as s:
        return await engagement.record_reply(
            s, reply_id=reply_id, src_echo_id=src, room_id=room, at=AT
        )


async def test_counts_add_up_per_room_and_hour_even_when_written_at_once(
    sessions: Sessions,
) -> None:
    await asyncio.gather(*(_count(sessions, ROOM, AT) for _ in range(5)))
    await _count(sessions, ROOM, AT.replace(minute=59, second=59))
    await _count(sessions, ROOM, AT.replace(hour=1, minute=0, second=0))
    await _count(sessions, "100000000000006", AT, n=0)  # nothing to add: no row
    await _count(sessions, "100000000000006", AT)
    async with sessions() as s:
        rows = {(r.room_id, r.hour): r.messages for r in await s.scalars(select(RoomActivity))}
    assert rows == {
        (ROOM, datetime(2026, 11, 26, 0)): 6,  # 5 flushes at once (several processes), 1
        (ROOM, datetime(2026, 11, 26, 1)): 1,
        ("100000000000006", datetime(2026, 11, 26, 0)): 1,
    }


async def test_a_reply_is_recorded_once_and_only_for_a_receipt_of_its_room(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as s:  # an echoed part whose log is not written yet
        s.add(
            Receipt(
                room_id=ROOM,
                device="default",
                kind="text",
                state="confirmed",
                sent_at=datetime(2026, 11, 26, 0, 12),
                echo_id=ECHO,
            )
        )
    assert not await _reply(sessions, "3530028521861085300", room="100000000000006")
    assert not await _reply(sessions, "3530028521861085300", src="3530028521861085186")
    assert not await _reply(sessions, "35300285218610853x0")
    assert not await _reply(sessions, "3530028521861085300", src="1" * 31)
    answers = await asyncio.gather(*(_reply(sessions, "3530028521861085300") for _ in range(4)))
    assert sorted(answers) == [False, False, False, True]
    async with sessions() as s:
        [row] = await s.scalars(select(Reply))
    assert (row.reply_id, row.src_echo_id, row.room_id) == ("3530028521861085300", ECHO, ROOM)
    assert (row.log_id, row.schedule_id) == (None, None)  # no log yet: tied later
    assert row.replied_at == datetime(2026, 11, 26, 0, 12, 30)


async def test_activity_older_than_the_keep_days_is_pruned_and_replies_stay(
    sessions: Sessions,
) -> None:
    now = datetime(2026, 11, 26, 0, 12)
    keep = timedelta(days=engagement.ACTIVITY_KEEP_DAYS)
    old = (now - keep - timedelta(hours=1)).replace(tzinfo=UTC)
    recent = (now - keep + timedelta(hours=1)).replace(tzinfo=UTC)
    await _count(sessions, ROOM, old)
    await _count(sessions, ROOM, recent)
    async with sessions.begin() as s:
        s.add(
            Reply(
                reply_id="1",
                src_echo_id=ECHO,
                room_id=ROOM,
                replied_at=now - keep - timedelta(days=30),
            )
        )
    async with sessions.begin() as s:
        assert await engagement.prune_activity(s, now) == 1
    async with sessions() as s:
        hours = [r.hour for r in await s.scalars(select(RoomActivity))]
        assert len(list(await s.scalars(select(Reply)))) == 1
    assert hours == [recent.replace(tzinfo=None, minute=0, second=0)]
