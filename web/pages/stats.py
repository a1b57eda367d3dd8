"""``/stats``: per-room success rate and sends per day over the last days, as a table and a
server-rendered SVG bar chart."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from core.timeutil import to_local_naive
from services import logs as log_queries
from web import keys
from web.pages.core import Viewer, page, render
from web.pages.svg_chart import DayCount, stacked_bars

DAYS = 14


def setup(app: web.Application) -> None:
    app.router.add_get("/stats", page(stats_page))


async def stats_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    today = to_local_naive(app[keys.CLOCK].now(), app[keys.CONFIG].tz).date()
    start = today - timedelta(days=DAYS - 1)
    async with app[keys.SESSIONS]() as session:
        rooms = await log_queries.room_stats(session, viewer.org_ids, start, today)
        days = await log_queries.day_counts(session, viewer.org_ids, start, today)
    chart = stacked_bars([DayCount(f"{d.month}/{d.day}", ok, bad) for d, (ok, bad) in days.items()])
    return render(
        request,
        "stats.html",
        viewer,
        rooms=rooms,
        chart=chart,
        start=start,
        end=today,
        sent=sum(ok + bad for ok, bad in days.values()),
        succeeded=sum(ok for ok, _ in days.values()),
    )
