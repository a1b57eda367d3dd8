"""Engagement captured from the Iris webhook over real HTTP (issue 19): kbot sends through a
fake Iris that echoes, a member's 답장 with ``src_logId`` = the echo's id becomes one
``kbot_replies`` row tied to the log row and schedule; ordinary member messages are counted
per registered room and UTC hour, once per message. Time is a FakeClock."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, update

from core.config import Config
from core.timeutil import to_utc_naive
from storage.engagement_models import Reply, RoomActivity
from storage.kbot_models import Occurrence, Receipt, Room
from tests.support.command_world import BR1_ROOM, BR1_USER, ROOMS, START
from tests.support.echo_app import Sessions, deliver, send_now, start, states_become
from tests.support.echoes import echo_body, member_message_body, reply_body
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until

BR2_ROOM = ROOMS["BR2"]
STRANGER_ROOM = "18999999999999999"  # a room kbot does not know
MEMBER = "318842201"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def replies(sessions: Sessions) -> list[Reply]:
    async with sessions() as s:
        return list(await s.scalars(select(Reply).order_by(Reply.id)))


async def activity(sessions: Sessions) -> dict[tuple[str, datetime], int]:
    async with sessions() as s:
        rows = await s.scalars(select(RoomActivity))
        return {(r.room_id, r.hour): r.messages for r in rows}


def hour(h: int) -> datetime:
    """Naive UTC hour ``h`` on START's day (START is 00:12 UTC)."""
    return datetime(2026, 11, 26, h)


async def sent_and_echoed(api: Any, sessions: Sessions, iris: FakeIris) -> tuple[int, int, str]:
    """A schedule sent once to BR1 and confirmed by its echo: (schedule id, log id, echo id)."""
    created = await api.create()
    sent = await send_now(api, created["id"])
    [receipt] = await states_become(sessions, "confirmed")
    echo_id = iris.echoes[0]["json"]["id"]
    assert receipt.echo_id == echo_id
    return created["id"], sent["id"], echo_id


