"""What a new user reads in chat replies (issue 12, item 14), through ``handle_event`` on
both backends: particles that fit the word before them, no Markdown, examples that work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.context import CommandContext
from commands.router import handle_event
from kbot.config import Config
from tests.command_world import build_world, context, event

PAIRED = ("은(는)", "이(가)", "을(를)", "과(와)", "(으)로")


async def reply_to(ctx: CommandContext, text: str, **kw: object) -> str:
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
        "!스케줄 보기 12번째": "'12번째'는 올바른 스케줄 번호가 아닙니다",
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
