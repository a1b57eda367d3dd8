"""Short links (``kbot_links``) and their counted clicks (``kbot_link_clicks``).

``link_for`` gets or creates the one row of a (schedule, room, URL): every kbot process that
sends the schedule to the room hands out the same code. Two processes creating it at once both
insert; the loser's insert fails on the unique key inside a savepoint and it reads the
winner's row (a locking read, which sees past a MariaDB REPEATABLE READ snapshot).

A code is ``CODE_LENGTH`` random URL-safe characters from ``secrets`` (about 52 bits),
never derived from the schedule or the room, so codes cannot be enumerated.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.link_url import CODE_LENGTH
from core.timeutil import to_utc_naive
from storage.engagement_models import LinkClick, ShortLink

# lower case and digits: MariaDB compares the column without case, SQLite with it
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
CODE_PATTERN = re.compile(rf"[a-z0-9]{{{CODE_LENGTH}}}")
_ATTEMPTS = 5  # new codes tried when one collides (practically never)
CLICK_WINDOW_S = 600  # a repeat by the same visitor within 10 minutes is one click


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


async def _existing(
    session: AsyncSession, schedule_id: int, room_id: str, digest: str, *, locking: bool
) -> ShortLink | None:
    query = select(ShortLink).where(
        ShortLink.schedule_id == schedule_id,
        ShortLink.room_id == room_id,
        ShortLink.url_hash == digest,
    )
    if locking:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def link_for(
    session: AsyncSession, *, schedule_id: int, room_id: str, url: str, now: datetime
) -> ShortLink:
    """The short link of ``url`` in schedule ``schedule_id``'s text sent to ``room_id``,
    created at ``now`` (aware) when there is none yet."""
    digest = url_hash(url)
    found = await _existing(session, schedule_id, room_id, digest, locking=False)
    if found is not None:
        return found
    for _ in range(_ATTEMPTS):
        link = ShortLink(
            code=new_code(),
            schedule_id=schedule_id,
            room_id=room_id,
            url=url,
            url_hash=digest,
            created_at=to_utc_naive(now),
        )
        try:
            async with session.begin_nested():
                session.add(link)
        except IntegrityError:  # the same link made by another process, or a code collision
            found = await _existing(session, schedule_id, room_id, digest, locking=True)
            if found is not None:
                return found
            continue
        return link
    raise RuntimeError("no free short link code")  # pragma: no cover - 60 bits of chance


async def by_code(session: AsyncSession, code: str) -> ShortLink | None:
    """The link of ``code``, or None (also for a code that cannot be one)."""
    if not CODE_PATTERN.fullmatch(code):
        return None
    found = (await session.scalars(select(ShortLink).where(ShortLink.code == code))).first()
    return found if found is not None and found.code == code else None


async def record_click(
    session: AsyncSession, *, link_id: int, visitor: str, now: datetime, window_s: float
) -> bool:
    """Count a click on link ``link_id`` by ``visitor`` at ``now`` (aware); False (nothing
    written) when the same visitor's click on it was counted within ``window_s`` seconds."""
    at = to_utc_naive(now)
    recent = await session.scalar(
        select(LinkClick.id)
        .where(
            LinkClick.link_id == link_id,
            LinkClick.visitor == visitor,
            LinkClick.clicked_at > at - timedelta(seconds=window_s),
        )
        .limit(1)
    )
    if recent is not None:
        return False
    session.add(LinkClick(link_id=link_id, visitor=visitor, clicked_at=at))
    await session.flush()
    return True
