"""``{링크:URL}`` in chat: a bad URL is refused naming 내용; a good one is saved as written,
previewed (``!스케줄 미리보기``) as ``public_url/r/…`` and noted by ``!스케줄 보기``;
nothing is written to kbot_links before a send."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.engagement_models import ShortLink
from storage.models import Schedule
from tests.support.command_world import build_world, context, event

DAILY = "!스케줄 등록\n제목: 매일 안내\n유형: 매일\n시간: 10:00\n"
GOOD = "{방이름} 특가 {링크:https://example.com/sale?x=1} 확인"


async def test_a_bad_link_is_refused_naming_the_text_key(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    for text, words in (
        ("{링크:javascript:alert(1)}", "http:// 또는 https://"),
        ("{링크:https://exa mple.com/}", "공백"),
        ("{링크:https:///x}", "호스트"),
    ):
        [reply] = await handle_event(ctx, event(DAILY + "내용:\n특가 " + text)) or []
        assert reply.startswith("❌ 내용:") and "링크" in reply and words in reply, reply
    async with sessions() as s:
        assert list(await s.scalars(select(Schedule))) == []


async def test_a_link_is_previewed_as_a_placeholder_short_link(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [saved] = await handle_event(ctx, event(DAILY + "내용:\n" + GOOD)) or []
    assert saved.startswith("✅ #1"), saved
    public_url = cfg.server.public_url
    [shown] = await handle_event(ctx, event("!스케줄 미리보기 1")) or []
    assert shown.endswith(f"\n도매까 강남지점 공지방 특가 {public_url}/r/… 확인"), shown
    [details] = await handle_event(ctx, event("!스케줄 보기 1")) or []
    assert f"내용:\n{GOOD}\n링크 1개: 방마다 {public_url}/r/… 주소로 바뀌어" in details
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ShortLink)) == 0
