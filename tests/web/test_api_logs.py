"""Send logs, rooms and statistics through the real API on SQLite and MariaDB, with the numbers
checked against log rows the test inserts; every response is checked against the OpenAPI
document by ``Api.call``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.api import Api, make_api
from tests.support.command_world import BR1_ROOM, ROOMS

UNREGISTERED = "555000000000000"


async def seeded(aiohttp_client: Any, cfg: Any, sessions: Any) -> tuple[Api, int, int]:
    """Schedule A in BR1's room, B in BR3's, and nine log rows around the 7-day window
    (today is 2026-11-26 in Seoul)."""
    api = await make_api(aiohttp_client, cfg, sessions)
    a = (await api.create("HQ"))["id"]
    b = (await api.create("HQ", target_room_id=ROOMS["BR3"]))["id"]

    def log(schedule_id: int, room: str, when: str, status: str) -> dict[str, Any]:
        return {
            "schedule_id": schedule_id,
            "target_room_id": room,
            "scheduled_at": datetime.fromisoformat(when),
            "status": status,
            "sent_message_text": "안내",
            "send_order": "text_first",
        }

    await api.add_logs(
        log(a, BR1_ROOM, "2026-11-19 09:00", "failed"),  # outside a 7-day window
        log(a, BR1_ROOM, "2026-11-20 09:00", "success"),
        log(a, BR1_ROOM, "2026-11-24 09:00", "partial"),
        log(a, BR1_ROOM, "2026-11-25 09:00", "failed"),
        log(a, BR1_ROOM, "2026-11-25 10:00", "success"),
        log(a, BR1_ROOM, "2026-11-26 09:00", "success"),
        log(b, ROOMS["BR3"], "2026-11-26 08:00", "success"),
        log(b, ROOMS["BR3"], "2026-11-26 08:30", "failed"),
        log(a, UNREGISTERED, "2026-11-26 07:00", "success"),
    )
    return api, a, b


async def logs(api: Api, query: str, who: str = "HQ") -> tuple[int, list[str], list[int]]:
    status, body = await api.call("GET", f"/api/logs/send?{query}", who)
    assert status == 200, body
    return (
        body["total"],
        [item["scheduled_at"] for item in body["logs"]],
        [item["id"] for item in body["logs"]],
    )


async def test_send_logs_filters_pagination_and_visibility(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api, a, b = await seeded(aiohttp_client, cfg, sessions)
    total, _, ids = await logs(api, "per_page=100")
    assert total == 9 and ids == sorted(ids, reverse=True)
    assert (await logs(api, "page=2&per_page=4"))[2] == ids[4:8]
    assert (await logs(api, "page=3&per_page=4"))[2] == ids[8:]
    assert (await logs(api, "page=4&per_page=4"))[:2] == (9, [])

    # BR1 may see schedule A: all its rows, also the one sent to the unregistered room
    assert (await logs(api, "per_page=100", "BR1"))[0] == 7
    assert (await logs(api, "per_page=100", "AG1"))[0] == 7
    assert (await logs(api, "per_page=100", "BR2"))[0] == 0
    assert (await logs(api, f"room={ROOMS['BR3']}", "BR1"))[0] == 0
    assert (await logs(api, f"room={UNREGISTERED}"))[0] == 1
    total, times, _ = await logs(api, "status=failed", "BR1")
    assert (total, times) == (2, ["2026-11-25T09:00:00+09:00", "2026-11-19T09:00:00+09:00"])
    total, times, _ = await logs(api, "date_from=2026-11-25&date_to=2026-11-25", "BR1")
    assert (total, sorted(times)) == (
        2,
        ["2026-11-25T09:00:00+09:00", "2026-11-25T10:00:00+09:00"],
    )
    assert (await logs(api, "date_from=2026-11-26&status=success"))[0] == 3
    assert (await logs(api, f"schedule_id={b}"))[0] == 2
    status, body = await api.call("GET", f"/api/logs/send?per_page=1&room={BR1_ROOM}", "BR1")
    entry = body["logs"][0]
    assert entry["schedule_id"] == a and entry["target_room_id"] == BR1_ROOM
    assert (entry["status"], entry["sent_message_text"]) == ("success", "안내")
    for query, field in [
        ("status=ok", "status"),
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("schedule_id=0", "schedule_id"),
        ("per_page=1000", "per_page"),
        ("date_to=9999-12-31", "date_to"),  # the day after does not fit a date
        ("date_from=0001-01-01", "date_from"),
        ("date_from=20261126", "date_from"),  # ISO 8601, but not the documented format
        ("date_to=2026-W48-4", "date_to"),
        ("status=", "status"),  # given empty is not left out
        ("date_from=", "date_from"),
        ("schedule_id=", "schedule_id"),
        ("page=" + "9" * 5000, "page"),  # int() refuses more than 4,300 digits
        ("room=" + "x" * 100 + "%20", "room"),  # the length counts before spaces are trimmed
    ]:
        status, body = await api.call("GET", f"/api/logs/send?{query}", "BR1")
        assert (status, body["error"]["code"], body["error"]["field"]) == (
            400,
            "invalid_parameter",
            field,
        )


async def test_schedule_logs(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api, a, b = await seeded(aiohttp_client, cfg, sessions)
    status, body = await api.call("GET", f"/api/schedules/{a}/logs?per_page=2", "BR1")
    assert (status, body["total"], len(body["logs"])) == (200, 7, 2)
    assert {entry["schedule_id"] for entry in body["logs"]} == {a}
    status, body = await api.call("GET", f"/api/schedules/{a}/logs?status=partial", "BR1")
    assert [entry["scheduled_at"] for entry in body["logs"]] == ["2026-11-24T09:00:00+09:00"]
    status, body = await api.call("GET", f"/api/schedules/{b}/logs", "BR1")
    assert (status, body["error"]["code"]) == (404, "not_found")  # not told it exists
    status, body = await api.call("GET", f"/api/schedules/{b}/logs", "HQ")
    assert (status, body["total"]) == (200, 2)
    status, body = await api.call("GET", "/api/schedules/424242/logs", "HQ")
    assert status == 404
    status, body = await api.call("GET", "/api/schedules/" + "9" * 5000 + "/logs", "HQ")
    assert (status, body["error"]["field"]) == (404, "id")


async def test_stats_per_room(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api, _, _ = await seeded(aiohttp_client, cfg, sessions)
    status, body = await api.call("GET", "/api/stats", "HQ")
    assert status == 200
    assert (body["days"], body["date_from"], body["date_to"]) == (7, "2026-11-20", "2026-11-26")
    rooms = {room["target_room_id"]: room for room in body["rooms"]}
    assert set(rooms) == {*ROOMS.values(), UNREGISTERED}
    br1 = rooms[BR1_ROOM]
    assert (br1["total"], br1["success"], br1["failed"], br1["partial"]) == (5, 3, 1, 1)
    assert br1["success_rate"] == 0.6
    assert br1["name"] == "도매까 강남지점 공지방"
    days = {day["date"]: day for day in br1["per_day"]}
    assert list(days) == [f"2026-11-{d}" for d in range(20, 27)]
    assert (days["2026-11-25"]["total"], days["2026-11-25"]["success"]) == (2, 1)
    assert days["2026-11-24"]["partial"] == 1 and days["2026-11-23"]["total"] == 0
    assert (rooms[ROOMS["BR3"]]["total"], rooms[ROOMS["BR3"]]["success_rate"]) == (2, 0.5)
    assert (rooms[UNREGISTERED]["name"], rooms[UNREGISTERED]["total"]) == (None, 1)
    assert (rooms[ROOMS["BR2"]]["total"], rooms[ROOMS["BR2"]]["success_rate"]) == (0, None)

    status, body = await api.call("GET", "/api/stats?days=1", "BR1")
    # the unregistered room: schedule A's send there is BR1's to see
    assert [room["target_room_id"] for room in body["rooms"]] == [BR1_ROOM, UNREGISTERED]
    only = body["rooms"][0]
    assert (only["total"], only["success_rate"], len(only["per_day"])) == (1, 1.0, 1)
    status, body = await api.call("GET", "/api/stats?days=8", "BR1")
    assert body["rooms"][0]["total"] == 6
    for days_value in ("0", "367", "x", "", "9" * 5000):
        status, body = await api.call("GET", f"/api/stats?days={days_value}", "BR1")
        assert (status, body["error"]["field"]) == (400, "days")


async def test_rooms_are_scoped(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)

    async def chat_ids(who: str) -> list[str]:
        status, body = await api.call("GET", "/api/rooms", who)
        assert status == 200
        return [room["chat_id"] for room in body["rooms"]]

    assert await chat_ids("BR1") == [BR1_ROOM]
    assert sorted(await chat_ids("AG1")) == sorted(ROOMS[c] for c in ("AG1", "BR1", "BR2"))
    assert sorted(await chat_ids("HQ")) == sorted(ROOMS.values())
    _, body = await api.call("GET", "/api/rooms", "BR1")
    room = body["rooms"][0]
    assert (room["org_code"], room["room_type"], room["active"]) == ("BR1", "live", True)
