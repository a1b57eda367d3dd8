"""Writing ``kbot_receipts`` rows directly, as the echo confirmation does, for the breaker's
tests (until that writer lands, and to set up a device's history exactly)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.timeutil import to_utc_naive
from storage.kbot_models import Receipt


async def add_receipts(
    sessions: async_sessionmaker[AsyncSession],
    device: str,
    states: list[str],
    *,
    at: datetime,
    room: str = "257378349297847",
) -> None:
    """One text part per state, sent one second apart from ``at`` (aware)."""
    async with sessions() as s, s.begin():
        s.add_all(
            Receipt(
                room_id=room,
                device=device,
                kind="text",
                state=state,
                sent_at=to_utc_naive(at + timedelta(seconds=n)),
            )
            for n, state in enumerate(states)
        )