async def test_a_reply_to_the_bots_echoed_message_is_one_row_tied_to_its_log_and_schedule(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    schedule_id, log_id, echo_id = await sent_and_echoed(api, sessions, iris)
    at = START + timedelta(minutes=2)
    clock.set(START + timedelta(minutes=3))
    answer = reply_body(BR1_ROOM, user_id=MEMBER, src_log_id=echo_id, at=at)
    assert isinstance(json.loads(answer["json"]["attachment"])["src_logId"], int)
    with caplog.at_level(logging.WARNING):
        await deliver(api, iris, answer)
        await deliver(api, iris, answer)  # Iris forwarding it twice
        await deliver(api, iris, answer, device="phone2")  # a second device in the room
    [row] = await replies(sessions)
    assert (row.reply_id, row.src_echo_id) == (answer["json"]["id"], echo_id)
    assert (row.log_id, row.schedule_id, row.room_id) == (log_id, schedule_id, BR1_ROOM)
    assert row.replied_at == to_utc_naive(at)
    assert not [r for r in caplog.records if r.name in ("kbot.webhooks", "kbot.engagement")]

    # src_logId as a JSON string is accepted too; a reply from a time not believable is
    # dated by the clock
    as_text = reply_body(BR1_ROOM, src_log_id=echo_id, at=START - timedelta(days=30), as_text=True)
    assert isinstance(json.loads(as_text["json"]["attachment"])["src_logId"], str)
    await deliver(api, iris, as_text)
    _, second = await replies(sessions)
    assert (second.reply_id, second.log_id, second.schedule_id) == (
        as_text["json"]["id"],
        log_id,
        schedule_id,
    )
    assert second.replied_at == to_utc_naive(clock.now())
    # both replies are member messages of BR1 (its own device), counted once each
    assert await activity(sessions) == {(BR1_ROOM, hour(0)): 2}


async def test_replies_to_other_messages_forged_ids_and_unknown_rooms_leave_no_row(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    _, _, echo_id = await sent_and_echoed(api, sessions, iris)
    at = clock.now()
    bad_ids: list[object] = [
        "3530028521861085999",  # a message the bot did not send (no receipt)
        echo_id + "x",
        " " + echo_id,
        float(echo_id),
        -int(echo_id),
        10**40,  # a long no KakaoTalk id is
        10**1000,  # huge: must not even be turned into text
        "1" * 31,
        True,
        None,
        {"id": echo_id},
        [echo_id],
    ]
    with caplog.at_level(logging.WARNING):
        for bad in bad_ids:
            await deliver(api, iris, reply_body(BR1_ROOM, src_log_id=bad, at=at))
        garbled = reply_body(BR1_ROOM, src_log_id=echo_id, at=at)
        garbled["json"]["attachment"] = '{"src_logId": ' + echo_id  # not JSON
        await deliver(api, iris, garbled)
        garbled["json"]["attachment"] = '{"src_logId": ' + "9" * 5000 + "}"  # too long to read
        await deliver(api, iris, garbled)
        no_id = reply_body(BR1_ROOM, src_log_id=echo_id, at=at)
        no_id["json"]["id"] = "not-a-number"
        await deliver(api, iris, no_id)
        # the right id, but said in another room: a registered one and an unknown one
        await deliver(api, iris, reply_body(BR2_ROOM, src_log_id=echo_id, at=at))
        await deliver(api, iris, reply_body(STRANGER_ROOM, src_log_id=echo_id, at=at))
        # the right id in an ordinary message (type 1) is no reply
        plain = reply_body(BR1_ROOM, src_log_id=echo_id, at=at)
        plain["json"]["type"] = "1"
        await deliver(api, iris, plain)
    assert await replies(sessions) == []
    assert not [r for r in caplog.records if r.name in ("kbot.webhooks", "kbot.engagement")]
    counted = await activity(sessions)
    assert STRANGER_ROOM not in {room for room, _ in counted}
    assert counted[(BR2_ROOM, hour(0))] == 1

    # the reply that does match is recorded: the cases above failed for their own reason
    await deliver(api, iris, reply_body(BR1_ROOM, src_log_id=echo_id, at=at))
    assert len(await replies(sessions)) == 1


async def test_a_reply_before_its_send_is_logged_is_tied_by_the_hourly_upkeep(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    schedule_id, log_id, echo_id = await sent_and_echoed(api, sessions, iris)
    async with sessions.begin() as s:  # as while the send is still being logged
        await s.execute(update(Receipt).values(log_id=None))
        await s.execute(update(Occurrence).values(log_id=None))
    await deliver(api, iris, reply_body(BR1_ROOM, src_log_id=echo_id, at=clock.now()))
    [row] = await replies(sessions)
    assert (row.log_id, row.schedule_id) == (None, schedule_id)

    async with sessions.begin() as s:  # the log book attaches the log
        await s.execute(update(Receipt).values(log_id=log_id))
        await s.execute(update(Occurrence).values(log_id=log_id))
    await driver.step(3601)

    async def tied() -> bool:
        [row] = await replies(sessions)
        return row.log_id is not None

    await wait_until(tied, "the reply tied to its log")
    [row] = await replies(sessions)
    assert (row.log_id, row.schedule_id) == (log_id, schedule_id)


async def test_member_messages_are_counted_per_room_and_utc_hour_once_each(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)  # silent
    async with sessions.begin() as s:  # BR2 is sent to through a second device
        await s.execute(update(Room).where(Room.chat_id == BR2_ROOM).values(device="phone2"))
    clock.set(START + timedelta(hours=2))  # 02:12 UTC
    early = START  # 00:12 UTC
    late = START + timedelta(minutes=50)  # 01:02 UTC
    repeated = member_message_body(BR1_ROOM, at=early)
    for body in [
        repeated,
        member_message_body(BR1_ROOM, at=early + timedelta(minutes=47)),  # 00:59
        member_message_body(BR1_ROOM, user_id=BR1_USER, at=late, text="!도움말"),  # a command
        member_message_body(BR1_ROOM, at=late),
        member_message_body(BR1_ROOM, at=datetime(2001, 1, 1).astimezone()),  # clock's hour
        member_message_body(BR2_ROOM, at=early),  # through the default device: not BR2's
        member_message_body(STRANGER_ROOM, at=early),  # a room kbot does not know
        echo_body(BR1_ROOM, bot_id=iris.bot_id, at=early, text="봇의 메시지"),  # the bot's own
        _not_mine_but_the_bot(iris, early),
        _feed(early),
    ]:
        await deliver(api, iris, body)
    await deliver(api, iris, repeated)  # Iris delivering it again
    await deliver(api, iris, repeated, device="phone2")  # the second device's copy
    await deliver(api, iris, member_message_body(BR2_ROOM, at=early), device="phone2")
    assert await activity(sessions) == {
        (BR1_ROOM, hour(0)): 2,
        (BR1_ROOM, hour(1)): 2,
        (BR1_ROOM, hour(2)): 1,
        (BR2_ROOM, hour(0)): 1,
    }


def _not_mine_but_the_bot(iris: FakeIris, at: datetime) -> dict[str, Any]:
    """The bot's user id without ``isMine``: still the bot's own message."""
    return member_message_body(BR1_ROOM, user_id=iris.bot_id, at=at)


def _feed(at: datetime) -> dict[str, Any]:
    body = member_message_body(BR1_ROOM, at=at)
    body["json"]["type"] = "0"
    body["json"]["v"] = body["json"]["v"].replace('"origin":"MSG"', '"origin":"NEWMEM"')
    return body


async def test_no_text_or_writer_is_stored(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    _, _, echo_id = await sent_and_echoed(api, sessions, iris)
    text = "비밀 답장 내용"
    await deliver(api, iris, reply_body(BR1_ROOM, src_log_id=echo_id, at=clock.now(), text=text))
    assert len(await replies(sessions)) == 1

    async with sessions() as s:
        conn = await s.connection()
        columns = await conn.run_sync(
            lambda sync: {
                table: {c["name"] for c in inspect(sync).get_columns(table)}
                for table in ("kbot_replies", "kbot_room_activity")
            }
        )
        stored = [
            str(value)
            for model in (Reply, RoomActivity)
            for row in (await s.execute(select(model.__table__))).all()
            for value in row
        ]
    assert columns == {
        "kbot_replies": {
            "id",
            "reply_id",
            "src_echo_id",
            "log_id",
            "schedule_id",
            "room_id",
            "replied_at",
        },
        "kbot_room_activity": {"room_id", "hour", "messages"},
    }
    assert not [v for v in stored if text in v or v == MEMBER]
