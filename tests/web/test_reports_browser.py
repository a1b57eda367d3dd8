"""``/reports`` drawn in Debian chromium at a phone's size (390x844) and a desktop's
(1280x800) for headquarters and a branch admin: the charts are visible, the wide tables scroll
in their own box, the page never scrolls sideways, every touch target is at least 44 px and
no script error (CSP) or failed request happens; screenshots under tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from tests.support.browser import (
    SIZES,
    launched,
    layout_problems,
    log_in,
    open_page,
    screenshot,
    serve,
)
from tests.support.report_world import build_report_world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("org", "charts"), [("HQ", 3), ("BR1", 3)])
async def test_reports_page_in_chromium(
    org: str,
    charts: int,
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_server: Any,
    request: pytest.FixtureRequest,
) -> None:
    await build_report_world(sessions)
    served = await serve(cfg, sessions, aiohttp_server)
    test = request.node.name.replace("[", "-").rstrip("]")
    async with launched(chromium) as browser:
        for size_name, size in SIZES.items():
            watched = await open_page(browser, size)
            await log_in(watched, served.base, await served.code(org))
            page = watched.page
            await page.goto(f"{served.base}/reports?from=2026-11-20&to=2026-11-26")
            assert await layout_problems(page) == [], size_name
            figures = page.locator("figure.report-chart svg")
            assert await figures.count() == charts
            for n in range(charts):
                box = await figures.nth(n).bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
                assert box["x"] + box["width"] <= size["width"]
            assert await page.locator("svg rect.ok").count() > 0
            await page.locator("details.chart-alt summary").first.click()
            assert await page.locator("details.chart-alt li").first.is_visible()
            await screenshot(page, test, f"{size_name}-reports")
            assert watched.errors == [], f"{size_name}: {watched.errors}"
            await page.context.close()
