"""A small org tree with rooms and admins, a recording scheduler port and chat-event helpers,
shared by the chat-command tests."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import ChatKind, EventChatKinds
from bot.events import ChatEvent, parse_iris
from commands.context import CommandContext, build_context
from core.config import Config
from scheduler.service import Scheduler
from services.ports import RoomBusy
from storage import admins, rooms
from storage.models import Base
from tests.support.fakes import FakeClock
from tests.support.orgs import TREE, add_tree
from tests.support.sched_support import RecordingSender, scheduler

FIXTURE = Path(__file__).parents[1] / "fixtures" / "iris" / "multiline_command.json"
# Thursday 2026-11-26 09:12 in Seoul, the moment the fixture message was sent.
START = datetime(2026, 11, 26, 0, 12, tzinfo=UTC)

BR1_ROOM = "257378349297847"  # the fixture's chat_id
BR1_USER = "252507685"  # the fixture's user_id
ROOMS = {
    "HQ": "100000000000000",
    "DT1": "100000000000001",
    "DT2": "100000000000002",
    "AG1": "100000000000003",
    "AG2": "100000000000004",
    "BR1": BR1_ROOM,
    "BR2": "100000000000006",
    "BR3": "100000000000007",
}
USERS = {code: f"9{index:08d}" for index, code in enumerate(TREE)} | {"BR1": BR1_USER}


@dataclass
class Sent:
    status: str = "success"
    error: str | None = None
    starts_in_s: int | None = None


@dataclass
class RecordingScheduler:
    """The scheduler port, recording calls; ``result`` or ``failure`` decides ``send_now``
    (``failure`` is raised; a ``RoomBusy`` only when the send is not confirmed)."""

    wakes: int = 0
    sends: list[tuple[int, str, str | None]] = field(default_factory=list)
    options: list[dict[str, Any]] = field(default_factory=list)  # confirmed, direct, wait_s
    result: Sent = field(default_factory=Sent)
    failure: Exception | None = None

    def wake(self) -> None:
        self.wakes += 1

    async def send_now(
        self,
        schedule_id: int,
        *,
        kind: Literal["test", "manual"],
        room_id: str | None = None,
        confirmed: bool = False,
        direct: bool = False,
        wait_s: float = 15.0,
    ) -> Sent:
        self.options.append({"confirmed": confirmed, "direct": direct, "wait_s": wait_s})
        if isinstance(self.failure, RoomBusy) and not confirmed:
            raise self.failure
        self.sends.append((schedule_id, kind, room_id))
        if self.failure is not None and not isinstance(self.failure, RoomBusy):
            raise self.failure
        return self.result


BR1_TEST_ROOM = "100000000000099"


async def add_br1_test_room(sessions: async_sessionmaker[AsyncSession]) -> None:
    """BR1's test room (``강남지점 테스트방``), where its test sends go."""
    async with sessions.begin() as s:
        await rooms.add_room(
            s,
            chat_id=BR1_TEST_ROOM,
            name="강남지점 테스트방",
            org_code="BR1",
            room_type="test",
            at=START,
            actor="test",
        )


async def build_world(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The org tree (``tests.support.orgs``), one live room and one admin per org; returns
    org ids by code."""
    async with sessions.begin() as s:
        ids = await add_tree(s, at=START)
        for code, chat_id in ROOMS.items():
            name = "도매까 강남지점 공지방" if code == "BR1" else f"{code} 공지방"
            await rooms.add_room(
                s, chat_id=chat_id, name=name, org_code=code, at=START, actor="test"
            )
        for code, user in USERS.items():
            name = "김지점장" if code == "BR1" else f"{code} 관리자"
            await admins.add_admin(
                s,
                kakao_user_id=user,
                org_code=code,
                name=name,
                mb_id=code.lower(),
                at=START,
                actor="test",
            )
    return ids


class DeviceRoomKinds:
    """``bot.chat_kinds.RoomKinds`` answering from ``kinds`` (chat id -> kind) as an Iris
    device would, UNKNOWN for rooms it does not know."""

    def __init__(self, kinds: dict[str, ChatKind]) -> None:
        self.kinds = kinds

    async def kind_of_room(self, room_id: str) -> ChatKind:
        return self.kinds.get(room_id, ChatKind.UNKNOWN)


def context(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], rooms: DeviceRoomKinds | None = None
) -> tuple[CommandContext, FakeClock, RecordingScheduler]:
    """The command context of a dry-run process: only a skill request's own word makes a
    room a 1:1 chat, unless ``rooms`` stands in for the Iris device (the real device is
    asked over HTTP, in the webhook tests)."""
    clock = FakeClock(START)
    port = RecordingScheduler()
    return build_context(cfg, sessions, clock, port, EventChatKinds(rooms)), clock, port


def direct_chat(user: str) -> dict[str, Any]:
    """``event`` arguments of a skill request from ``user``'s 1:1 chat with the channel."""
    return {"source": "kakao_skill", "room": f"user:{user}", "direct": True, "user": user}


def live_context(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> tuple[CommandContext, FakeClock, Scheduler, RecordingSender]:
    """The command context of a dry-run process with the real scheduler (its loop not
    started) sending through a recording sender."""
    clock = FakeClock(START)
    sender = RecordingSender(clock)
    sched = scheduler(cfg, sessions, sender, clock)
    return build_context(cfg, sessions, clock, sched, EventChatKinds(None)), clock, sched, sender


def fixture_event() -> ChatEvent:
    return parse_iris(json.loads(FIXTURE.read_text(encoding="utf-8")))


def event(text: str, *, user: str = BR1_USER, room: str = BR1_ROOM, **changes: Any) -> ChatEvent:
    return dataclasses.replace(fixture_event(), text=text, user_id=user, room_id=room, **changes)


async def count(
    sessions: async_sessionmaker[AsyncSession], model: type[Base], *where: ColumnElement[bool]
) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
