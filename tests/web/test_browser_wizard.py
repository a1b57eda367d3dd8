"""The schedule wizard driven in a real browser at a phone's size and a desktop's, as a branch
admin: create a weekly schedule with two images uploaded in step 2 and put in send order (↑ on
the phone, drag on the desktop), edit its time, duplicate it, see a validation error keep the
typed values, and be refused another branch's schedule; each outcome read from the database.
Every wizard step is checked for the phone layout and kept as a screenshot in tests/artifacts/."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.models import Schedule
from tests.support.browser import (
    SIZES,
    Watched,
    launched,
    layout_problems,
    log_in,
    open_page,
    screenshot,
    serve,
)
from tests.support.command_world import ROOMS, build_world
from tests.support.pages import add_schedule, png

pytestmark = pytest.mark.browser

TITLE = "주말 특가 안내"
OTHER_BRANCH_TITLE = "BR2 전용 공지"
STEP_NAMES = ("대상", "내용", "일정", "확인")


class Wizard:
    """One browser page going through the wizard; each step is checked and photographed."""

    def __init__(self, watched: Watched, base: str, artifacts: str, size: str) -> None:
        self.page, self.base, self.artifacts, self.size = watched.page, base, artifacts, size
        self.problems: dict[str, list[str]] = {}

    async def step(self, n: int, name: str) -> Page:
        """Waits for step ``n`` and records its layout problems and screenshot as ``name``."""
        await self.page.wait_for_selector(f'form.wizard[data-step="{n}"]')
        assert await self.page.inner_text("ol.steps li.current") == f"{n}. {STEP_NAMES[n - 1]}"
        self.problems[name] = await layout_problems(self.page)
        await screenshot(self.page, self.artifacts, f"{self.size}-{name}")
        return self.page

    async def press(self, go: str) -> None:
        await self.page.click(f"form.wizard button[name=go][value={go}]")

    async def picked(self) -> list[str]:
        return await self.page.locator("ol.picked > li").evaluate_all(
            "lis => lis.map(li => li.dataset.id)"
        )

    async def saved(self) -> int:
        """After 등록/저장: the schedule page's id, with its 저장 notice."""
        await self.page.wait_for_url("**/schedules/*?saved=1")
        assert await self.page.locator("div.notice.ok#result").count() == 1
        return int(self.page.url.split("/schedules/")[1].split("?")[0])


async def row_of(sessions: async_sessionmaker[AsyncSession], schedule_id: int) -> Schedule:
    async with sessions() as s:
        row = await s.get(Schedule, schedule_id)
    assert row is not None
    return row


