"""``/api/schedules`` through the real app with real tokens, on SQLite and MariaDB: CRUD with
the seed's field names, the chat's validation as 422s naming the JSON field, 401/403/404,
toggle, and the OpenAPI document against the routes and every response."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from tests.support.api import MAX_BODY, conform, make_api, raw_get, weekly
from tests.support.command_world import BR1_ROOM, ROOMS, count


async def test_crud_with_seed_field_names(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create(
        schedule_weekdays="monday,friday",
        valid_from="2026-11-26T00:00:00Z",  # 09:00 in Seoul
        valid_until="2027-06-30",
        send_interval_seconds=3,
    )
    assert created["title"] == "주간 특가"
    assert created["target_room_id"] == BR1_ROOM
    assert created["target_room_type"] == "live"
    assert (created["created_by_type"], created["created_by_id"]) == ("branch", "BR1")
    assert created["created_by_mb_id"] == "br1"
    assert created["schedule_weekdays"] == ["monday", "friday"]
    assert created["schedule_time"] == "09:30:00"
    assert created["schedule_date"] is None
    assert created["valid_from"] == "2026-11-26T09:00:00+09:00"
    assert created["valid_until"] == "2027-06-30T23:59:59+09:00"
    assert created["next_send_at"] == "2026-11-27T09:30:00+09:00"  # the next Friday
    assert (created["status"], created["send_interval_seconds"]) == ("active", 3)
    assert created["message_images"] is None
    assert (created["image_ids"], created["test_room"]) == ([], None)
    # written by kbot in the configured zone: the fake clock's 09:12 in Seoul, not 00:12 UTC
    assert created["created_at"] == created["updated_at"] == "2026-11-26T09:12:00+09:00"
    path = f"/api/schedules/{created['id']}"

    status, fetched = await api.call("GET", path)
    assert status == 200 and fetched == created
    status, listed = await api.call("GET", "/api/schedules")
    assert status == 200 and listed["total"] == 1
    assert listed["schedules"] == [created]

    status, changed = await api.call(
        "PUT", path, json={"title": "변경된 제목", "schedule_weekdays": ["tuesday"]}
    )
    assert status == 200, changed
    assert changed["title"] == "변경된 제목"
    assert changed["schedule_weekdays"] == ["tuesday"]
    assert changed["message_text"] == created["message_text"]  # not given: unchanged
    assert changed["next_send_at"] == "2026-12-01T09:30:00+09:00"
    async with sessions() as s:
        row = await s.get(Schedule, created["id"])
        assert row is not None and row.schedule_weekdays == frozenset({"tuesday"})
        meta = await s.get(ScheduleMeta, created["id"])
        assert meta is not None and not meta.notify_room_id  # alerts: the ops room only

    status, body = await api.call("DELETE", path)
    assert (status, body) == (
        200,
        {"deleted": True, "id": created["id"], "archived_logs": 0, "archive_files": []},
    )
    status, body = await api.call("GET", path)
    assert status == 404 and body["error"]["field"] == "id"
    assert await count(sessions, Schedule) == 0


async def test_images_are_stored_in_the_given_order(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    first, second = await api.upload(1), await api.upload(2)
    created = await api.create(image_ids=[second, first], send_order="images_first")
    images = created["message_images"]["images"]
    assert [image["id"] for image in images] == [second, first]
    assert set(images[0]) == {
        "id",
        "filename",
        "original_name",
        "file_path",
        "file_url",
        "file_size",
        "mime_type",
        "upload_date",
    }
    path = f"/api/schedules/{created['id']}"
    status, body = await api.call("PUT", path, json={"image_ids": [], "send_order": "text_only"})
    assert status == 200 and body["message_images"] is None
    status, body = await api.call("PUT", path, json={"image_ids": [first]})
    assert status == 200 and [i["id"] for i in body["message_images"]["images"]] == [first]


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("time out of range", weekly(schedule_time="25:00"), "schedule_time"),
    ("time not a time", weekly(schedule_time="아침"), "schedule_time"),
    ("weekly without weekdays", weekly(schedule_weekdays=None), "schedule_weekdays"),
    ("weekday word", weekly(schedule_weekdays="월,funday"), "schedule_weekdays"),
    ("weekday in a list", weekly(schedule_weekdays=["monday", "mon"]), "schedule_weekdays.1"),
    (
        "until before from",
        weekly(valid_from="2027-01-10 00:00", valid_until="2027-01-01 00:00"),
        "valid_until",
    ),
    ("text too long", weekly(message_text="가" * 1001), "message_text"),
    ("no text", weekly(message_text=None), "message_text"),
    ("unknown image", weekly(image_ids=[999]), "image_ids"),
    ("image id zero", weekly(image_ids=[0]), "image_ids.0"),
    ("images_only without images", weekly(send_order="images_only"), "image_ids"),
    ("unknown field", weekly(colour="red"), "colour"),
    ("seed image json", weekly(message_images={"images": []}), "message_images"),
    ("schedule type", weekly(schedule_type="yearly"), "schedule_type"),
    ("status", weekly(status="completed"), "status"),
    ("interval", weekly(send_interval_seconds=61), "send_interval_seconds"),
    ("interval type", weekly(send_interval_seconds="abc"), "send_interval_seconds"),
    ("no title", weekly(title=None), "title"),
    ("title too long", weekly(title="x" * 256), "title"),
    ("no room", weekly(target_room_id=None), "target_room_id"),
    ("unregistered room", weekly(target_room_id="999"), "target_room_id"),
    ("no time", weekly(schedule_time=None), "schedule_time"),
    ("no type", weekly(schedule_type=None), "schedule_type"),
    ("once without date", weekly(schedule_type="once"), "schedule_date"),
    ("once in the past", weekly(schedule_type="once", schedule_date="2026-11-25"), "schedule_date"),
    ("bad date", weekly(schedule_type="once", schedule_date="2026-02-30"), "schedule_date"),
    ("bad datetime", weekly(valid_from="soon"), "valid_from"),
    (
        "once at a time with an offset",  # was a 500: aware and naive datetimes compared
        weekly(schedule_type="once", schedule_date="2026-12-01", schedule_time="09:30:00+09:00"),
        "schedule_time",
    ),
    ("time in UTC", weekly(schedule_time="09:30Z"), "schedule_time"),
    ("time with a fraction", weekly(schedule_time="09:30:00.5"), "schedule_time"),
    ("time as a number", weekly(schedule_time=930), "schedule_time"),
    ("from in year 1", weekly(valid_from="0001-01-01T00:00:00+09:00"), "valid_from"),
    ("from in year 9999", weekly(valid_from="9999-12-31"), "valid_from"),
    ("until in year 9999", weekly(valid_until="9999-12-31T23:59:59-09:00"), "valid_until"),
    ("from as a timestamp", weekly(valid_from=0), "valid_from"),
    ("from without a dash", weekly(valid_from="20261201"), "valid_from"),
    ("until on 31 November", weekly(valid_until="2026-11-31"), "valid_until"),
    (
        "date in year 2100",
        weekly(schedule_type="once", schedule_date="2100-01-01"),
        "schedule_date",
    ),
    ("blank title", weekly(title="   "), "title"),
    ("blank room", weekly(target_room_id="\u3000"), "target_room_id"),
    ("description too long", weekly(description="가" * 1001), "description"),
    ("interval as text", weekly(send_interval_seconds="5"), "send_interval_seconds"),
    ("interval as a boolean", weekly(send_interval_seconds=True), "send_interval_seconds"),
    ("image id as text", weekly(image_ids=["1"]), "image_ids.0"),
    ("too many images", weekly(image_ids=list(range(1, 12))), "image_ids"),
    ("weekday text too long", weekly(schedule_weekdays="월" * 101), "schedule_weekdays"),
    ("no weekday in the list", weekly(schedule_weekdays=[]), "schedule_weekdays"),
    ("null title", {**weekly(), "title": None}, "title"),
    ("null schedule type", {**weekly(), "schedule_type": None}, "schedule_type"),
]


async def test_validation_errors_name_the_json_field(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    wrong: list[tuple[str, Any, Any]] = []
    for label, body, field in BAD_BODIES:
        status, answer = await api.call("POST", "/api/schedules", json=body)
        error = answer.get("error") or {"code": None, "field": None}
        if (status, error["code"], error["field"]) != (422, "invalid", field):
            wrong.append((label, status, error))
        elif not re.search("[가-힣]", error["message"]):
            wrong.append((label, "message not Korean", error["message"]))
    assert not wrong
    assert await count(sessions, Schedule) == 0
    created = await api.create()
    path = f"/api/schedules/{created['id']}"
    status, answer = await api.call("PUT", path, json={"schedule_time": "9시 99분"})
    assert (status, answer["error"]["field"]) == (422, "schedule_time")
    status, answer = await api.call("PUT", path, json={"schedule_weekdays": []})
    assert (status, answer["error"]["field"]) == (422, "schedule_weekdays")
    once = {"schedule_type": "once", "schedule_date": "2026-12-01", "schedule_time": "10:00+09:00"}
    status, answer = await api.call("PUT", path, json=once)
    assert (status, answer["error"]["field"]) == (422, "schedule_time")
    assert "시간대" in answer["error"]["message"]
    status, fetched = await api.call("GET", path)
    assert fetched == created  # nothing saved by the failed edits


async def test_malformed_bodies(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    status, body = await api.call("POST", "/api/schedules", data=b"{not json")
    assert (status, body["error"]["code"]) == (400, "bad_json")
    status, body = await api.call("POST", "/api/schedules", json=[1, 2])
    assert status == 422
    status, body = await api.call(
        "POST", "/api/schedules", json=weekly(message_text="가" * MAX_BODY)
    )
    assert (status, body["error"]["code"]) == (413, "too_large")
    assert await count(sessions, Schedule) == 0
    created = await api.create()
    deep = "[" * 30_000 + "]" * 30_000  # RecursionError in json.loads at about 1,000
    nested = {
        "deep array": (deep, "too_deep"),
        "deep in a field": ('{"title": ' * 5_000 + '"x"' + "}" * 5_000, "too_deep"),
        "one level too deep": (json.dumps(weekly(image_ids=[[[[[[[[1]]]]]]]])), "too_deep"),
        "deep and unbalanced": ("[" * 30_000 + "}" * 30_000, "too_deep"),
        "unbalanced": ('{"title": [}', "bad_json"),
    }
    for label, (text, code) in nested.items():
        for method, path in (
            ("POST", "/api/schedules"),
            ("PUT", f"/api/schedules/{created['id']}"),
        ):
            status, body = await api.call(method, path, data=text.encode())
            assert (status, body["error"]["code"]) == (400, code), (label, method)
    status, body = await api.call("POST", f"/api/schedules/{created['id']}/test", data=deep)
    assert (status, body["error"]["code"]) == (400, "too_deep")
    status, body = await api.call(
        "POST", "/api/schedules", json=weekly(image_ids=[[[[[[[1]]]]]]])
    )  # eight levels: parsed, and refused by the model
    assert (status, body["error"]["field"]) == (422, "image_ids.0")
    assert await count(sessions, Schedule) == 1
    response = await api.client.patch("/api/schedules", headers=api.auth("BR1"))
    assert response.status == 405  # not in the document: no PATCH
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_tokens_are_required(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    paths = ["/api/schedules", "/api/schedules/1", "/api/logs/send", "/api/rooms", "/api/stats"]
    for path in paths:
        for headers in ({}, {"Authorization": "Bearer kbt_wrong"}, {"Authorization": "Basic x"}):
            response = await api.client.get(path, headers=headers)
            body = await response.json()
            assert response.status == 401, (path, headers)
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert body["error"]["field"] == "Authorization"
    status, _ = await api.call("POST", "/api/schedules", None, json=weekly())
    assert status == 401
    for token in (b"\xff\xfe", b"\xed\xa0\x80", "토큰".encode()):  # not UTF-8: was a 500
        status, body = await raw_get(api.client, "/api/rooms", b"Authorization: Bearer " + token)
        assert (status, body["error"]["field"]) == (401, "Authorization"), token
        conform(api.spec, "GET", "/api/rooms", status, body)
    assert await count(sessions, Schedule) == 0


async def test_permissions_follow_the_org_tree(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    mine = await api.create("BR1")
    theirs = await api.create("HQ", target_room_id=ROOMS["BR3"], title="BR3 공지")
    path = f"/api/schedules/{mine['id']}"
    for method, suffix, body in [
        ("GET", "", None),
        ("PUT", "", {"title": "남의 것"}),
        ("DELETE", "", None),
        ("POST", "/toggle", None),
        ("GET", "/logs", None),
    ]:
        status, answer = await api.call(method, path + suffix, "BR2", json=body)
        # another org's schedule is answered like a missing one: its id is not confirmed
        assert (status, answer["error"]["code"]) == (404, "not_found"), (method, suffix)
        assert "없거나 볼 권한이 없습니다" in answer["error"]["message"]
    status, missing = await api.call("GET", "/api/schedules/424242", "BR2")
    assert (status, missing["error"]["message"]) == (
        404,
        answer["error"]["message"].replace(str(mine["id"]), "424242"),
    )
    status, answer = await api.call("POST", "/api/schedules", "BR2", json=weekly())
    assert (status, answer["error"]["field"]) == (422, "target_room_id")  # BR1's room
    assert "다룰 권한이 없는 방" in answer["error"]["message"]
    status, answer = await api.call("PUT", path, "BR1", json={"target_room_id": ROOMS["BR2"]})
    assert status == 422  # moving it to a room outside BR1

    async def visible(who: str) -> list[int]:
        status, listed = await api.call("GET", "/api/schedules", who)
        assert status == 200
        return sorted(item["id"] for item in listed["schedules"])

    assert await visible("BR1") == [mine["id"]]
    assert await visible("BR2") == []
    assert await visible("AG1") == [mine["id"]]
    assert await visible("HQ") == [mine["id"], theirs["id"]]
    status, fetched = await api.call("GET", path, "AG1")
    assert status == 200 and fetched["title"] == mine["title"]
    for missing in ("/api/schedules/999999", "/api/schedules/abc", "/api/schedules/0"):
        status, answer = await api.call("GET", missing)
        assert (status, answer["error"]["code"], answer["error"]["field"]) == (
            404,
            "not_found",
            "id",
        )
    status, _ = await api.call("DELETE", "/api/schedules/999999")
    assert status == 404
    async with sessions() as s:
        assert (await s.get(Schedule, mine["id"])).title == "주간 특가"


async def test_toggle_and_list_filters(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create()
    other = await api.create(title="두 번째", schedule_type="daily", schedule_weekdays=None)
    toggle = f"/api/schedules/{created['id']}/toggle"
    status, off = await api.call("POST", toggle)
    assert (status, off["status"]) == (200, "inactive")
    status, listed = await api.call("GET", "/api/schedules?status=inactive")
    assert [item["id"] for item in listed["schedules"]] == [created["id"]]
    status, listed = await api.call("GET", "/api/schedules?status=active&per_page=1")
    assert (listed["total"], [i["id"] for i in listed["schedules"]]) == (1, [other["id"]])
    status, listed = await api.call("GET", "/api/schedules?page=2&per_page=1")
    assert (listed["total"], [i["id"] for i in listed["schedules"]]) == (2, [created["id"]])
    status, listed = await api.call("GET", f"/api/schedules?room={ROOMS['BR2']}")
    assert (status, listed["total"]) == (200, 0)
    status, on = await api.call("POST", toggle)
    assert (status, on["status"], on["next_send_at"]) == (200, "active", created["next_send_at"])
    async with sessions() as s:
        stored = await s.scalar(select(Schedule.status).where(Schedule.id == created["id"]))
    assert stored == "active"
    for query in ("status=done", "per_page=0", "per_page=101", "page=x"):
        status, answer = await api.call("GET", f"/api/schedules?{query}")
        assert (status, answer["error"]["field"]) == (400, query.split("=")[0])


async def test_toggle_on_without_a_send_left_is_a_conflict(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create(
        schedule_type="once", schedule_date="2026-11-26", schedule_time="10:00"
    )
    toggle = f"/api/schedules/{created['id']}/toggle"
    status, _ = await api.call("POST", toggle)
    assert status == 200
    async with sessions.begin() as s:  # the send time has passed meanwhile
        row = await s.get(Schedule, created["id"])
        assert row is not None
        row.schedule_time = row.schedule_time.replace(hour=9, minute=0)
        row.valid_until = row.valid_until.replace(hour=9, minute=0)
    status, answer = await api.call("POST", toggle)
    assert (status, answer["error"]["code"]) == (409, "conflict")
    assert answer["error"]["field"] == "valid_until"
