"""Schedule chat commands, continued: PHP rows of unregistered rooms, edits moving out of
reach, the test room and sending now."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage import rooms
from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from tests.commands.test_commands_schedule import WEEKLY, rows
from tests.support.command_world import (
    BR1_ROOM,
    ROOMS,
    START,
    USERS,
    Sent,
    build_world,
    context,
    direct_chat,
    event,
)


async def test_php_row_for_an_unregistered_room_is_headquarters_only(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    async with sessions.begin() as s:
        s.add(
            Schedule(
                title="PHP 등록",
                created_by_type="headquarters",
                created_by_id="HQ",
                created_by_mb_id="admin",
                target_room_id="123123123",
                message_text="안녕",
                schedule_type="daily",
                schedule_time=time(10, 0),
                valid_from=datetime(2026, 11, 1),
                valid_until=datetime(2027, 11, 1),
            )
        )
    [shown] = await handle_event(ctx, event("!스케줄 보기 1", user=USERS["HQ"])) or []
    assert "PHP 등록" in shown and "11/26(목) 10:00" in shown
    [listing] = await handle_event(ctx, event("!스케줄 목록", **direct_chat(USERS["HQ"]))) or []
    assert "#1 PHP 등록" in listing
    for user in (USERS["DT1"], USERS["BR1"]):
        [reply] = await handle_event(ctx, event("!스케줄 보기 1", user=user)) or []
        assert "권한" in reply
    [missing] = await handle_event(ctx, event("!스케줄 보기 99", user=USERS["HQ"])) or []
    assert missing.startswith("❌ ID") and "#99" in missing


async def test_edit_moving_to_a_room_out_of_reach_is_refused(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)
    await handle_event(ctx, event(WEEKLY, user=USERS["AG1"]))
    [moved] = (
        await handle_event(ctx, event(f"!스케줄 수정 1\n방: {ROOMS['BR2']}", user=USERS["AG1"]))
        or []
    )
    assert "#1" in moved
    [denied] = (
        await handle_event(ctx, event(f"!스케줄 수정 1\n방: {ROOMS['BR3']}", user=USERS["AG1"]))
        or []
    )
    assert "권한" in denied
    [row] = await rows(sessions)
    assert row.target_room_id == ROOMS["BR2"]
    # the branch that lost the room no longer sees it; the one that owns it now does
    [reply] = await handle_event(ctx, event("!스케줄 보기 1")) or []
    assert "권한" in reply
    [reply] = await handle_event(ctx, event("!스케줄 보기 1", user=USERS["BR2"])) or []
    assert "매일 안내" in reply
    port.result = Sent(status="failed", error="Iris 응답 없음")
    [failed] = await handle_event(ctx, event("!스케줄 발송 1", user=USERS["BR2"])) or []
    assert "실패" in failed and "Iris 응답 없음" in failed


async def test_test_room_is_set_shown_used_checked_and_removed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    test_room = "100000000000099"
    async with sessions.begin() as s:
        await rooms.add_room(
            s,
            chat_id=test_room,
            name="강남지점 테스트방",
            org_code="BR1",
            room_type="test",
            at=START,
            actor="test",
        )
    ctx, _, port = context(cfg, sessions)
    [created] = (
        await handle_event(
            ctx, event(WEEKLY.replace("내용:", "테스트방: 강남지점 테스트방\n내용:"))
        )
        or []
    )
    assert "#1" in created
    async with sessions() as s:
        meta = await s.get(ScheduleMeta, 1)
    assert meta is not None and meta.test_room_id == test_room

    [shown] = await handle_event(ctx, event("!스케줄 보기 1")) or []
    assert f"테스트방: {test_room}" in shown
    await handle_event(ctx, event("!스케줄 테스트 1")) or []
    assert port.sends == [(1, "test", test_room)]

    # a room outside the admin's subtree, and an unknown room: refused, nothing changes
    [denied] = await handle_event(ctx, event(f"!스케줄 수정 1\n테스트방: {ROOMS['BR2']}")) or []
    assert "권한" in denied
    [unknown] = await handle_event(ctx, event("!스케줄 수정 1\n테스트방: 999")) or []
    assert unknown.startswith("❌ 테스트방:") and "등록된 방이 아니거나" in unknown
    # nothing told apart (but the particle after the room id: 구 -> 는, 육 -> 은)
    assert denied == unknown.replace("'999'는", f"'{ROOMS['BR2']}'은")
    async with sessions() as s:
        meta = await s.get(ScheduleMeta, 1)
    assert meta is not None and meta.test_room_id == test_room

    [removed] = await handle_event(ctx, event("!스케줄 수정 1\n테스트방: 없음")) or []
    assert "수정" in removed
    [refused] = await handle_event(ctx, event("!스케줄 테스트 1")) or []  # a live room
    assert "고객도 보는 방" in refused and len(port.sends) == 1
    [tested] = await handle_event(ctx, event("!스케줄 테스트 1", room=test_room)) or []
    assert port.sends[-1] == (1, "test", test_room)  # a test room it was typed in
    assert port.options[-1]["direct"] is False and "이 방으로 보냈습니다" in tested
    [shown] = await handle_event(ctx, event("!스케줄 보기 1")) or []
    assert "테스트방" not in shown


async def test_send_now_goes_to_the_target_room_as_a_manual_send(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)
    await handle_event(ctx, event(WEEKLY))
    [sent] = await handle_event(ctx, event("!스케줄 발송 1")) or []
    assert port.sends == [(1, "manual", None)]  # the scheduler sends to the target room
    assert sent == "📤 #1 지금 발송을 이 방으로 보냈습니다. 다음 발송 시각은 그대로입니다."
    assert port.options[-1] == {"confirmed": False, "direct": False, "wait_s": 15.0}
    [elsewhere] = await handle_event(ctx, event("!스케줄 발송 1", room=ROOMS["BR2"])) or []
    assert f"대상 방({BR1_ROOM})으로 보냈습니다" in elsewhere
    down = "텍스트: 카카오톡 봇 기기(Iris)에 연결할 수 없습니다"
    port.result = Sent(status="failed", error=down)
    [failed] = await handle_event(ctx, event("!schedule send 1")) or []
    assert failed == f"❌ #1 지금 발송을 이 방으로 실패했습니다: {down}"
    port.result = Sent(status="pending", error="Iris의 응답을 기다리는 중")
    [pending] = await handle_event(ctx, event("!스케줄 발송 1")) or []
    assert pending == (
        "⏳ #1 지금 발송을 이 방으로 아직 보내는 중입니다 (Iris의 응답을 기다리는 중). "
        "결과는 '!스케줄 로그 1'로 볼 수 있습니다."
    )
    [denied] = await handle_event(ctx, event("!스케줄 발송 1", user=USERS["BR2"])) or []
    assert "없거나 볼 권한이 없습니다" in denied
    assert len(port.sends) == 4
    [usage] = await handle_event(ctx, event("!스케줄 발송")) or []
    assert usage.startswith("❌ ID:")
