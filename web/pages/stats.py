"""``/stats``: per-room success rate and sends per day over the last days of the log rows
this admin may see (``services.stats``), as a table and a server-rendered SVG bar chart."""

from __future__ import annotations

from aiohttp import web

from services.logs import DateWindow
from services.stats import send_stats
from web import keys
from web.pages.core import Viewer, page, render
from web.pages.svg_chart import Group, Series, series_bars

DAYS = 14
OUTCOMES = (Series("성공", "ok"), Series("실패·일부 실패", "bad"))


def setup(app: web.Application) -> None:
    app.router.add_get("/stats", page(stats_page))


async def stats_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    window = DateWindow.last_days(app[keys.CLOCK].now(), app[keys.CONFIG].tz, DAYS)
    async with app[keys.SESSIONS]() as session:
        counted = await send_stats(session, viewer.org_ids, window)
    days = counted.per_day()
    groups = [Group(f"{d.month}/{d.day}", (ok, bad)) for d, (ok, bad) in days.items()]
    chart = series_bars(OUTCOMES, groups)
    return render(
        request,
        "stats.html",
        viewer,
        rooms=counted.busiest(),
        chart=chart,
        start=window.first,
        end=window.last,
        sent=sum(ok + bad for ok, bad in days.values()),
        succeeded=sum(ok for ok, _ in days.values()),
    )
