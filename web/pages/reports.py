"""``/reports`` (리포트): what each campaign and schedule achieved over a date window (the
last 7 days unless asked), optionally for one org the admin may see, as tables and inline SVG
charts (delivery by room, lateness, replies and room activity per campaign) with the notes on
what the numbers mean; ``/reports.csv`` the same CSV as ``GET /api/reports?format=csv``."""

from __future__ import annotations

from aiohttp import web

from services.logs import DateWindow
from services.permissions import reaches
from services.report_notes import LIMITS, MEANINGS
from services.reports import CampaignReport, ScheduleReport
from storage.org_tree import tree_order
from storage.orgs import list_orgs
from web import keys
from web.pages.core import PageError, Viewer, page, render
from web.pages.svg_chart import Group, Series, SeriesChart, series_bars
from web.report_csv import csv_headers, report_csv
from web.report_query import DEFAULT_DAYS, ReportQueryError, load_report

MAX_BARS = 40  # rooms or schedules per chart; the tables list them all
DELIVERY = (
    Series("확인", "ok"),
    Series("미확인", "warn"),
    Series("실패", "bad"),
    Series("누락", "off"),
)
LATENESS = (Series("지연 p50(초)", "ok"), Series("p95까지(초)", "warn"))
ENGAGEMENT = (Series("답장", "accent"), Series("방 활동(발송 후)", "ok"), Series("평소", "off"))


def setup(app: web.Application) -> None:
    app.router.add_get("/reports", page(reports_page))
    app.router.add_get("/reports.csv", page(reports_csv))


async def reports_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    fallback = DateWindow.last_days(app[keys.CLOCK].now(), app[keys.CONFIG].tz, DEFAULT_DAYS)
    error, status = None, 200
    try:
        report, org = await load_report(request.app, viewer.admin, request.query, fallback)
    except ReportQueryError as problem:
        error, status = problem.message, 400
        report, org = await load_report(request.app, viewer.admin, {}, fallback)
    async with request.app[keys.SESSIONS]() as session:
        orgs = [
            (depth, o)
            for depth, o in tree_order(await list_orgs(session))
            if reaches(viewer.org_ids, o.id)
        ]
    return render(
        request,
        "reports.html",
        viewer,
        status=status,
        error=error,
        report=report,
        org=org,
        orgs=orgs,
        campaigns=[(c, delivery_chart(c)) for c in report.campaigns],
        lateness=lateness_chart(report.schedules),
        engagement=engagement_chart(report.campaigns),
        csv_query=f"from={report.window.first}&to={report.window.last}"
        + (f"&org={org.code}" if org else ""),
        meanings=MEANINGS,
        limits=LIMITS,
    )


async def reports_csv(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    try:
        report, _ = await load_report(request.app, viewer.admin, request.query)
    except ReportQueryError as problem:
        raise PageError(problem.status, "리포트를 만들 수 없습니다", problem.message) from None
    return web.Response(body=report_csv(report), headers=csv_headers(report))


def delivery_chart(campaign: CampaignReport) -> SeriesChart:
    groups = [
        Group(r.room_name or r.room_id, (r.confirmed, r.unconfirmed, r.failed, r.missed))
        for r in campaign.room_rows[:MAX_BARS]
    ]
    return series_bars(DELIVERY, groups)


def lateness_chart(schedules: list[ScheduleReport]) -> SeriesChart | None:
    late = [s for s in schedules if s.lateness_p95_s is not None]
    late.sort(key=lambda s: -(s.lateness_p95_s or 0))
    groups = [
        Group(s.title or f"#{s.schedule_id}", (p50, max(p95 - p50, 0)))
        for s in late[:MAX_BARS]
        for p50, p95 in [(s.lateness_p50_s or 0, s.lateness_p95_s or 0)]
    ]
    return series_bars(LATENESS, groups) if groups else None


def engagement_chart(campaigns: list[CampaignReport]) -> SeriesChart | None:
    groups = [
        Group(
            c.title or f"C{c.campaign_id}",
            (c.replies, c.activity_after or 0, c.activity_baseline or 0),
        )
        for c in campaigns[:MAX_BARS]
    ]
    return series_bars(ENGAGEMENT, groups, stacked=False) if groups else None
