"""Templates through chat, on both backends: variables checked when a schedule is saved
(unknown ones named, the filled-in length per room), saved templates (save, list, delete,
who sees which), ``템플릿: 이름`` in the schedule form, and ``!스케줄 미리보기``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.kbot_models import AuditEntry, MessageTemplate
from storage.models import Schedule
from tests.support.command_world import ROOMS, USERS, build_world, context, count, event
from tests.support.image_samples import image_row
from tests.support.sched_support import with_settings

DAILY = "!스케줄 등록\n제목: 매일 안내\n유형: 매일\n시간: 10:00\n"
VARIABLES = "{지점명} {방이름} {날짜}({요일}) {시간} {{쿠폰}}"


def said(code: str, text: str) -> dict[str, str]:
    """``event`` arguments: the admin of org ``code`` writes ``text`` in that org's room."""
    return {"text": text, "user": USERS[code], "room": ROOMS[code]}


async def schedules(sessions: async_sessionmaker[AsyncSession]) -> list[Schedule]:
    async with sessions() as s:
        return list(await s.scalars(select(Schedule).order_by(Schedule.id)))


async def test_an_unknown_variable_is_refused_naming_it(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [reply] = await handle_event(ctx, event(DAILY + "내용:\n안녕 {없는변수} 님")) or []
    assert reply.startswith("❌ 내용:")
    assert "{없는변수}" in reply and "{지점명}" in reply
    [brace] = await handle_event(ctx, event(DAILY + "내용:\n{방이름 안내")) or []
    assert brace.startswith("❌ 내용:") and "'{{'" in brace
    assert await schedules(sessions) == []


async def test_the_filled_in_length_is_checked_naming_the_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(with_settings(cfg, max_text_length=20), sessions)
    text = DAILY + "내용:\n{방이름}{방이름}{방이름}"  # 15 letters, 36 filled in
    [reply] = await handle_event(ctx, event(text)) or []
    assert reply.startswith("❌ 내용:")
    assert "'도매까 강남지점 공지방' 방에서는 변수를 채운 내용이 36자" in reply
    assert await schedules(sessions) == []


async def test_variables_are_kept_in_the_schedule_and_previewed_per_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [saved] = await handle_event(ctx, event(DAILY + "내용:\n" + VARIABLES)) or []
    assert saved.startswith("✅ #1")
    [row] = await schedules(sessions)
    assert row.message_text == VARIABLES
    [shown] = await handle_event(ctx, event("!스케줄 미리보기 1")) or []
    assert "'도매까 강남지점 공지방' 방이 11/26(목) 10:00에 받는 내용" in shown
    assert "발송 순서: 텍스트만 (이미지 없음)" in shown
    assert shown.endswith("\nBR1 조직 도매까 강남지점 공지방 11월 26일(목요일) 10:00 {쿠폰}")
    # another room of the agency, as the agency's admin sees it
    [other] = await handle_event(ctx, event(**said("AG1", "!스케줄 미리보기 1 BR2 공지방"))) or []
    assert other.endswith("\nBR2 조직 BR2 공지방 11월 26일(목요일) 10:00 {쿠폰}")
    # a branch cannot preview for a room outside its subtree, nor see another's schedule
    [refused] = await handle_event(ctx, event("!스케줄 미리보기 1 BR2 공지방")) or []
    assert refused.startswith("❌ 방:") and "BR2 공지방" in refused
    [hidden] = await handle_event(ctx, event(**said("BR2", "!스케줄 미리보기 1"))) or []
    assert hidden.startswith("❌ ID:")


async def test_saved_templates_are_seen_below_their_org_and_deleted_by_it(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    save_hq = "!템플릿 저장 주간특가\n내용:\n{방이름} 여러분, 이번 주 특가입니다."
    [reply] = await handle_event(ctx, event(**said("HQ", save_hq))) or []
    assert reply.startswith("✅ 템플릿 '주간특가'를 저장했습니다.")
    [reply] = (
        await handle_event(ctx, event(**said("BR1", "!템플릿 저장 지점 공지\n내용:\n휴무"))) or []
    )
    assert reply.startswith("✅ 템플릿 '지점 공지'를 저장했습니다.")

    [seen] = await handle_event(ctx, event(**said("BR1", "!템플릿 목록"))) or []
    assert "• 지점 공지 — BR1 조직\n  휴무" in seen
    assert "• 주간특가 — HQ 조직 (상위 조직)\n  {방이름} 여러분, 이번 주 특가입니다." in seen
    [hq] = await handle_event(ctx, event(**said("HQ", "!템플릿 목록"))) or []
    assert "주간특가" in hq and "지점 공지" not in hq
    [sibling] = await handle_event(ctx, event(**said("BR2", "!템플릿 목록"))) or []
    assert "주간특가" in sibling and "지점 공지" not in sibling

    [gone] = await handle_event(ctx, event(**said("BR2", "!템플릿 삭제 지점 공지"))) or []
    assert gone.startswith("❌ 템플릿: '지점 공지' 템플릿이 없습니다. !템플릿 목록")
    [above] = await handle_event(ctx, event(**said("BR1", "!템플릿 삭제 주간특가"))) or []
    assert above.startswith("❌ 템플릿:") and "상위 조직의 템플릿" in above
    assert await count(sessions, MessageTemplate) == 2

    again = "!템플릿 저장 주간특가\n내용:\n새 내용"
    [replaced] = await handle_event(ctx, event(**said("HQ", again))) or []
    assert "바꿨습니다" in replaced
    [deleted] = await handle_event(ctx, event(**said("BR1", "!템플릿 삭제 지점 공지"))) or []
    assert deleted.startswith("🗑 템플릿 '지점 공지'를 삭제했습니다.")
    async with sessions() as s:
        [left] = list(await s.scalars(select(MessageTemplate)))
        assert (left.name, left.body) == ("주간특가", "새 내용")
        actions = await s.execute(
            select(AuditEntry.action).where(AuditEntry.entity == "template").order_by(AuditEntry.id)
        )
        assert list(actions.scalars()) == ["create", "create", "edit", "delete"]


async def test_a_template_text_is_checked_when_saved(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(with_settings(cfg, max_text_length=10), sessions)
    [unknown] = await handle_event(ctx, event("!템플릿 저장 이름\n내용:\n{foo} 안내")) or []
    assert unknown.startswith("❌ 내용:") and "{foo}" in unknown
    [long] = await handle_event(ctx, event("!템플릿 저장 이름\n내용:\n" + "가" * 11)) or []
    assert long.startswith("❌ 내용: 11자입니다. 10자 이하로")
    [empty] = await handle_event(ctx, event("!템플릿 저장 이름")) or []
    assert empty.startswith("❌ 내용:")
    [nameless] = await handle_event(ctx, event("!템플릿 저장\n내용:\n안내")) or []
    assert nameless.startswith("❌ 이름:")
    [other] = await handle_event(ctx, event("!템플릿 저장 이름\n시간: 10:00\n내용:\n안내")) or []
    assert other.startswith("❌ 시간:")
    assert await count(sessions, MessageTemplate) == 0


async def test_a_schedule_form_uses_the_nearest_saved_template(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    await handle_event(ctx, event(**said("HQ", "!템플릿 저장 특가\n내용:\n본사 {방이름}")))
    await handle_event(ctx, event(**said("AG1", "!템플릿 저장 특가\n내용:\n대리점 {방이름}")))
    await handle_event(ctx, event(**said("HQ", "!템플릿 저장 본사만\n내용:\n본사 안내")))
    await handle_event(ctx, event(**said("AG1", "!템플릿 저장 대리점만\n내용:\n대리점 안내")))
    [made] = await handle_event(ctx, event(DAILY + "템플릿: 특가")) or []
    assert made.startswith("✅ #1")
    [made] = await handle_event(ctx, event(**said("BR3", DAILY + "템플릿: 특가"))) or []
    assert made.startswith("✅ #2")
    [made] = await handle_event(ctx, event(DAILY + "템플릿: 본사만")) or []
    assert made.startswith("✅ #3")
    assert [row.message_text for row in await schedules(sessions)] == [
        "대리점 {방이름}",  # BR1 is below AG1: its template is nearer than HQ's
        "본사 {방이름}",  # BR3 is not below AG1
        "본사 안내",
    ]
    [edit] = await handle_event(ctx, event("!스케줄 수정 3\n템플릿: 특가")) or []
    assert edit.startswith("✅ #3")
    assert (await schedules(sessions))[2].message_text == "대리점 {방이름}"

    [both] = await handle_event(ctx, event(DAILY + "템플릿: 특가\n내용:\n안녕")) or []
    assert both.startswith("❌ 템플릿:") and "함께 쓸 수 없습니다" in both
    [unknown] = await handle_event(ctx, event(DAILY + "템플릿: 없음")) or []
    assert unknown.startswith("❌ 템플릿: '없음' 템플릿이 없습니다. !템플릿 목록 으로 확인해")
    [hidden] = await handle_event(ctx, event(**said("HQ", DAILY + "템플릿: 대리점만"))) or []
    assert "템플릿이 없습니다" in hidden
    assert len(await schedules(sessions)) == 3


async def test_a_preview_lists_the_images_in_their_order(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    async with sessions.begin() as s:
        s.add_all([image_row(1), image_row(2)])
    ctx, clock, _ = context(cfg, sessions)
    text = DAILY + "순서: 이미지먼저\n이미지: 2, 1\n내용:\n{요일} 안내"
    await handle_event(ctx, event(text))
    [shown] = await handle_event(ctx, event("!스케줄 미리보기 1")) or []
    assert "발송 순서: 이미지 2개 (2, 1번) → 텍스트" in shown
    assert shown.endswith("\n목요일 안내")
    await handle_event(ctx, event("!스케줄 수정 1\n순서: 이미지만"))
    await handle_event(ctx, event("!스케줄 끄기 1"))  # no send time left: shown for now
    clock.set(clock.now() + timedelta(days=1))
    [shown] = await handle_event(ctx, event("!스케줄 미리보기 1")) or []
    assert "11/27(금) 09:12에 받는 내용" in shown
    assert "발송 순서: 이미지 2개 (2, 1번)만" in shown and shown.endswith("\n(텍스트 없음)")
