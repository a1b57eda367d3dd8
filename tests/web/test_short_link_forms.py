"""``{링크:URL}`` where a schedule is written: a bad URL is refused at save by the API
(422 naming message_text) and the wizard (on the 내용 step); a good one is previewed as
``public_url/r/…`` without any link being made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.config import Config
from storage.engagement_models import ShortLink
from tests.support.api import make_api, weekly
from tests.support.command_world import ROOMS
from tests.support.pages import Site
from tests.support.wizard import open_page, press

GOOD = "{방이름} 특가 {링크:https://example.com/sale?x=1}"
BAD = "특가 {링크:javascript:alert(1)}"


async def link_rows(sessions: Any) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(ShortLink)) or 0)


async def test_the_api_refuses_a_bad_link_naming_message_text(
    cfg: Config, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    for text, words in (
        (BAD, "http:// 또는 https://"),
        ("{링크:https://exa mple.com}", "공백"),
        ("{링크:https://example.com/" + "a" * 1000 + "}", "1000자 이하"),
        (" ".join(f"{{링크:https://e.com/{i}}}" for i in range(6)), "5개까지"),
    ):
        status, body = await api.call("POST", "/api/schedules", json=weekly(message_text=text))
        assert status == 422, body
        assert body["error"]["field"] == "message_text" and words in body["error"]["message"]
    status, body = await api.call("POST", "/api/schedules", json=weekly(message_text=GOOD))
    assert status == 201, body
    assert await link_rows(api.sessions) == 0  # made when sent, not when saved


async def test_the_wizard_refuses_a_bad_link_on_the_text_step_and_previews_a_good_one(
    site: Site,
) -> None:
    await site.login("BR1")
    step1 = await open_page(site, "/schedules/new")
    step2 = await press(site, step1, target_kind="room", target_room_id=ROOMS["BR1"])
    step3 = await press(site, step2, title="특가", message_text=BAD)
    assert step3.step == "3", step3.html
    refused = await press(site, step3, schedule_type="daily", schedule_time="10:00")
    assert refused.status == 422 and refused.step == "2"
    error = refused.error("message_text") or ""
    assert "내용" in error and "http:// 또는 https://" in error
    fixed = await press(site, refused, message_text=GOOD)
    step4 = await press(site, fixed)
    assert step4.step == "4", step4.html
    public_url = site.cfg.server.public_url
    assert f"도매까 강남지점 공지방 특가 {public_url}/r/…" in step4.html
    assert "example.com/sale" not in step4.html.split('class="bubbles"', 1)[1].split("</div>")[0]
    assert await link_rows(site.sessions) == 0
