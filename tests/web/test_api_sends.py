"""``POST /api/schedules/{id}/send`` and ``/test``: the real app (dry-run transport) sends at
once, logs the send as manual or test, leaves ``next_send_at`` alone, and answers the
outcome; permission, room and body problems are 4xx JSON errors naming the field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from storage.kbot_models import Occurrence, Room
from storage.models import Schedule, ScheduleLog
from tests.support.api import Api, make_api
from tests.support.command_world import BR1_ROOM, BR1_TEST_ROOM, ROOMS, add_br1_test_room
from web import keys

TEST_ROOM = BR1_TEST_ROOM


async def api_with_test_room(cfg: Any, sessions: Any, aiohttp_client: Any) -> Api:
    api = await make_api(aiohttp_client, cfg, sessions)
    await add_br1_test_room(sessions)
    return api


def sent_rooms(api: Api) -> list[str]:
    return [record["room_id"] for record in api.client.app[keys.SENDER].sent]


async def test_send_now_goes_to_the_target_room_and_keeps_the_next_send(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await api_with_test_room(cfg, sessions, aiohttp_client)
    created = await api.create()
    path = f"/api/schedules/{created['id']}"

    status, body = await api.call("POST", f"{path}/send")
    assert status == 200, body
    assert body == {
        "id": created["id"],
        "kind": "manual",
        "room_id": BR1_ROOM,
        "status": "success",
        "error": None,
        "starts_in_s": None,
    }
    assert sent_rooms(api) == [BR1_ROOM]
    async with sessions() as s:
        [log] = list(await s.scalars(select(ScheduleLog)))
        kinds = list(await s.scalars(select(Occurrence.kind)))
    assert (log.status, log.target_room_id, log.sent_message_text) == (
        "success",
        BR1_ROOM,
        "이번 주 특가 상품을 안내드립니다.",
    )
    assert kinds == ["manual"]
    status, after = await api.call("GET", path)
    assert after["next_send_at"] == created["next_send_at"]
    assert after["send_count"] == 1 and after["last_sent_at"] is not None

    status, body = await api.call("POST", f"{path}/send", who="BR2")  # another branch
    assert status == 404 and "권한" in body["error"]["message"]
    status, body = await api.call("POST", "/api/schedules/999/send")
    assert status == 404
    async with sessions.begin() as s:
        await s.execute(update(Room).where(Room.chat_id == BR1_ROOM).values(active=False))
    status, body = await api.call("POST", f"{path}/send")
    assert status == 409 and body["error"]["field"] == "target_room_id"
    assert sent_rooms(api) == [BR1_ROOM]  # nothing more was sent


async def test_test_send_goes_to_the_given_room_or_the_schedules_test_room(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await api_with_test_room(cfg, sessions, aiohttp_client)
    created = await api.create()
    path = f"/api/schedules/{created['id']}/test"

    status, body = await api.call("POST", path)  # no body, no test room on the schedule
    assert status == 422 and body["error"]["field"] == "test_room"
    status, body = await api.call("POST", path, json={"test_room": "강남지점 테스트방"})
    assert status == 200, body
    assert (body["kind"], body["room_id"], body["status"]) == ("test", TEST_ROOM, "success")
    assert sent_rooms(api) == [TEST_ROOM]

    status, body = await api.call("POST", path, json={"test_room": ROOMS["BR2"]})
    assert (status, body["error"]["field"]) == (422, "test_room")  # another branch's room
    assert "다룰 권한이 없는 방" in body["error"]["message"]
    status, body = await api.call("POST", path, json={"test_room": "999"})
    assert status == 422 and body["error"]["field"] == "test_room"
    status, body = await api.call("POST", path, json={"room": TEST_ROOM})
    assert status == 422 and body["error"]["field"] == "room"
    status, body = await api.call("POST", path, json=["x"])
    assert status == 422
    status, body = await api.call(
        "POST", path, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert sent_rooms(api) == [TEST_ROOM]

    async with sessions() as s:
        row = await s.get(Schedule, created["id"])
        kinds = list(await s.scalars(select(Occurrence.kind)))
    assert row is not None and row.send_count == 0  # a test is not a send of the schedule
    assert kinds == ["test"]


async def test_deleting_a_schedule_does_not_give_its_room_the_sends_back(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    """The room limits count from the room ledger, which outlives the schedules: a room at its
    daily limit stays there when its schedule is deleted and another one is created."""
    limited = cfg.scheduler.model_copy(update={"room_daily_limit": 1, "room_min_interval_s": 0})
    api = await make_api(aiohttp_client, cfg.model_copy(update={"scheduler": limited}), sessions)
    first = await api.create()
    status, body = await api.call("POST", f"/api/schedules/{first['id']}/send")
    assert (status, body["status"]) == (200, "success")
    status, body = await api.call("POST", f"/api/schedules/{first['id']}/send")
    assert body["status"] == "failed" and "room_daily_limit 1회" in body["error"]

    status, _ = await api.call("DELETE", f"/api/schedules/{first['id']}")
    assert status == 200
    second = await api.create(title="다시 만든 공지")
    status, body = await api.call("POST", f"/api/schedules/{second['id']}/send")
    assert body["status"] == "failed" and "room_daily_limit 1회" in body["error"], body
    status, _ = await api.call("PUT", f"/api/schedules/{second['id']}", json={"title": "수정"})
    assert status == 200
    status, body = await api.call("POST", f"/api/schedules/{second['id']}/send")
    assert body["status"] == "failed"
    assert sent_rooms(api) == [BR1_ROOM]  # one send in all
