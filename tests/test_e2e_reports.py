"""Reports end to end on SQLite and MariaDB (issue 19): a campaign to three rooms and a single
schedule are sent by the real scheduler through a fake Iris that echoes, on a FakeClock; one
room's send fails; the fake Iris forwards a member's 답장 to one echo and ordinary member
messages in the hours after the send (the weeks before are activity rows, as the capture
would have left them); the short link is clicked by a browser and fetched by a link preview.
Then ``GET /api/reports`` must show every number.

Times: START is 2026-11-26 09:12 in Seoul (00:12 UTC). The campaign (daily 09:13, spread over
60 s in room-name order) goes to BR2 at 09:13:00 (it fails: Iris answers 400), BR3 at
09:13:20 and BR1 at 09:13:40; the single schedule to BR1 at 09:15. Every send's hour is
00:00 UTC, so "after" is 00:00 + 01:00 UTC:
- BR1: 2 messages at 00:30, the 답장 at 00:35, 1 message at 01:20 (02:10 is too late) -> 4;
  earlier weeks 11-19 00h 4, 11-12 01h 2, 11-05 none, 10-29 00h 2 (its first counted hour)
  -> baseline (4 + 2 + 0 + 2) / 4 = 2.0;
- BR3: 1 message at 00:40 -> 1; counted since 11-19 00h (6): one week compared -> 6.0.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.config import Config
from storage.engagement_models import RoomActivity
from storage.models import ScheduleLog
from tests.support.api import Api, make_api, weekly
from tests.support.command_world import ROOMS, START
from tests.support.driver import Driver
from tests.support.echo_app import Sessions, api_response_becomes, deliver, echoing, webhook_url
from tests.support.echoes import member_message_body, reply_body
from tests.support.fakes import FakeClock, FakeIris

URL = "https://example.com/sale"
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36;KAKAOTALK 2410430"
)
PREVIEW = "facebookexternalhit/1.1;kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap"
BR1, BR2, BR3 = ROOMS["BR1"], ROOMS["BR2"], ROOMS["BR3"]
EARLIER = {  # (room, naive UTC hour) -> messages, left by the capture in earlier weeks
    (BR1, datetime(2026, 10, 29, 0)): 2,
    (BR1, datetime(2026, 11, 12, 1)): 2,
    (BR1, datetime(2026, 11, 19, 0)): 4,
    (BR3, datetime(2026, 11, 19, 0)): 6,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def utc(hour: int, minute: int) -> datetime:
    return START.replace(hour=hour, minute=minute)


async def move_to(driver: Driver, when: datetime, step: float) -> None:
    while driver.clock.now() < when:
        await driver.step(min(step, (when - driver.clock.now()).total_seconds()))


async def logs(sessions: Sessions) -> dict[tuple[int, str], ScheduleLog]:
    async with sessions() as s:
        rows = await s.scalars(select(ScheduleLog))
        return {(r.schedule_id, r.target_room_id): r for r in rows}


def code_of(text: str, public_url: str) -> str:
    found = re.search(rf"{re.escape(public_url)}/r/([a-z0-9]+)", text)
    assert found is not None, text
    return found.group(1)


async def click(api: Api, code: str, agent: str) -> None:
    answer = await api.client.get(
        f"/r/{code}", headers={"User-Agent": agent}, allow_redirects=False
    )
    assert answer.status == 302 and answer.headers["Location"] == URL


async def test_every_report_number_from_real_sends_replies_activity_and_clicks(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api = await make_api(aiohttp_client, echoing(cfg, iris), sessions, clock, scheduler=True)
    iris.echo_to = webhook_url(api)
    async with sessions.begin() as s:
        s.add_all(RoomActivity(room_id=r, hour=h, messages=n) for (r, h), n in EARLIER.items())
    daily = {"schedule_type": "daily", "schedule_weekdays": None, "target_room_id": None}
    campaign_body = weekly(
        **daily,
        title="겨울 세일",
        target_room_ids=[BR1, BR2, BR3],
        schedule_time="09:13",
        spread_s=60,
        message_text=f"겨울 세일 안내 {{링크:{URL}}}",
    )
    status, created = await api.call("POST", "/api/schedules", "HQ", json=campaign_body)
    assert status == 201, created
    campaign = created["campaign_id"]
    rows = {row["target_room_id"]: row["id"] for row in created["schedules"]}
    single_body = weekly(**daily, title="단독 공지", schedule_time="09:15", message_text="단독")
    status, single = await api.call("POST", "/api/schedules", "HQ", json=single_body | {
        "target_room_id": BR1
    })  # fmt: skip
    assert status == 201, single

    driver = Driver(clock, iris)
    await driver.started(api.client.app)
    iris.fail_next(1, status=400, message="room not found")  # BR2's send, the first one
    await move_to(driver, utc(0, 15) + timedelta(seconds=10), step=1)
    sent = await logs(sessions)
    assert len(sent) == 4
    assert sent[(rows[BR2], BR2)].status == "failed"
    for key in ((rows[BR1], BR1), (rows[BR3], BR3), (single["id"], BR1)):
        assert sent[key].status == "success"
        await api_response_becomes(sessions, sent[key].id, "confirmed")
    texts = {b["room"]: b["data"] for b in iris.bodies if "겨울" in b["data"]}
    public_url = str(cfg.server.public_url).rstrip("/")
    codes = {room: code_of(texts[room], public_url) for room in (BR1, BR3)}
    [br1_echo] = [
        e["json"]["id"]
        for e in iris.echoes
        if e["json"]["chat_id"] == BR1 and "겨울" in e["json"]["message"]
    ]

    # members react: messages in the two hours after, a 답장 to BR1's message, clicks
    await move_to(driver, utc(0, 30), step=60)
    for n in range(2):
        await deliver(api, iris, member_message_body(BR1, at=clock.now(), text=f"좋아요 {n}"))
    await move_to(driver, utc(0, 35), step=60)
    await deliver(api, iris, reply_body(BR1, src_log_id=br1_echo, at=clock.now()))
    await move_to(driver, utc(0, 40), step=60)
    await deliver(api, iris, member_message_body(BR3, at=clock.now()))
    await move_to(driver, utc(0, 50), step=60)
    await click(api, codes[BR1], BROWSER)
    await click(api, codes[BR1], PREVIEW)  # a link preview: not a click
    await click(api, codes[BR3], BROWSER)
    await move_to(driver, utc(1, 20), step=60)
    await deliver(api, iris, member_message_body(BR1, at=clock.now()))
    await move_to(driver, utc(2, 10), step=60)
    await deliver(api, iris, member_message_body(BR1, at=clock.now()))  # after the 2 hours

    status, body = await api.call("GET", "/api/reports?from=2026-11-26&to=2026-11-26", "HQ")
    assert status == 200, body
    got = {item["schedule_id"]: item for item in body["schedules"]}
    keys = [
        "sends",
        "success",
        "failed",
        "missed",
        "confirmed",
        "unconfirmed",
        "pending",
        "on_time_rate",
        "replies",
        "clicks",
        "activity_after",
        "activity_baseline",
    ]

    def numbers(item: dict[str, Any]) -> dict[str, Any]:
        late = (item["lateness_p50_s"], item["lateness_p95_s"])
        assert late == (None, None) or all(0 <= s <= 1 for s in late), late
        return {key: item[key] for key in keys}

    def row(*values: Any) -> dict[str, Any]:
        return dict(zip(keys, values, strict=True))

    assert numbers(got[rows[BR1]]) == row(1, 1, 0, 0, 1, 0, 0, 1.0, 1, 1, 4, 2.0)
    assert numbers(got[rows[BR2]]) == row(1, 0, 1, 0, 0, 0, 0, None, 0, 0, None, None)
    assert numbers(got[rows[BR3]]) == row(1, 1, 0, 0, 1, 0, 0, 1.0, 0, 1, 1, 6.0)
    assert numbers(got[single["id"]]) == row(1, 1, 0, 0, 1, 0, 0, 1.0, 0, 0, 4, 2.0)
    assert got[single["id"]]["campaign_id"] is None
    assert {got[rows[r]]["campaign_id"] for r in (BR1, BR2, BR3)} == {campaign}
    [report] = body["campaigns"]
    assert (report["campaign_id"], report["title"], report["rooms"]) == (campaign, "겨울 세일", 3)
    assert numbers(report) == row(3, 2, 1, 0, 2, 0, 0, 1.0, 1, 2, 5, 8.0)
    by_room = {r["room_id"]: numbers(r) for r in report["room_rows"]}
    assert by_room[BR2] == numbers(got[rows[BR2]])

    # a branch admin sees its own room's rows only
    status, mine = await api.call("GET", "/api/reports?from=2026-11-26&to=2026-11-26", "BR1")
    assert sorted(item["schedule_id"] for item in mine["schedules"]) == sorted(
        [rows[BR1], single["id"]]
    )
    assert mine["campaigns"][0]["rooms"] == 1
