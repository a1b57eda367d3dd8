"""Short links end to end on both backends, over real HTTP: a schedule text with
``{링크:URL}`` sent to two rooms through the fake Iris (which echoes), each room's own
``public_url/r/CODE``, the code kept for the room's next send, the echo confirming the text
sent with the short link; ``GET /r/CODE`` redirecting and counting people, not bots or link
previews, once per visitor within the window (FakeClock); unknown codes and a row whose URL
SQL made unsafe answer 404."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from core.config import Config
from storage.engagement_models import LinkClick, ShortLink
from tests.support.api import Api, weekly
from tests.support.command_world import BR1_TEST_ROOM, ROOMS, START, add_br1_test_room
from tests.support.echo_app import Sessions, start, states_become
from tests.support.fakes import FakeClock, FakeIris
from web.links import visitor_of

URL = "https://example.com/sale?x=1"
TEXT = "{방이름} 특가 안내 {링크:" + URL + "} 지금 확인하세요"
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36;KAKAOTALK 2410430"
)
OTHER_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Version/17.2 Safari"
KAKAO_SCRAP = "facebookexternalhit/1.1;kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def send(api: Api, schedule_id: int) -> None:
    status, body = await api.call("POST", f"/api/schedules/{schedule_id}/send", "AG1")
    assert status == 200 and body["status"] == "success", body


def code_in(text: str, public_url: str) -> str:
    found = re.fullmatch(
        rf"(.+) 특가 안내 {re.escape(public_url)}/r/([a-z0-9]{{10}}) 지금 확인하세요", text
    )
    assert found is not None, text
    return found.group(2)


async def clicks(sessions: Sessions) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(LinkClick)) or 0)


async def follow(client: TestClient, code: str, agent: str | None, method: str = "GET") -> Any:
    headers = {} if agent is None else {"User-Agent": agent}
    skip = ["User-Agent"] if agent is None else []
    return await client.request(
        method, f"/r/{code}", headers=headers, skip_auto_headers=skip, allow_redirects=False
    )


async def test_each_room_gets_its_own_short_link_that_redirects_and_counts_people(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    body = weekly(target_room_id=None, target_room_ids=[ROOMS["BR1"], ROOMS["BR2"]])
    status, created = await api.call(
        "POST", "/api/schedules", "AG1", json=body | {"message_text": TEXT}
    )
    assert status == 201, created
    by_room = {row["target_room_id"]: row["id"] for row in created["schedules"]}
    await send(api, by_room[ROOMS["BR1"]])
    await send(api, by_room[ROOMS["BR2"]])
    public_url = cfg.server.public_url
    sent = {b["room"]: b["data"] for b in iris.bodies}
    br1, br2 = code_in(sent[ROOMS["BR1"]], public_url), code_in(sent[ROOMS["BR2"]], public_url)
    assert br1 != br2
    # the echoes carry the text with the short link: both receipts are confirmed
    await states_become(sessions, "confirmed", "confirmed")

    await send(api, by_room[ROOMS["BR1"]])  # the room's next send keeps its code
    assert code_in(iris.bodies[-1]["data"], public_url) == br1
    await states_become(sessions, "confirmed", "confirmed", "confirmed")
    async with sessions() as s:
        rows = list(await s.scalars(select(ShortLink).order_by(ShortLink.id)))
    assert [(r.schedule_id, r.room_id, r.url, r.code) for r in rows] == [
        (by_room[ROOMS["BR1"]], ROOMS["BR1"], URL, br1),
        (by_room[ROOMS["BR2"]], ROOMS["BR2"], URL, br2),
    ]

    client = api.client
    first = await follow(client, br1, BROWSER)
    assert first.status == 302 and first.headers["Location"] == URL
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in first.headers["Content-Security-Policy"]
    assert await clicks(sessions) == 1
    assert (await follow(client, br1, BROWSER)).status == 302  # the same visitor again
    assert await clicks(sessions) == 1
    for program in (KAKAO_SCRAP, "facebookexternalhit/1.1", "", None, "curl/8.5.0"):
        answer = await follow(client, br1, program)
        assert answer.status == 302 and answer.headers["Location"] == URL
    head = await follow(client, br1, OTHER_BROWSER, method="HEAD")
    assert head.status == 302 and head.headers["Location"] == URL
    assert await clicks(sessions) == 1
    assert (await follow(client, br1, OTHER_BROWSER)).status == 302  # another person
    assert (await follow(client, br2, BROWSER)).status == 302  # another room's link
    assert await clicks(sessions) == 3

    clock.set(clock.now() + timedelta(seconds=601))  # past the 10-minute window
    assert (await follow(client, br1, BROWSER)).status == 302
    async with sessions() as s:
        counted = list(await s.scalars(select(LinkClick).order_by(LinkClick.id)))
    assert [c.link_id for c in counted] == [rows[0].id, rows[0].id, rows[1].id, rows[0].id]
    assert counted[0].visitor == counted[3].visitor != counted[1].visitor
    assert all(re.fullmatch(r"[0-9a-f]{32}", c.visitor) for c in counted)
    assert counted[3].clicked_at == clock.now().replace(tzinfo=None)


async def test_a_test_send_gets_the_test_rooms_own_link(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    """Clicks in a test room never count for the schedule's room (reports leave test sends
    out, so they are never attributed)."""
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    await add_br1_test_room(sessions)
    created = await api.create(message_text=TEXT)
    path = f"/api/schedules/{created['id']}/test"
    status, body = await api.call("POST", path, json={"test_room": BR1_TEST_ROOM})
    assert status == 200 and body["status"] == "success", body
    [sent] = iris.bodies
    assert sent["room"] == BR1_TEST_ROOM
    code = code_in(sent["data"], cfg.server.public_url)
    async with sessions() as s:
        [row] = list(await s.scalars(select(ShortLink)))
    assert (row.schedule_id, row.room_id, row.code) == (created["id"], BR1_TEST_ROOM, code)


async def test_unknown_codes_and_unsafe_stored_urls_answer_404(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    async with sessions.begin() as s:  # rows as the PHP site or SQL could write them
        for code, url in (
            ("jsjsjsjsjs", "javascript:alert(1)"),
            ("datadatada", "data:text/html,<script>alert(1)</script>"),
            ("relrelrelr", "//evil.example/x"),
            ("spacespace", "https://example.com/a b"),
            ("goodgoodgo", "https://example.com/ok"),
        ):
            s.add(
                ShortLink(
                    code=code,
                    schedule_id=1,
                    room_id=ROOMS["BR1"],
                    url=url,
                    url_hash=code,
                    created_at=START.replace(tzinfo=None),
                )
            )
    client = api.client
    for code in ("jsjsjsjsjs", "datadatada", "relrelrelr", "spacespace", "zzzzzzzzzz", "x", "A"):
        answer = await follow(client, code, BROWSER)
        assert answer.status == 404, code
        assert "Location" not in answer.headers
        assert "링크를 찾을 수 없습니다" in await answer.text()
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert (await follow(client, "GOODGOODGO", BROWSER)).status == 404  # codes are lower case
    good = await follow(client, "goodgoodgo", BROWSER)
    assert good.status == 302 and good.headers["Location"] == "https://example.com/ok"
    assert await clicks(sessions) == 1


def test_the_visitor_hash_is_salted_with_the_day_and_the_secret() -> None:
    one = visitor_of("secret", "2026-11-26", "203.0.113.7", BROWSER)
    assert re.fullmatch(r"[0-9a-f]{32}", one)
    assert one == visitor_of("secret", "2026-11-26", "203.0.113.7", BROWSER)
    assert one != visitor_of("secret", "2026-11-27", "203.0.113.7", BROWSER)
    assert one != visitor_of("other", "2026-11-26", "203.0.113.7", BROWSER)
    assert one != visitor_of("secret", "2026-11-26", "203.0.113.8", BROWSER)
    assert one != visitor_of("secret", "2026-11-26", "203.0.113.7", OTHER_BROWSER)
