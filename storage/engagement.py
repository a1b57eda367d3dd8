"""Writing what comes back after a send (issue 19): members' 답장 to the bot's messages
(``kbot_replies``) and how many messages members write per registered room and UTC hour
(``kbot_room_activity``). Neither keeps a message's text or its writer.

A reply is tied to the bot's message it answers through the delivery receipt whose
``echo_id`` (the bot's own echo gave it) equals the reply's ``src_logId``, in the same room;
a reply to anything else (another member's message, a bot answer to a command, a forged id)
leaves no row. Receipts are pruned after ``storage.receipts.KEEP_DAYS`` days, so a reply to
a bot message older than that (``REPLY_TIE_DAYS``) cannot be tied and is not counted: reply
counts cover about the first week after a send. The bot's answers to commands and notices
have no receipt either: replies to them are not recorded. A reply that arrives while its
send is still being logged (the receipt has no ``log_id`` yet) is stored with ``log_id``
NULL and ``schedule_id`` from the occurrence, and tied to its log row by ``resolve_replies``
(the receipt sweep's hourly upkeep, before receipts are pruned); until then reports do not
count it.

Both writes are single statements safe across kbot processes sharing the database:
``reply_id`` is unique (the same reply forwarded by two devices is one row), activity is
added by upserts (``add_messages``: each process adds the counts it buffered). Activity rows
older than ``ACTIVITY_KEEP_DAYS`` are pruned (``prune_activity``, hourly by the webhook's
activity flush loop); replies are kept. Times are naive UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage.engagement_models import Reply, RoomActivity
from storage.kbot_models import Occurrence, Receipt, Room
from storage.models import ScheduleLog
from storage.receipts import KEEP_DAYS
from storage.upsert import insert_absent, upsert

ACTIVITY_KEEP_DAYS = 400  # a year of weekly baselines plus a margin
# a reply to a bot message sent longer ago than this cannot be tied (its receipt is pruned)
REPLY_TIE_DAYS = KEEP_DAYS
DEFAULT_DEVICE = "default"  # kbot_rooms.device NULL: the [bot.iris] device
_MESSAGE_ID = re.compile(r"[0-9]{1,30}")
_RESOLVE_BATCH = 500
REPLIES = cast(Table, Reply.__table__)


def valid_message_id(value: str) -> bool:
    """A KakaoTalk message id as kbot stores it: 1 to 30 ASCII digits."""
    return bool(_MESSAGE_ID.fullmatch(value))


def hour_of(at: datetime) -> datetime:
    """The naive UTC start of the hour containing ``at`` (aware)."""
    return to_utc_naive(at).replace(minute=0, second=0, microsecond=0)


async def room_device(session: AsyncSession, room_id: str) -> str | None:
    """The Iris device that sends to the registered room ``room_id`` (``DEFAULT_DEVICE``
    when the row names none), or None when kbot does not know the room."""
    device = await session.execute(select(Room.device).where(Room.chat_id == room_id))
    row = device.first()
    if row is None:
        return None
    name = row[0]
    return name if isinstance(name, str) and 0 < len(name) <= 50 else DEFAULT_DEVICE


async def add_messages(session: AsyncSession, counts: Mapping[tuple[str, datetime], int]) -> None:
    """Add ``counts`` (room, ``hour_of`` the messages -> how many) to the rooms' hours, one
    upsert per room and hour. The caller decides that the messages count (registered room,
    not the bot's, not a repeat)."""
    for (room_id, hour), n in sorted(counts.items()):
        if n <= 0:
            continue
        await upsert(
            session,
            RoomActivity,
            {"room_id": room_id, "hour": hour, "messages": n},
            keys=("room_id", "hour"),
            changes={"messages": RoomActivity.messages + n},
        )


async def record_reply(
    session: AsyncSession, *, reply_id: str, src_echo_id: str, room_id: str, at: datetime
) -> bool:
    """Record the reply ``reply_id`` written at ``at`` (aware) in ``room_id`` to the bot's
    message whose echo id is ``src_echo_id``; False when that is no message the bot sent to
    this room (as far as the receipts still know), an id is malformed, or the reply was
    recorded before."""
    if not (valid_message_id(reply_id) and valid_message_id(src_echo_id)):
        return False
    found = await session.execute(
        select(Receipt.log_id, Receipt.occurrence_id).where(
            Receipt.echo_id == src_echo_id, Receipt.room_id == room_id
        )
    )
    receipt = found.first()
    if receipt is None:
        return False
    log_id, schedule_id = await _log_and_schedule(session, receipt.log_id, receipt.occurrence_id)
    values: dict[str, Any] = {
        "reply_id": reply_id,
        "src_echo_id": src_echo_id,
        "log_id": log_id,
        "schedule_id": schedule_id,
        "room_id": room_id,
        "replied_at": to_utc_naive(at),
    }
    return await insert_absent(session, Reply, values)


async def _log_and_schedule(
    session: AsyncSession, log_id: int | None, occurrence_id: int | None
) -> tuple[int | None, int | None]:
    """The log row and schedule a receipt belongs to, as far as known yet."""
    schedule_id = None
    if log_id is None and occurrence_id is not None:
        occ = (
            await session.execute(
                select(Occurrence.log_id, Occurrence.schedule_id).where(
                    Occurrence.id == occurrence_id
                )
            )
        ).first()
        if occ is not None:
            log_id, schedule_id = occ.log_id, occ.schedule_id
    if log_id is not None:
        logged = await session.scalar(
            select(ScheduleLog.schedule_id).where(ScheduleLog.id == log_id)
        )
        schedule_id = logged if logged is not None else schedule_id
    return log_id, schedule_id


async def resolve_replies(session: AsyncSession) -> int:
    """Tie replies stored without a log row to it, now that their receipt has one; how many
    were tied. Replies whose receipt is gone stay as they are."""
    pending = (
        await session.execute(
            select(Reply.id, Reply.src_echo_id, Receipt.log_id, Receipt.occurrence_id)
            .join(Receipt, Receipt.echo_id == Reply.src_echo_id)
            .where(Reply.log_id.is_(None), Receipt.log_id.is_not(None))
            .limit(_RESOLVE_BATCH)
        )
    ).all()
    tied = 0
    for row in pending:
        log_id, schedule_id = await _log_and_schedule(session, row.log_id, row.occurrence_id)
        changed = await session.execute(
            update(REPLIES)
            .where(REPLIES.c.id == row.id, REPLIES.c.log_id.is_(None))
            .values(log_id=log_id, schedule_id=schedule_id)
        )
        tied += int(getattr(changed, "rowcount", 0))
    return tied


async def prune_activity(session: AsyncSession, now: datetime) -> int:
    """Delete activity hours older than ``ACTIVITY_KEEP_DAYS`` before ``now`` (naive UTC);
    how many rows."""
    before = now - timedelta(days=ACTIVITY_KEEP_DAYS)
    gone = await session.execute(delete(RoomActivity).where(RoomActivity.hour < before))
    return int(getattr(gone, "rowcount", 0))
