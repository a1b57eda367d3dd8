"""Every door tells scheduled, manual and test sends apart, shows when a send went out if it
was not at its scheduled minute, and leaves test sends out of the success rates; and a
schedule that is not active has no next send anywhere (chat, API, pages, the column)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.kbot_models import Occurrence
from storage.models import Schedule, ScheduleLog
from tests.support.api import make_api
from tests.support.command_world import ROOMS, build_world, context, event
from tests.support.pages import Site, add_log, add_schedule, csrf_of

NOV_25 = datetime(2026, 11, 25, 9, 30)


async def add_send(
    sessions: async_sessionmaker[AsyncSession],
    schedule_id: int,
    kind: str,
    status: str,
    at: datetime,
    *,
    started: datetime | None = None,
) -> None:
    """A log row and the occurrence that wrote it (which knows the kind)."""
    log_id = await add_log(sessions, schedule_id, ROOMS["BR1"], status, at)
    async with sessions.begin() as s:
        if started is not None:
            log = await s.get(ScheduleLog, log_id)
            assert log is not None
            log.started_at = started
        s.add(
            Occurrence(
                schedule_id=schedule_id,
                scheduled_at=at,
                kind=kind,
                target_room_id=ROOMS["BR1"],
                state="done",
                log_id=log_id,
                created_at=at,
            )
        )


async def test_chat_logs_name_the_kind_and_the_late_send_time(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    await handle_event(ctx, event("!스케줄 등록\n제목: t\n유형: 매일\n시간: 09:30\n내용:\n본문"))
    await add_send(
        sessions, 1, "scheduled", "success", NOV_25, started=datetime(2026, 11, 25, 9, 35)
    )
    await add_send(sessions, 1, "test", "success", datetime(2026, 11, 25, 14, 0))
    await add_send(sessions, 1, "manual", "failed", datetime(2026, 11, 25, 15, 0))
    [logs] = await handle_event(ctx, event("!스케줄 로그 1")) or []
    lines = logs.splitlines()[1:]
    assert lines == [
        "11/25(수) 15:00 수동 ❌ 실패",
        "11/25(수) 14:00 테스트 ✅ 성공",
        "11/25(수) 09:30 예약 ✅ 성공 (09:35에 발송)",
    ]


async def test_pages_show_kinds_human_durations_and_rates_without_tests(site: Site) -> None:
    sid = await add_schedule(site.sessions, "강남 공지", ROOMS["BR1"])
    await add_send(site.sessions, sid, "scheduled", "success", NOV_25)
    for hour in (10, 11, 12):  # three failed test sends must not spoil the success rate
        await add_send(site.sessions, sid, "test", "failed", datetime(2026, 11, 25, hour, 0))
    await site.login("BR1")
    _, html = await site.get("/logs")
    assert html.count('class="badge kind-test"') == 3 and html.count("kind-scheduled") == 1
    assert "1초 걸림" in html and "1000ms" not in html
    _, html = await site.get("/stats")
    assert "100.0%" in html and "발송 1건, 성공 1건" in html


async def test_api_stats_leave_test_sends_out(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create()
    await add_send(sessions, created["id"], "scheduled", "success", NOV_25)
    await add_send(sessions, created["id"], "test", "failed", datetime(2026, 11, 25, 10, 0))
    status, body = await api.call("GET", "/api/stats?days=7")
    [room] = [r for r in body["rooms"] if r["target_room_id"] == ROOMS["BR1"]]
    assert (status, room["total"], room["success_rate"]) == (200, 1, 1.0)


async def test_an_inactive_or_finished_schedule_has_no_next_send_anywhere(
    site: Site, cfg: Config
) -> None:
    html = await site.login("BR1")
    running = await add_schedule(site.sessions, "매일 공지", ROOMS["BR1"])
    finished = await add_schedule(site.sessions, "끝난 1회", ROOMS["BR1"], status="completed")
    async with site.sessions.begin() as s:  # a once schedule whose day has passed
        row = await s.get(Schedule, finished)
        assert row is not None
        row.schedule_type, row.schedule_date = "once", datetime(2026, 11, 20).date()
    resp = await site.client.post(
        f"/schedules/{running}/toggle", data={"on": "0", "csrf_token": csrf_of(html)}
    )
    assert resp.status == 200  # redirected back to the list
    async with site.sessions() as s:
        row = await s.get(Schedule, running)
        assert row is not None and (row.status, row.next_send_at) == ("inactive", None)
    _, html = await site.get("/schedules")
    items = html.split('class="row schedule"')[1:]
    [paused] = [i for i in items if "매일 공지" in i]
    [done] = [i for i in items if "끝난 1회" in i]
    assert ">켜기</button>" in paused and "다음 발송 없음" in paused
    assert "<button" not in done  # no 켜기 that would only lead to an error page


async def test_the_api_reports_no_next_send_for_a_schedule_that_is_off(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create()
    assert created["next_send_at"] is not None
    status, body = await api.call("POST", f"/api/schedules/{created['id']}/toggle")
    assert (status, body["status"], body["next_send_at"]) == (200, "inactive", None)
    async with sessions() as s:
        assert await s.scalar(select(Schedule.next_send_at)) is None
    status, body = await api.call("POST", f"/api/schedules/{created['id']}/toggle")
    assert (body["status"], body["next_send_at"]) == ("active", created["next_send_at"])
