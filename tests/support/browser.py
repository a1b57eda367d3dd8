"""Helpers for the real-browser tests (Debian chromium through Playwright): the app on a real
port, one browser per test, logged-in pages at a given size that collect script errors and
failed responses, the phone-layout checks, and screenshots under ``tests/artifacts/`` (not
committed) for a person to look at."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    async_playwright,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage.images import upload_dir
from tests.support.command_world import START, USERS
from tests.support.fakes import FakeClock
from tests.support.image_samples import image_row
from tests.support.pages import login_code, png, quiet

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
SIZES = {"phone": PHONE, "desktop": DESKTOP}
MIN_TARGET_PX = 44


def chromium_path() -> Path:
    """The browser, or the test is skipped (failed on CI, which installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} is not installed")
    return CHROMIUM


@dataclass
class Served:
    """The real app listening on a port, with its fake clock and database."""

    base: str
    clock: FakeClock
    sessions: async_sessionmaker[AsyncSession]

    async def code(self, org: str) -> str:
        """A one-time login code for the admin of ``org`` (command world)."""
        return await login_code(self.sessions, USERS[org], self.clock.now())


async def serve(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_server: Any
) -> Served:
    clock = FakeClock(START)
    server = await aiohttp_server(await init_app(quiet(cfg), clock=clock), host="127.0.0.1")
    return Served(str(server.make_url("")).rstrip("/"), clock, sessions)


@asynccontextmanager
async def launched(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Watched:
    """A page and what went wrong on it: script errors (CSP violations included) and
    responses >= 400, except those whose URL ``expected`` accepts (a refusal under test)."""

    page: Page
    errors: list[str] = field(default_factory=list)
    expected: Callable[[str], bool] = lambda _: False

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not self.expected(message.location.get("url", "")):
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not self.expected(response.url):
            self.errors.append(f"{response.status} {response.url}")


async def open_page(browser: Browser, size: ViewportSize | None = None) -> Watched:
    """A page in a fresh context (its own cookies) at ``size``, watched for errors."""
    context = await browser.new_context(viewport=size) if size else await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    watched = Watched(page)
    page.on("console", watched._console)
    page.on("response", watched._response)
    return watched


async def log_in(watched: Watched, base: str, code: str) -> None:
    """Follows the one-time link and presses 로그인, as an admin does."""
    page = watched.page
    await page.goto(f"{base}/login/{code}")
    await page.click("form.login button[type=submit]")
    await page.wait_for_url(f"{base}/")


@asynccontextmanager
async def logged_in(chromium: Path, base: str, code: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """One browser, one page logged in with ``code``, and its error list."""
    async with launched(chromium) as browser:
        watched = await open_page(browser)
        await log_in(watched, base, code)
        yield watched.page, watched.errors


# The elements a thumb presses; a checkbox or radio is measured by its label.
TARGETS_JS = """
(minimum) => {
  const selector = 'button, a.button, input:not([type=hidden]), select, textarea, nav a';
  const shown = el => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  };
  const name = el => {
    const id = el.id ? '#' + el.id : '';
    const named = el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '';
    const shownText = el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).text : el.innerText;
    const text = (shownText || el.value || '').trim().slice(0, 20);
    return `${el.tagName.toLowerCase()}${id}${named} "${text}"`;
  };
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const choice = el.matches('input[type=checkbox], input[type=radio]');
    const target = choice ? (el.closest('label') || el) : el;
    if (!shown(el) && !shown(target)) continue;
    const height = target.getBoundingClientRect().height;
    if (height < minimum) small.push(`${name(el)} ${height.toFixed(1)}px`);
  }
  return small;
}
"""


async def layout_problems(page: Page) -> list[str]:
    """What keeps the page from working on a phone: a horizontal scroll, and the touch
    targets lower than 44 px (by tag, id, name and text)."""
    widths = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    problems = [] if widths[0] <= widths[1] else [f"scrolls sideways: {widths[0]} > {widths[1]}"]
    problems += await page.evaluate(TARGETS_JS, MIN_TARGET_PX)
    return problems


async def screenshot(page: Page, test: str, name: str) -> Path:
    """A full-page screenshot at ``tests/artifacts/<test>/<name>.png``."""
    path = ARTIFACTS / test / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


async def add_image(
    sessions: async_sessionmaker[AsyncSession], cfg: Config, n: int, org_id: int
) -> int:
    """An image of ``org_id`` in the library, its file on disk (so pages show it, no 404)."""
    filename = f"img_20261125_{n:016x}_o{org_id}.png"
    path = upload_dir(cfg) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    data = png(n, (80, 60))
    path.write_bytes(data)
    row = image_row(n, org_id)
    row.filename, row.file_path, row.mime_type = filename, str(path), "image/png"
    row.file_size, row.width, row.height = len(data), 80, 60
    async with sessions.begin() as s:
        s.add(row)
        await s.flush()
        return row.id
