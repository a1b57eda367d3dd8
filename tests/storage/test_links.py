"""``storage.links`` on both backends: one row per (schedule, room, URL) also when two
processes make it at once, random codes, and the click dedup window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import links
from storage.engagement_models import LinkClick, ShortLink

NOW = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
URL = "https://example.com/sale?x=1"
Sessions = async_sessionmaker[AsyncSession]


async def made(sessions: Sessions, schedule_id: int, room_id: str, url: str = URL) -> ShortLink:
    async with sessions.begin() as s:
        return await links.link_for(s, schedule_id=schedule_id, room_id=room_id, url=url, now=NOW)


async def link_rows(sessions: Sessions) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(ShortLink)) or 0)


async def test_one_link_per_schedule_room_and_url_with_random_codes(sessions: Sessions) -> None:
    first = await made(sessions, 7, "room-a")
    again = await made(sessions, 7, "room-a")
    other_room = await made(sessions, 7, "room-b")
    other_url = await made(sessions, 7, "room-a", "https://example.com/other")
    assert again.id == first.id and again.code == first.code
    assert len({first.code, other_room.code, other_url.code}) == 3
    assert all(links.CODE_PATTERN.fullmatch(x.code) for x in (first, other_room, other_url))
    assert first.created_at == NOW.replace(tzinfo=None)  # naive UTC
    assert await link_rows(sessions) == 3
    async with sessions() as s:
        found = await links.by_code(s, first.code)
        assert found is not None and found.url == URL
        assert await links.by_code(s, first.code.upper()) is None
        assert await links.by_code(s, "nope") is None
        assert await links.by_code(s, "' OR 1=1 --") is None


async def test_two_processes_making_the_same_link_at_once_share_one_row(
    sessions: Sessions,
) -> None:
    together = await asyncio.gather(*(made(sessions, 9, "room-a") for _ in range(4)))
    assert len({link.code for link in together}) == 1
    assert await link_rows(sessions) == 1


async def test_the_loser_of_an_insert_race_reads_the_winners_row(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other process inserted between our look and our insert: the unique key refuses
    ours inside a savepoint and the winner's row is read, the transaction still usable."""
    winner = await made(sessions, 11, "room-a")
    real = links._existing

    async def missed_first(*args: object, locking: bool) -> ShortLink | None:
        return await real(*args, locking=locking) if locking else None  # type: ignore[arg-type]

    monkeypatch.setattr(links, "_existing", missed_first)
    async with sessions.begin() as s:
        loser = await links.link_for(s, schedule_id=11, room_id="room-a", url=URL, now=NOW)
        other = await links.link_for(s, schedule_id=11, room_id="room-b", url=URL, now=NOW)
    assert loser.code == winner.code and other.code != winner.code
    assert await link_rows(sessions) == 2


async def test_a_repeat_click_within_the_window_is_not_counted(sessions: Sessions) -> None:
    link = await made(sessions, 3, "room-a")

    async def click(visitor: str, at: datetime) -> bool:
        async with sessions.begin() as s:
            return await links.record_click(
                s, link_id=link.id, visitor=visitor, now=at, window_s=600
            )

    assert await click("v1", NOW)
    assert not await click("v1", NOW + timedelta(seconds=599))
    assert await click("v2", NOW + timedelta(seconds=599))  # another visitor
    assert await click("v1", NOW + timedelta(seconds=601))
    async with sessions() as s:
        rows = list(await s.scalars(select(LinkClick).order_by(LinkClick.id)))
    assert [(r.visitor, r.clicked_at) for r in rows] == [
        ("v1", NOW.replace(tzinfo=None)),
        ("v2", (NOW + timedelta(seconds=599)).replace(tzinfo=None)),
        ("v1", (NOW + timedelta(seconds=601)).replace(tzinfo=None)),
    ]
