"""``!리포트 ID [시작일 종료일]`` (``!report``) through ``handle_event`` on SQLite and MariaDB:
the summary of a schedule and of a campaign (numbers as ``tests/services/test_reports.py``
works them out), the default window (the last 30 days), bad ids and dates named in Korean, and
another branch's schedule or a campaign reaching beyond the admin refused as not found."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commands.grammar.errors import CommandError
from commands.grammar.parse import Report, parse
from commands.router import handle_event
from core.config import Config
from tests.support.command_world import ROOMS, USERS, context, event
from tests.support.report_world import build_report_world

TODAY = date(2026, 11, 26)


async def ask(cfg: Config, sessions: Any, text: str, org: str = "BR1") -> str:
    ctx, _, _ = context(cfg, sessions)
    replies = await handle_event(ctx, event(text, user=USERS[org], room=ROOMS[org])) or []
    return "\n".join(replies)


def test_grammar() -> None:
    assert parse("!리포트 12", today=TODAY) == Report(12, False, date(2026, 10, 28), TODAY)
    assert parse("!report c3 2026-11-01 2026-11-20", today=TODAY) == Report(
        3, True, date(2026, 11, 1), date(2026, 11, 20)
    )
    assert parse("!리포트 #4 2026-11-20", today=TODAY) == Report(
        4, False, date(2026, 11, 20), TODAY
    )
    for text, field in (
        ("!리포트", "ID"),
        ("!리포트 열두", "ID"),
        ("!리포트 12 어제아님", "날짜"),
        ("!리포트 12 2026-11-26 2026-11-01", "날짜"),
        ("!리포트 12 2025-01-01 2026-11-26", "날짜"),
        ("!리포트 12 2026-11-01 2026-11-02 2026-11-03", "날짜"),
    ):
        with pytest.raises(CommandError) as caught:
            parse(text, today=TODAY)
        assert caught.value.field == field, text


async def test_schedule_summary(cfg: Config, sessions: Any) -> None:
    w = await build_report_world(sessions)
    text = await ask(cfg, sessions, f"!리포트 {w.schedules['s1']} 2026-11-20 2026-11-26")
    assert f"📊 #{w.schedules['s1']} 봄 세일 =강남 리포트 (2026-11-20~2026-11-26)" in text
    assert "발송 3건 · 확인 1 · 미확인 0 · 실패 0 · 누락 1" in text
    assert "정시율 66.7% · 지연 p50 30초 / p95 120초" in text
    assert "답장 2 · 클릭 3" in text
    assert "방 활동(발송 후 2시간) 8건, 평소 1.0건 (×8.0)" in text
    assert "읽음 수·공감은 알 수 없고" in text
    default = await ask(cfg, sessions, f"!report {w.schedules['s4']}")  # the last 30 days
    assert "(2026-10-28~2026-11-26)" in default and "발송 2건" in default  # s4-old too
    quiet = await ask(cfg, sessions, f"!리포트 {w.schedules['s4']} 2026-11-01 2026-11-02")
    assert "이 기간에 발송 기록이 없습니다." in quiet


async def test_campaign_summary(cfg: Config, sessions: Any) -> None:
    w = await build_report_world(sessions)
    text = await ask(cfg, sessions, f"!리포트 C{w.campaign} 2026-11-20 2026-11-26", "HQ")
    assert f"📊 캠페인 C{w.campaign} 봄 세일 리포트" in text
    assert "방 3개" in text and "발송 5건 · 확인 1 · 미확인 1 · 실패 2 · 누락 1" in text
    assert "정시율 75.0% · 지연 p50 10초 / p95 120초" in text
    assert "점검할 방: BR2 공지방(실패 1, 누락 0, 미확인 1), BR3 공지방" in text


async def test_refusals(cfg: Config, sessions: Any) -> None:
    w = await build_report_world(sessions)
    other = await ask(cfg, sessions, f"!리포트 {w.schedules['s3']}")  # BR3's, asked by BR1
    assert other.startswith("❌ ID:")
    assert "봄 세일 BR3" not in other
    campaign = await ask(cfg, sessions, f"!리포트 C{w.campaign}")  # reaches BR2 and BR3
    assert campaign.startswith("❌ ID:")
    missing = await ask(cfg, sessions, "!리포트 99999")
    assert missing.startswith("❌ ID:")
    bad_date = await ask(cfg, sessions, f"!리포트 {w.schedules['s1']} 2026-02-30")
    assert bad_date.startswith("❌ 날짜:")
