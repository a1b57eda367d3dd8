"""``알림: 실패 | 모두 | 끔`` in chat through ``handle_event`` on both backends: stored in
``kbot_schedule_meta.notify`` on create and edit (on every row of a campaign), shown by
``!스케줄 보기``, a bad value answered in Korean naming 알림 with nothing saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from tests.commands.test_commands_campaign import CREATE, Chat
from tests.support.command_world import ROOMS, build_world, context, count

FORM = "!스케줄 등록\n제목: 주간 특가\n유형: 매일\n시간: 09:00\n{line}내용:\n안내드립니다"
Sessions = async_sessionmaker[AsyncSession]


async def modes(sessions: Sessions) -> list[str | None]:
    async with sessions() as s:
        found = await s.scalars(select(ScheduleMeta.notify).order_by(ScheduleMeta.schedule_id))
        return list(found)


async def test_the_notify_key_round_trips_and_shows(cfg: Config, sessions: Sessions) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    br1 = Chat(ctx, clock, "BR1", ROOMS["BR1"])
    made = await br1.say(FORM.format(line=""))
    assert made.startswith("✅ #1"), made
    assert await modes(sessions) == [None]  # the default: failures, as before
    assert "\n알림: 실패\n" in await br1.say("!스케줄 보기 1")
    made = await br1.say(FORM.format(line="알림: 모두\n"))
    assert made.startswith("✅ #2"), made
    assert await modes(sessions) == [None, "all"]
    assert "\n알림: 모두\n" in await br1.say("!스케줄 보기 2")
    edited = await br1.say("!스케줄 수정 2\n알림: 끔")
    assert "✅" in edited, edited
    assert await modes(sessions) == [None, "off"]
    assert "\n알림: 끔\n" in await br1.say("!스케줄 보기 2")


async def test_a_bad_notify_value_names_the_key_and_saves_nothing(
    cfg: Config, sessions: Sessions
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    br1 = Chat(ctx, clock, "BR1", ROOMS["BR1"])
    refused = await br1.say(FORM.format(line="알림: 가끔\n"))
    assert "알림" in refused and "'가끔'" in refused and "실패, 모두, 끔" in refused, refused
    assert await count(sessions, Schedule) == 0


async def test_a_campaign_sets_notify_on_every_row(cfg: Config, sessions: Sessions) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")
    created = await dt1.say(CREATE.replace("시간: 09:00\n", "시간: 09:00\n알림: 모두\n"))
    assert "✅ 캠페인 C1" in created, created
    assert await modes(sessions) == ["all"] * 4
    assert "\n알림: 모두\n" in await dt1.say("!스케줄 보기 C1")
    edited: Any = await dt1.say("!스케줄 수정 C1\n알림: 끔")
    assert "C1" in edited, edited
    assert await modes(sessions) == ["off"] * 4