def image_order(row: Schedule) -> list[str]:
    return [image["original_name"] for image in (row.message_images or {}).get("images", [])]


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_wizard_in_a_browser(
    size: str,
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    aiohttp_server: Any,
    request: pytest.FixtureRequest,
) -> None:
    await build_world(sessions)
    other = await add_schedule(sessions, OTHER_BRANCH_TITLE, ROOMS["BR2"])
    served = await serve(cfg, sessions, aiohttp_server)
    files = []
    for n, name in enumerate(("첫째.png", "둘째.png"), start=1):
        files.append(tmp_path / name)
        files[-1].write_bytes(png(n, (60 + n * 10, 40)))
    refused = (f"/schedules/{other}", f"/schedules/{other}/edit")
    artifacts = request.node.name.replace("[", "-").rstrip("]")

    async with launched(chromium) as browser:
        watched = await open_page(browser, SIZES[size])
        await log_in(watched, served.base, await served.code("BR1"))
        wizard = Wizard(watched, served.base, artifacts, size)
        page = watched.page

        # Create: 대상 -> 내용 (upload two, reorder) -> 일정 (weekly) -> 확인 -> 등록.
        await page.goto(f"{served.base}/schedules")
        await page.click("a.button#new-schedule")
        await wizard.step(1, "step1")
        await page.check("input[name=target_kind][value=room]")
        await page.select_option("select[name=target_room_id]", ROOMS["BR1"])
        await wizard.press("next")

        await wizard.step(2, "step2")
        await page.fill("input[name=title]", TITLE)
        await page.fill("textarea[name=message_text]", "이번 주말 ")
        await page.click('button.var[data-var="{지점명}"]')  # inserted at the cursor by JS
        assert await page.input_value("textarea[name=message_text]") == "이번 주말 {지점명}"
        await page.set_input_files("#file", [str(f) for f in files])
        await wizard.press("upload")
        await page.wait_for_selector("ol.picked > li:nth-child(2)")
        first, second = await wizard.picked()
        if size == "phone":
            await page.click(f'button[name=move][value="up:{second}"]')
            await page.wait_for_selector(f'ol.picked > li:first-child[data-id="{second}"]')
        else:  # wizard.js moves the li (and its hidden input) on drop
            target = page.locator(f'ol.picked > li[data-id="{first}"]')
            await page.locator(f'ol.picked > li[data-id="{second}"]').drag_to(
                target, target_position={"x": 20, "y": 5}
            )
        assert await wizard.picked() == [second, first]
        await wizard.press("next")

        await wizard.step(3, "step3")
        await page.check("input[name=schedule_type][value=weekly]")
        await page.fill("input[name=schedule_time]", "10:30")
        for day in ("monday", "thursday"):
            await page.check(f"input[name=schedule_weekdays][value={day}]")
        await wizard.press("refresh")
        await wizard.step(3, "step3-times")
        times = await page.locator("ol.next-times > li").all_inner_texts()
        assert len(times) == 5 and all("10:30" in t for t in times), times
        await wizard.press("next")

        await wizard.step(4, "step4")
        bubbles = page.locator("section.room-preview .bubbles > .bubble")
        kinds = await bubbles.evaluate_all("bs => bs.map(b => b.classList.contains('text'))")
        assert kinds == [True, False, False]  # text first, then the images in send order
        text = await page.inner_text(".bubble.text")
        assert text.startswith("이번 주말 ") and "{지점명}" not in text
        alts = await page.locator(".bubble.image img").evaluate_all("is => is.map(i => i.alt)")
        assert alts == ["둘째.png", "첫째.png"]
        await wizard.press("save")
        created = await wizard.saved()
        row = await row_of(sessions, created)
        assert (row.title, row.target_room_id, row.schedule_type) == (TITLE, ROOMS["BR1"], "weekly")
        assert row.schedule_weekdays == frozenset({"monday", "thursday"})
        assert row.schedule_time == time(10, 30)
        assert image_order(row) == ["둘째.png", "첫째.png"]
        assert await page.inner_text("h1") == TITLE

        # Edit: the same wizard filled in; change the time only.
        await page.click("a.button#edit")
        await wizard.step(1, "edit-step1")
        await wizard.press("next")
        await wizard.step(2, "edit-step2")
        assert await page.input_value("input[name=title]") == TITLE
        assert await wizard.picked() == [second, first]
        await wizard.press("next")
        await wizard.step(3, "edit-step3")
        assert await page.input_value("input[name=schedule_time]") == "10:30"
        await page.fill("input[name=schedule_time]", "11:45")
        await wizard.press("next")
        await wizard.step(4, "edit-step4")
        assert await page.inner_text("button[name=go][value=save]") == "저장"
        await wizard.press("save")
        assert await wizard.saved() == created
        row = await row_of(sessions, created)
        assert row.schedule_time == time(11, 45) and row.title == TITLE
        assert row.schedule_weekdays == frozenset({"monday", "thursday"})
        assert image_order(row) == ["둘째.png", "첫째.png"]

        # Duplicate: 복사해서 새로 만들기 starts a new schedule filled from this one.
        await page.click("a.button#duplicate")
        await page.wait_for_url(f"**/schedules/new?copy={created}")
        for n in (1, 2, 3):
            await wizard.step(n, f"copy-step{n}")
            await wizard.press("next")
        await wizard.step(4, "copy-step4")
        await wizard.press("save")
        copied = await wizard.saved()
        assert copied != created
        copy = await row_of(sessions, copied)
        assert TITLE in copy.title and copy.target_room_id == ROOMS["BR1"]
        assert (copy.schedule_type, copy.schedule_time) == ("weekly", time(11, 45))
        assert copy.schedule_weekdays == frozenset({"monday", "thursday"})
        assert image_order(copy) == ["둘째.png", "첫째.png"]
        assert (await row_of(sessions, created)).title == TITLE  # the original is untouched

        # A validation error: weekly without a weekday; the step keeps what was typed.
        await page.goto(f"{served.base}/schedules/new")
        await wizard.step(1, "error-step1")
        await page.check("input[name=target_kind][value=room]")
        await page.select_option("select[name=target_room_id]", ROOMS["BR1"])
        await wizard.press("next")
        await wizard.step(2, "error-step2")
        await page.fill("input[name=title]", "요일 없는 스케줄")
        await page.fill("textarea[name=message_text]", "안내")
        await wizard.press("next")
        await wizard.step(3, "error-step3")
        await page.check("input[name=schedule_type][value=weekly]")
        await page.fill("input[name=schedule_time]", "08:15")
        watched.expected = lambda url: url == f"{served.base}/schedules"  # its 422
        await wizard.press("next")
        await wizard.step(3, "error-shown")
        assert "요일" in await page.inner_text("#error-schedule_weekdays")
        assert await page.locator("div.notice.error").count() == 1
        assert await page.is_checked("input[name=schedule_type][value=weekly]")
        assert await page.input_value("input[name=schedule_time]") == "08:15"
        monday = page.locator("input[name=schedule_weekdays][value=monday]")
        assert await monday.get_attribute("aria-invalid") == "true"
        assert (
            await page.locator("input[type=hidden][name=title]").input_value() == "요일 없는 스케줄"
        )
        async with sessions() as s:
            titles = list(await s.scalars(select(Schedule.title)))
        assert "요일 없는 스케줄" not in titles and len(titles) == 3

        # Another branch's schedule: neither its page nor its edit is shown.
        watched.expected = lambda url: url.endswith(refused)
        for path in refused:
            response = await page.goto(served.base + path)
            assert response is not None and response.status in (403, 404), path
            assert OTHER_BRANCH_TITLE not in await page.content()
            problems = await layout_problems(page)
            assert problems == [], problems

        assert watched.errors == []
    found = {name: found for name, found in wizard.problems.items() if found}
    assert found == {}, "\n".join(f"{name}: {', '.join(p)}" for name, p in found.items())
