"""Calendar and recurrence in chat (issue 18) through ``handle_event`` on both backends: each
example of the issue created from the form, its rules row and seed form in the database, and
``!스케줄 보기`` showing its next 5 times with the Korean holidays (FakeClock at START,
Thursday 2026-11-26 09:12 in Seoul); 건너뛰기, 일시정지, 켜기 and their permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import EventChatKinds
from commands.context import CommandContext, build_context
from commands.router import handle_event
from core.config import Config
from scheduler.calendar import korean
from scheduler.schedule_rule import fingerprint
from services.ports import FixedCalendars
from storage.kbot_models import AuditEntry, ScheduleRule
from storage.models import Schedule
from tests.support.command_world import (
    ROOMS,
    START,
    USERS,
    RecordingScheduler,
    build_world,
    count,
    event,
)
from tests.support.fakes import FakeClock

FORM = "!스케줄 등록\n제목: {title}\n{lines}\n내용:\n안내드립니다"


def rules_context(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> tuple[CommandContext, FakeClock]:
    clock = FakeClock(START)
    holidays = FixedCalendars(korean(range(2026, 2029)))
    ctx = build_context(cfg, sessions, clock, RecordingScheduler(), EventChatKinds(None), holidays)
    return ctx, clock


async def say(ctx: CommandContext, text: str, who: str = "BR1") -> str:
    [reply] = await handle_event(ctx, event(text, user=USERS[who], room=ROOMS[who])) or []
    return reply


async def create(ctx: CommandContext, title: str, *lines: str) -> str:
    reply = await say(ctx, FORM.format(title=title, lines="\n".join(lines)))
    assert reply.startswith("✅ #"), reply
    return reply


async def stored(
    sessions: async_sessionmaker[AsyncSession], schedule_id: int = 1
) -> tuple[Schedule, ScheduleRule | None]:
    async with sessions() as s:
        row = await s.get(Schedule, schedule_id)
        assert row is not None
        return row, await s.get(ScheduleRule, schedule_id)


def next_times(shown: str) -> str:
    return shown.split("다음 발송:", 1)[1].split("\n내용:", 1)[0]


async def test_monthly_first_day_is_stored_as_daily_and_moves_off_holidays(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    created = await create(
        ctx, "매월 1일 결제 안내", "유형: 매월", "일: 1", "시간: 10:00", "공휴일: 다음영업일"
    )
    assert "매월 1일 10:00 · 공휴일 다음영업일" in created
    row, rule = await stored(sessions)
    assert (row.schedule_type, row.schedule_time) == ("daily", time(10))
    assert row.next_send_at == datetime(2026, 12, 1, 10)  # the true next time, not tomorrow
    assert rule is not None and rule.kind == "monthly" and rule.month_day == 1
    assert rule.holiday_policy == "next_business_day" and rule.times is None
    assert rule.seed_fingerprint == fingerprint(row)
    async with sessions() as s:
        entry = await s.scalar(
            select(AuditEntry).where(AuditEntry.action == "create", AuditEntry.entity == "schedule")
        )
    assert entry is not None and entry.after is not None
    assert entry.after["rules"]["kind"] == "monthly" and entry.after["rules"]["month_day"] == 1

    shown = next_times(await say(ctx, "!스케줄 보기 1"))
    assert shown.splitlines()[1:] == [
        " • 12/1(화) 10:00",
        " • 2027/1/4(월) 10:00 ← 2027/1/1(금) 10:00에서 다음영업일로 이동 (신정연휴)",
        " • 2027/2/1(월) 10:00",
        " • 2027/3/2(화) 10:00 ← 2027/3/1(월) 10:00에서 다음영업일로 이동 (삼일절)",
        " • 2027/4/1(목) 10:00",
    ]


async def test_monthly_last_day(cfg: Config, sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    created = await create(ctx, "매월 말일 마감 공지", "유형: 매월", "일: 말일", "시간: 18:00")
    assert "매월 말일 18:00" in created
    shown = await say(ctx, "!스케줄 보기 1")
    assert (
        "다음 발송: 11/30(월) 18:00, 12/31(목) 18:00, 2027/1/31(일) 18:00, "
        "2027/2/28(일) 18:00, 2027/3/31(수) 18:00"
    ) in shown
    _, rule = await stored(sessions)
    assert rule is not None and rule.month_last and rule.month_day is None


async def test_second_tuesday_skips_the_seollal_substitute_holiday(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    await create(
        ctx, "정기 모임", "유형: 매월", "일: 둘째 주 화요일", "시간: 19:00", "공휴일: 건너뛰기"
    )
    shown = await say(ctx, "!스케줄 보기 1")
    assert "유형: 매월 둘째 주 화요일 19:00 · 공휴일 건너뛰기" in shown
    assert next_times(shown).splitlines()[1:] == [
        " • 12/8(화) 19:00",
        " • 2027/1/12(화) 19:00",
        " • 2027/2/9(화) 19:00 → 설날 대체 휴일로 건너뜀",
        " • 2027/3/9(화) 19:00",
        " • 2027/4/13(화) 19:00",
        " • 2027/5/11(화) 19:00",
    ]
    _, rule = await stored(sessions)
    assert rule is not None and (rule.month_nth, rule.month_weekday) == (2, "tuesday")


async def test_three_times_a_day(cfg: Config, sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    created = await create(ctx, "재고 알림", "유형: 매일", "시간: 18:00, 09:00, 13:00")
    assert "매일 09:00, 13:00, 18:00" in created
    shown = await say(ctx, "!스케줄 보기 1")
    assert (
        "다음 발송: 11/26(목) 13:00, 11/26(목) 18:00, 11/27(금) 09:00, 11/27(금) 13:00, "
        "11/27(금) 18:00"
    ) in shown
    row, rule = await stored(sessions)
    assert row.schedule_time == time(9) and row.next_send_at == datetime(2026, 11, 26, 13)
    assert rule is not None and rule.times == "09:00,13:00,18:00" and rule.kind is None


async def test_a_count_ends_the_times_and_an_edit_sets_it_again(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    created = await create(ctx, "세 번만", "유형: 매일", "시간: 10:00", "횟수: 3")
    assert "매일 10:00 · 횟수 0/3" in created
    shown = await say(ctx, "!스케줄 보기 1")
    assert "다음 발송: 11/26(목) 10:00, 11/27(금) 10:00, 11/28(토) 10:00\n" in shown
    async with sessions.begin() as s:
        rule = await s.get(ScheduleRule, 1)
        assert rule is not None and rule.max_sends == 3
        rule.sends_done = 2  # as the scheduler counts them
    assert "다음 발송: 11/26(목) 10:00\n" in await say(ctx, "!스케줄 보기 1")
    edited = await say(ctx, "!스케줄 수정 1\n횟수: 10")
    assert "횟수 0/10" in edited  # counting starts again
    _, rule = await stored(sessions)
    assert rule is not None and (rule.max_sends, rule.sends_done) == (10, 0)


async def test_an_edit_back_to_the_seed_rule_drops_the_rules_row(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    created = await create(ctx, "말일 공지", "유형: 매월", "일: 31", "시간: 09:00")
    assert "ℹ️ 31일이 없는 달은 말일에 보냅니다." in created
    edited = await say(ctx, "!스케줄 수정 1\n유형: 매일")
    assert edited.startswith("✅ #1") and "매일 09:00" in edited
    row, rule = await stored(sessions)
    assert row.schedule_type == "daily" and rule is None
    assert row.next_send_at == datetime(2026, 11, 27, 9)


async def test_monthly_needs_a_day_and_a_day_needs_monthly(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    missing = await say(ctx, FORM.format(title="안내", lines="유형: 매월\n시간: 09:00"))
    assert missing.startswith("❌ 일: 매월 발송은 보낼 날(일)이 필요합니다.")
    assert missing.endswith("예) 일: 15")
    stray = await say(ctx, FORM.format(title="안내", lines="유형: 매일\n일: 15\n시간: 09:00"))
    assert stray.startswith("❌ 일: 일은 유형이 매월일 때만 적습니다 (유형: 매월).")
    assert await count(sessions, Schedule) == 0 and await count(sessions, ScheduleRule) == 0


async def test_skip_this_week_only(cfg: Config, sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    await create(ctx, "주간 회의", "유형: 매주", "요일: 월", "시간: 10:00")
    skipped = await say(ctx, "!스케줄 건너뛰기 1")
    assert skipped == (
        "⏭ #1 주간 회의: 11/30(월) 10:00 발송을 건너뜁니다. 다음 발송은 12/7(월) 10:00입니다."
    )
    row, rule = await stored(sessions)
    assert rule is not None and rule.skip_at == datetime(2026, 11, 30, 10)
    assert row.next_send_at == datetime(2026, 12, 7, 10)
    assert rule.seed_fingerprint == fingerprint(row)
    shown = next_times(await say(ctx, "!스케줄 보기 1"))
    assert shown.splitlines()[1:3] == [
        " • 11/30(월) 10:00 → 건너뛰기로 건너뜀",
        " • 12/7(월) 10:00",
    ]
    again = await say(ctx, "!스케줄 건너뛰기 1")
    assert again.startswith("❌ ") and "이미 2026-11-30 10:00 발송을 건너뛰도록" in again
    async with sessions() as s:
        actions = list(await s.scalars(select(AuditEntry.action)))
    assert actions.count("skip") == 1


async def test_pause_until_the_year_end_and_resume_early(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    await create(ctx, "매일 안내", "유형: 매일", "시간: 10:00")
    paused = await say(ctx, "!스케줄 일시정지 1 2026-12-31")
    assert paused.startswith(
        "⏸ #1 매일 안내: 2026-12-31까지 보내지 않습니다. 그 뒤 첫 발송은 2027/1/1(금) 10:00입니다."
    )
    row, rule = await stored(sessions)
    assert rule is not None and rule.paused_until == date(2026, 12, 31)
    assert row.next_send_at == datetime(2027, 1, 1, 10) and row.status == "active"
    assert "2026-12-31까지 일시정지" in await say(ctx, "!스케줄 보기 1")

    resumed = await say(ctx, "!스케줄 켜기 1")
    assert resumed == "▶️ #1 매일 안내 스케줄을 켰습니다. 다음 11/26(목) 10:00"
    row, rule = await stored(sessions)
    assert rule is None and row.next_send_at == datetime(2026, 11, 26, 10)

    past = await say(ctx, "!스케줄 일시정지 1 2026-11-01")
    assert past.startswith("❌ 날짜: ") and "이미 지난 날짜" in past


async def test_holiday_skip_on_christmas(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock = rules_context(cfg, sessions)
    clock.set(datetime(2026, 12, 23, 3, 0, tzinfo=UTC))  # Wednesday 12:00 in Seoul
    await create(ctx, "매일 특가", "유형: 매일", "시간: 10:00", "공휴일: 건너뛰기")
    shown = next_times(await say(ctx, "!스케줄 보기 1"))
    assert shown.splitlines()[1:] == [
        " • 12/24(목) 10:00",
        " • 12/25(금) 10:00 → 기독탄신일로 건너뜀",
        " • 12/26(토) 10:00",
        " • 12/27(일) 10:00",
        " • 12/28(월) 10:00",
        " • 12/29(화) 10:00",
    ]
    back = await say(ctx, "!스케줄 수정 1\n공휴일: 기본")  # the config's policy: send
    assert "공휴일" not in back.split("\n")[1]
    assert "다음 발송: 12/24(목) 10:00, 12/25(금) 10:00" in await say(ctx, "!스케줄 보기 1")
    assert await count(sessions, ScheduleRule) == 0


async def test_another_branch_may_not_skip_or_pause(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    await create(ctx, "강남 안내", "유형: 매일", "시간: 10:00")
    for command in ("!스케줄 건너뛰기 1", "!스케줄 일시정지 1 2026-12-31"):
        refused = await say(ctx, command, who="BR2")
        assert "#1 스케줄이 없거나 볼 권한이 없습니다" in refused
    assert await count(sessions, ScheduleRule) == 0
    row, _ = await stored(sessions)
    assert row.next_send_at == datetime(2026, 11, 26, 10)
    # the org above it may (the seed's matrix: 켜기/끄기)
    assert (await say(ctx, "!스케줄 건너뛰기 1", who="AG1")).startswith("⏭ #1")


async def test_lists_campaign_replies_and_previews_show_the_richer_rule(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Not the nearest seed form (a monthly rule is daily in ``kb_schedule``)."""
    await build_world(sessions)
    ctx, _ = rules_context(cfg, sessions)
    await create(ctx, "결제 안내", "유형: 매월", "일: 1", "시간: 10:00")
    listing = await say(ctx, "!스케줄 목록")
    assert "매월 1일 10:00" in listing and "매일" not in listing, listing
    preview = await say(ctx, "!스케줄 미리보기 1")
    assert "12/1(화) 10:00에 받는" in preview, preview  # the next send, not tomorrow

    campaign = FORM.format(
        title="월말 공지", lines="방: DT1 전체\n유형: 매월\n일: 말일\n시간: 18:00"
    )
    created = await say(ctx, campaign, who="DT1")
    assert "매월 말일 18:00" in created and "11/30(월) 18:00" in created, created
    assert "11/26" not in created and "11/27" not in created
    shown = await say(ctx, "!스케줄 보기 C1", who="DT1")
    assert "유형: 매월 말일 18:00" in shown, shown
