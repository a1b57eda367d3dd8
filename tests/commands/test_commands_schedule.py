"""Schedule commands end to end through ``handle_event``, on both backends, with a fake clock
and a recording scheduler port."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.kbot_models import AuditEntry, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from tests.support.command_world import (
    BR1_ROOM,
    ROOMS,
    USERS,
    build_world,
    context,
    count,
    event,
    fixture_event,
)
from tests.support.image_samples import image_row

DM_ROOM = "18000000000000001"  # a 1:1 chat with the bot, not registered
WEEKLY = "!스케줄 등록\n제목: 매일 안내\n유형: 매일\n시간: 10:00\n내용:\n안녕하세요"


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[Schedule]:
    async with sessions() as s:
        return list(await s.scalars(select(Schedule).order_by(Schedule.id)))


async def test_branch_admin_creates_weekly_sees_tests_and_turns_off(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)

    [reply] = await handle_event(ctx, fixture_event()) or []
    assert "#1" in reply
    assert "11/27(금) 09:30" in reply and "11/30(월) 09:30" in reply
    assert port.wakes == 1

    [row] = await rows(sessions)
    assert row.title == "주간 특가 안내"
    assert row.message_text == "이번 주 특가 상품을 안내드립니다.\n매장에서 확인하세요!"
    assert row.schedule_type == "weekly"
    assert row.schedule_weekdays == frozenset({"monday", "wednesday", "friday"})
    assert row.schedule_time == time(9, 30)
    assert (row.created_by_type, row.created_by_id, row.created_by_mb_id) == (
        "branch",
        "BR1",
        "br1",
    )
    assert row.target_room_id == BR1_ROOM and row.target_room_type == "live"
    assert row.status == "active" and row.send_order == "text_first"
    assert row.valid_from == datetime(2026, 11, 26, 9, 12)  # now, Seoul time
    assert row.valid_until == datetime(2027, 11, 26, 9, 12)  # default: one year later
    assert row.next_send_at == datetime(2026, 11, 27, 9, 30)
    async with sessions() as s:
        meta = await s.get(ScheduleMeta, row.id)
    assert meta is not None and meta.notify_room_id == BR1_ROOM

    [listing] = await handle_event(ctx, event("!스케줄 목록")) or []
    assert "#1 주간 특가 안내" in listing and "다음 11/27(금) 09:30" in listing

    [shown] = await handle_event(ctx, event("!스케줄 보기 1")) or []
    for moment in ("11/27(금)", "11/30(월)", "12/2(수)", "12/4(금)", "12/7(월)"):
        assert f"{moment} 09:30" in shown
    assert "12/9(수)" not in shown

    # a test typed in the customers' room, for a schedule without a test room: refused
    [refused] = await handle_event(ctx, event("!스케줄 테스트 1")) or []
    assert port.sends == []
    assert "고객도 보는 방" in refused and "테스트방: 방이름" in refused
    assert "!스케줄 수정 1" in refused and "1:1 채팅" in refused
    # in the 1:1 chat with the bot it goes there
    [tested] = await handle_event(ctx, event("!스케줄 테스트 1", room=DM_ROOM, direct=True)) or []
    assert port.sends == [(1, "test", DM_ROOM)] and port.options[-1]["direct"] is True
    assert tested.startswith("🧪 #1 테스트 발송을 이 방으로 보냈습니다")
    [after_test] = await rows(sessions)
    assert after_test.next_send_at == datetime(2026, 11, 27, 9, 30)

    [off] = await handle_event(ctx, event("!스케줄 끄기 1")) or []
    assert "껐습니다" in off
    [after_off] = await rows(sessions)
    assert after_off.status == "inactive"
    async with sessions() as s:
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "schedule")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["create", "off"]


async def test_another_branch_cannot_touch_the_schedule(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)
    await handle_event(ctx, fixture_event())
    [before] = await rows(sessions)
    intruder = USERS["BR2"]
    for text in (
        "!스케줄 보기 1",
        "!스케줄 수정 1\n시간: 11:00",
        "!스케줄 삭제 1",
        "!스케줄 삭제 1 확인",
        "!스케줄 끄기 1",
        "!스케줄 테스트 1",
        "!스케줄 로그 1",
    ):
        [reply] = await handle_event(ctx, event(text, user=intruder, room=ROOMS["BR2"])) or []
        assert "권한" in reply, text
    # creating into BR1's room, by naming it or by typing inside it
    named = WEEKLY.replace("내용:", f"방: {BR1_ROOM}\n내용:")
    for text, room in ((named, ROOMS["BR2"]), (WEEKLY, BR1_ROOM)):
        [reply] = await handle_event(ctx, event(text, user=intruder, room=room)) or []
        assert "권한" in reply
    [listing] = await handle_event(ctx, event("!스케줄 목록", user=intruder)) or []
    assert "#1" not in listing
    [after] = await rows(sessions)
    assert (after.status, after.schedule_time) == (before.status, before.schedule_time)
    assert port.sends == [] and port.wakes == 1
    # the distributor above both branches may
    [reply] = await handle_event(ctx, event("!스케줄 보기 1", user=USERS["DT1"])) or []
    assert "주간 특가 안내" in reply
    [reply] = await handle_event(ctx, event("!스케줄 보기 1", user=USERS["DT2"])) or []
    assert "권한" in reply


# form lines after "!스케줄 등록" -> the field the error must name
INVALID_FORMS = [
    ("유형: 매일\n시간: 25:00\n내용:\n안녕", "시간"),
    ("제목: 안내\n유형: 매일\n시간: 10:61\n내용:\n안녕", "시간"),
    ("유형: 매일\n시간: 10:00\n내용:\n안녕", "제목"),
    ("제목: 안내\n시간: 10:00\n내용:\n안녕", "유형"),
    ("제목: 안내\n유형: 매일\n내용:\n안녕", "시간"),
    ("제목: 안내\n유형: 매주\n시간: 10:00\n내용:\n안녕", "요일"),
    ("제목: 안내\n유형: 1회\n시간: 10:00\n내용:\n안녕", "날짜"),
    ("제목: 안내\n유형: 1회\n날짜: 2026-11-26\n시간: 09:00\n내용:\n안녕", "날짜"),
    ("제목: 안내\n유형: 매일\n시간: 10:00", "내용"),
    ("제목: 안내\n유형: 매일\n시간: 10:00\n순서: 텍스트만\n이미지: 1", "내용"),
    ("제목: 안내\n유형: 매일\n시간: 10:00\n순서: 이미지만", "이미지"),
    ("제목: 안내\n유형: 매일\n시간: 10:00\n이미지: 999\n내용:\n안녕", "이미지"),
    (
        "제목: 안내\n유형: 매일\n시간: 10:00\n이미지: 1,1,1,1,1,1,1,1,1,1,1\n내용:\n안녕",
        "이미지",
    ),
    (
        "제목: 안내\n유형: 매일\n시간: 10:00\n시작: 2027-01-01 00:00\n"
        "종료: 2026-12-31 00:00\n내용:\n안녕",
        "종료",
    ),
    ("제목: 안내\n유형: 매일\n시간: 10:00\n내용:\n" + "가" * 1001, "내용"),
    ("제목: 안내\n방: 없는방\n유형: 매일\n시간: 10:00\n내용:\n안녕", "방"),
]


async def test_validation_errors_name_the_field_and_save_nothing(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    await add_image(sessions)
    ctx, _, port = context(cfg, sessions)
    for form, field in INVALID_FORMS:
        [reply] = await handle_event(ctx, event("!스케줄 등록\n" + form)) or []
        assert reply.startswith(f"❌ {field}"), (form, reply)
        assert "예)" in reply
    assert await count(sessions, Schedule) == 0
    assert await count(sessions, AuditEntry, AuditEntry.entity == "schedule") == 0
    assert port.wakes == 0


async def test_create_in_an_unregistered_room_is_refused(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [reply] = await handle_event(ctx, event(WEEKLY, room="555")) or []
    assert reply.startswith("❌ 방") and "방 등록" in reply
    assert await count(sessions, Schedule) == 0


async def add_image(sessions: async_sessionmaker[AsyncSession], n: int = 2) -> None:
    async with sessions.begin() as s:
        for i in range(1, n + 1):
            s.add(image_row(i))


async def test_images_edit_only_given_fields_and_delete_with_confirmation(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    await add_image(sessions)
    ctx, clock, port = context(cfg, sessions)
    text = (
        "!스케줄 등록\n제목: 사진 안내\n유형: 1회\n날짜: 2026-11-28\n시간: 08:00\n"
        "순서: 이미지만\n이미지: 2, 1"
    )
    [reply] = await handle_event(ctx, event(text)) or []
    assert "#1" in reply and "11/28(토) 08:00" in reply
    [row] = await rows(sessions)
    assert row.message_images is not None
    assert [i["id"] for i in row.message_images["images"]] == [2, 1]
    assert row.message_images["images"][0] == {
        "id": 2,
        "filename": "img_2.jpg",
        "original_name": "사진 2.jpg",
        "file_path": "/data/images/img_2.jpg",
        "file_url": "http://127.0.0.1:8080/images/img_2.jpg",
        "file_size": 1002,
        "mime_type": "image/jpeg",
        "upload_date": "2026-11-25 10:30:00",
    }
    assert row.valid_until == datetime(2026, 11, 28, 8, 0)

    await clock.advance(3600)
    [edited] = await handle_event(ctx, event("!스케줄 수정 1\n날짜: 2026-12-02\n시간: 10:15")) or []
    assert "#1" in edited and "12/2(수) 10:15" in edited
    [row] = await rows(sessions)
    assert row.title == "사진 안내" and row.send_order == "images_only"
    assert row.next_send_at == datetime(2026, 12, 2, 10, 15)
    assert row.valid_until == datetime(2026, 12, 2, 10, 15)

    [ask] = await handle_event(ctx, event("!스케줄 삭제 1")) or []
    assert "!스케줄 삭제 1 확인" in ask
    assert await count(sessions, Schedule) == 1
    [done] = await handle_event(ctx, event("!스케줄 삭제 1 확인")) or []
    assert "삭제했습니다" in done
    assert await count(sessions, Schedule) == 0
    async with sessions() as s:
        entries = list(
            await s.scalars(
                select(AuditEntry).where(AuditEntry.entity == "schedule").order_by(AuditEntry.id)
            )
        )
    assert [e.action for e in entries] == ["create", "edit", "delete"]
    assert entries[1].before is not None and entries[1].after is not None
    assert entries[2].before is not None
    assert entries[1].before["schedule_time"] == "08:00:00"
    assert entries[1].after["schedule_time"] == "10:15:00"
    assert entries[2].after is None and entries[2].before["title"] == "사진 안내"
    assert port.wakes == 3


async def test_logs_and_turning_back_on(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    await handle_event(ctx, fixture_event())
    [empty] = await handle_event(ctx, event("!스케줄 로그 1")) or []
    assert "발송 기록이 없습니다" in empty
    async with sessions.begin() as s:
        long = "방 100은(는) 등록 조직 BR1과(와) 그 아래 조직의 방이 아닙니다. " * 3
        for day, status, error in (
            (20, "success", None),
            (23, "failed", "Iris timeout"),
            (24, "failed", long),
        ):
            moment = datetime(2026, 11, day, 9, 30)
            s.add(
                ScheduleLog(
                    schedule_id=1,
                    target_room_id=BR1_ROOM,
                    status=status,
                    error_message=error,
                    scheduled_at=moment,
                    started_at=moment,
                )
            )
    [logs] = await handle_event(ctx, event("!스케줄 로그 1")) or []
    assert logs.index("11/23(월) 09:30 예약 ❌ 실패 — Iris timeout") < logs.index(
        "11/20(금) 09:30 예약 ✅ 성공"
    )
    [cut] = [line.split(" — ", 1)[1] for line in logs.splitlines() if line.startswith("11/24")]
    assert len(cut) <= 80 and cut.endswith("…")
    shown = cut.removesuffix("…")  # cut between words, not in the middle of one
    assert long.startswith(shown) and long[len(shown)] == " "
    await handle_event(ctx, event("!스케줄 끄기 1"))
    [on] = await handle_event(ctx, event("!스케줄 켜기 1")) or []
    assert "켰습니다" in on and "11/27(금) 09:30" in on


async def test_list_is_split_into_messages(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    for _ in range(25):
        await handle_event(ctx, event(WEEKLY))
        await clock.advance(3)  # an admin typing, within the reply limits
    replies = await handle_event(ctx, event("!스케줄 목록")) or []
    assert len(replies) > 1
    assert all(len(r) <= 900 for r in replies)
    assert sum(r.count("매일 안내") for r in replies) == 25


async def test_bug_gets_apology_with_reference_not_traceback(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)
    await handle_event(ctx, fixture_event())
    port.failure = RuntimeError("boom")
    [reply] = await handle_event(ctx, event("!스케줄 발송 1")) or []
    assert "오류 번호" in reply and "boom" not in reply and "Traceback" not in reply
    ref = reply.rsplit(" ", 1)[-1].rstrip(")")
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


async def test_blank_form_uses_the_configured_prefix(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(
        cfg.model_copy(update={"bot": cfg.bot.model_copy(update={"command_prefix": "/"})}), sessions
    )
    replies = await handle_event(ctx, event("/스케줄 등록")) or []
    assert replies[-1].startswith("/스케줄 등록\n제목:")
    assert await handle_event(ctx, event("!스케줄 등록")) is None
