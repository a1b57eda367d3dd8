"""The reads behind ``services.reports.build_report`` where the report world's own numbers
(``tests/services/test_reports.py``) do not reach: a test send's clicks, and the room activity
MariaDB cuts at ``group_concat_max_len``."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reports import build_report
from storage.engagement_models import LinkClick, ShortLink
from tests.support.report_world import WINDOW, build_report_world


async def test_a_test_send_takes_the_clicks_after_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """s4 went at 10:00:05 and its test send at 11:00 (local): a click at 11:30 goes to the
    test send (left out of the report), not to s4."""
    w = await build_report_world(sessions)
    async with sessions.begin() as s:
        link = await s.scalar(
            select(ShortLink.id).where(ShortLink.schedule_id == w.schedules["s4"])
        )
        assert link is not None
        s.add(LinkClick(link_id=link, clicked_at=datetime(2026, 11, 25, 2, 30), visitor="late"))
    async with sessions() as s:
        report = await build_report(s, None, WINDOW, schedule_ids=[w.schedules["s4"]])
    [s4] = report.schedules
    assert s4.clicks == 1


async def test_activity_cut_by_group_concat_max_len_is_read_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite's group_concat has no length limit")
    w = await build_report_world(sessions)
    async with sessions() as s:
        await s.execute(text("SET SESSION group_concat_max_len = 4"))
        try:
            report = await build_report(s, None, WINDOW)
        finally:
            await s.execute(text("SET SESSION group_concat_max_len = DEFAULT"))
    by_id = {r.schedule_id: r for r in report.schedules}
    s1, s4 = by_id[w.schedules["s1"]], by_id[w.schedules["s4"]]
    assert (s1.activity_after, s1.activity_baseline) == (8, 1.0)
    assert (s4.activity_after, s4.activity_baseline) == (3, 0.0)
