"""What a new user reads in chat replies (issue 12, item 14), through ``handle_event`` on
both backends: particles that fit the word before them, no Markdown, examples that work."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.context import CommandContext
from commands.router import handle_event
from core.config import Config
from storage import one_time_codes
from storage.kbot_models import Admin, AuditEntry
from storage.one_time_codes import INVITE_ALPHABET, INVITE_LENGTH
from tests.commands.test_commands_dates import DEC_2, ONCE
from tests.commands.test_commands_schedule import WEEKLY as DAILY
from tests.commands.test_commands_schedule import add_image
from tests.support.command_world import START, build_world, context, count, event

PAIRED = ("은(는)", "이(가)", "을(를)", "과(와)", "(으)로")
STRANGER = "777000777"
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}  # ASCII -> full-width forms


async def reply_to(ctx: CommandContext, text: str, **kw: Any) -> str:
    [reply] = await handle_event(ctx, event(text, **kw)) or []
    return reply


async def test_particles_fit_the_word_before_them(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    expected = {
        "!스케줄 등록\n시간: 25:00": "'25:00'은 올바른 시간이 아닙니다",
        "!스케줄 등록\n방타입: 실방": "'실방'은 쓸 수 없는 값입니다",
        "!스케줄 등록\n간격: 99": "'99'는 올바른 간격이 아닙니다",
        "!스케줄 등록\n요일: 월,x": "'x'는 요일이 아닙니다",
        "!스케줄 등록\n제목: 안내\n유형: 매일\n내용:\n안녕": "시간: 시간을 적어 주세요.",
        "!스케줄 등록\n유형: 매일\n시간: 10:00\n내용:\n안녕": "제목: 제목을 적어 주세요.",
        "!스케줄 등록\n제목: 안내\n시간: 10:00\n내용:\n안녕": "유형: 유형을 적어 주세요.",
        "!스케줄 보기 12번째": "'12번째'는 올바른 번호가 아닙니다",
        "!스케줄 목록 전체": "'전체'는 이 명령에 필요 없는 내용입니다",
        "!방 등록": "조직코드: 등록할 조직의 코드를 적어 주세요.",
        "!관리자 인증": "인증코드: 받은 인증 코드를 적어 주세요.",
        "!스케줄 등록\n제목: 안내\n방: 없는방\n유형: 매일\n시간: 10:00\n내용:\n안녕": (
            "'없는방'은 등록된 방이 아니거나"
        ),
        "!스케줄 등록\n제목: 안내\n유형: 1회\n날짜: 2026-11-26\n시간: 09:00\n내용:\n안녕": (
            "2026-11-26 09:00은 이미 지난 시각입니다."
        ),
        "!도움말이요": "'!도움말이요'는 알 수 없는 명령입니다.",
    }
    for text, wording in expected.items():
        reply = await reply_to(ctx, text)
        assert wording in reply, (text, reply)
        assert not any(paired in reply for paired in PAIRED), reply


async def test_replies_carry_no_markdown_backticks(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """KakaoTalk shows backticks as they are."""
    await build_world(sessions)
    await add_image(sessions)
    ctx, clock, _ = context(cfg, sessions)
    replies: list[str] = []
    for text in (
        "!도움말",
        "!스케줄 등록",
        DAILY,
        "!스케줄 목록",
        "!스케줄 보기 1",
        "!스케줄 삭제 1",
        "!스케줄 끄기 1",
        "!스케줄 끄기 1",
        "!스케줄 보기 99",
        "!스케줄 등록\n제목: 안내\n방: 없는방\n유형: 매일\n시간: 10:00\n내용:\n안녕",
        "!스케줄 등록\n날짜: 2026-13-01",
        "!내정보",
        "!웹",
        "!스케줄 삭제 1 확인",
    ):
        replies += await handle_event(ctx, event(text)) or []
        await clock.advance(10)
    assert len(replies) >= 14
    assert not [reply for reply in replies if "`" in reply]
    assert "정말 삭제하려면 아래처럼 입력해 주세요.\n!스케줄 삭제 1 확인" in "\n".join(replies)


async def test_examples_name_commands_with_the_prefix_and_dates_valid_today(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    slash = cfg.model_copy(update={"bot": cfg.bot.model_copy(update={"command_prefix": "/"})})
    ctx, clock, _ = context(slash, sessions)
    missing = await reply_to(ctx, "/스케줄 보기 99")
    assert missing.endswith("\n예) /스케줄 목록")
    unknown_room = await reply_to(
        ctx, "/스케줄 등록\n제목: 안내\n방: 없는방\n유형: 매일\n시간: 10:00\n내용:\n안녕"
    )
    assert "'/방 등록 조직코드'로 먼저 등록" in unknown_room
    [_, blank] = await handle_event(ctx, event("/스케줄 등록")) or []
    assert "'/스케줄 테스트'가 보낼 방" in blank and "!" not in blank

    clock.set(DEC_2)  # 2026-12-01 is past now: no example may show it
    bad_date = await reply_to(ctx, "/스케줄 등록\n날짜: 2026-13-01")
    assert bad_date.endswith("\n예) 날짜: 2027-01-01") and "2026-12-01" not in bad_date
    assert "2027-01-01, 2027년 1월 1일, 내일처럼" in bad_date
    past = await reply_to(ctx, ONCE.replace("!", "/").format(date="2026-12-01"))
    assert past.startswith("❌ 날짜: 2026-12-01 10:00은 이미 지난 시각입니다.")
    assert past.endswith("\n예) 날짜: 2027-01-01")
    bad_end = await reply_to(ctx, "/스케줄 등록\n종료: 2027-06-31")
    assert bad_end.endswith("\n예) 종료: 2027-06-30 23:59")
    [_, blank] = await handle_event(ctx, event("/스케줄 등록")) or []
    assert "예) 2027-01-01" in blank and "2026-" not in blank


async def test_help_shows_a_pairing_code_of_the_real_shape(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    help_reply = await reply_to(ctx, "!도움말")
    [code] = re.findall(r"예\) !관리자 인증 (\S+)", help_reply)
    assert len(code) == INVITE_LENGTH and set(code) <= set(INVITE_ALPHABET)
    [wrong] = await handle_event(ctx, event(f"!관리자 인증 {code}", user=STRANGER)) or []
    assert wrong.endswith(f"\n예) !관리자 인증 {code}")


@pytest.mark.parametrize(
    "typed",
    [str.lower, lambda code: code.lower().translate(FULL_WIDTH)],
    ids=["lower-case", "full-width"],
)
async def test_pairing_codes_are_accepted_in_any_case_and_width(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], typed: Any
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    async with sessions.begin() as s:
        invite = await one_time_codes.create_invite(
            s,
            org_code="BR2",
            name="박지점장",
            mb_id=None,
            ttl=timedelta(hours=1),
            at=START,
            actor="cli",
        )
    code = typed(invite.code)
    assert code != invite.code
    paired = await reply_to(ctx, f"!관리자 인증 {code}", user=STRANGER)
    assert paired.startswith("✅ 박지점장님, BR2 조직(지점) 관리자로 인증되었습니다.")
    assert await count(sessions, Admin, Admin.kakao_user_id == STRANGER) == 1


async def test_turning_off_or_on_twice_says_it_already_is(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, port = context(cfg, sessions)
    await reply_to(ctx, DAILY)
    on_already = await reply_to(ctx, "!스케줄 켜기 1")
    assert on_already.startswith("▶️ #1 매일 안내 스케줄은 이미 켜져 있습니다.")
    assert "다음 11/26(목) 10:00" in on_already
    assert (await reply_to(ctx, "!스케줄 끄기 1")).startswith("⏸ #1 매일 안내 스케줄을 껐습니다.")
    again = await reply_to(ctx, "!스케줄 끄기 1")
    assert (
        again.startswith("⏸ #1 매일 안내 스케줄은 이미 꺼져 있습니다.") and "껐습니다" not in again
    )
    assert (await reply_to(ctx, "!스케줄 켜기 1")).startswith("▶️ #1 매일 안내 스케줄을 켰습니다.")
    async with sessions() as s:
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "schedule")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["create", "off", "on"]  # nothing written when nothing changed
    assert port.wakes == 3


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ("이미지: 2, 1", "발송 순서: 텍스트 → 이미지 2개 (2, 1번)"),
        ("순서: 이미지먼저\n이미지: 1, 2", "발송 순서: 이미지 2개 (1, 2번) → 텍스트"),
        ("순서: 이미지만\n이미지: 2", "발송 순서: 이미지 1개 (2번)만"),
        ("순서: 텍스트만\n이미지: 1, 2", "발송 순서: 텍스트만 (이미지 2개 (1, 2번)는 보내지 않음)"),
        ("", "발송 순서: 텍스트만 (이미지 없음)"),
    ],
)
async def test_saved_replies_say_which_images_go_in_which_order(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], lines: str, said: str
) -> None:
    await build_world(sessions)
    await add_image(sessions)
    ctx, _, _ = context(cfg, sessions)
    form = DAILY.replace("내용:", f"{lines}\n내용:") if lines else DAILY
    created = await reply_to(ctx, form)
    assert said in created.split("\n"), created
    edited = await reply_to(ctx, "!스케줄 수정 1\n시간: 11:00")
    assert said in edited.split("\n"), edited


async def test_the_common_misspelling_works_in_chat(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    created = await reply_to(ctx, DAILY.replace("!스케줄", "!스케쥴").replace("유형", "스케쥴타입"))
    assert created.startswith("✅ #1 매일 안내")
    assert "#1 매일 안내" in await reply_to(ctx, "!스케쥴 목록")
    assert "#1 매일 안내" in await reply_to(ctx, "!스케쥴보기 1")
