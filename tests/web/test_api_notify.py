"""``notify`` (알림) through ``/api/schedules`` on both backends: in and out of the JSON, its
default, a campaign's rows, OpenAPI, and a 422 naming the field for a bad value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from tests.support.api import conform, make_api, weekly
from tests.support.command_world import count


async def stored(sessions: Any) -> dict[int, str | None]:
    async with sessions() as s:
        found = await s.execute(select(ScheduleMeta.schedule_id, ScheduleMeta.notify))
        return {row.schedule_id: row.notify for row in found.all()}


async def test_notify_round_trips(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    plain = await api.create()
    assert plain["notify"] == "failures"  # the default, stored as NULL
    created = await api.create(notify="all")
    conform(api.spec, "POST", "/api/schedules", 201, created)
    assert created["notify"] == "all"
    assert await stored(sessions) == {plain["id"]: None, created["id"]: "all"}
    path = f"/api/schedules/{created['id']}"
    status, changed = await api.call("PUT", path, json={"notify": "off"})
    assert status == 200 and changed["notify"] == "off", changed
    status, fetched = await api.call("GET", path)
    assert status == 200 and fetched["notify"] == "off"
    status, listed = await api.call("GET", "/api/schedules")
    assert {row["id"]: row["notify"] for row in listed["schedules"]} == {
        plain["id"]: "failures",
        created["id"]: "off",
    }


async def test_a_stored_value_kbot_does_not_know_reads_as_failures(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create()
    async with sessions.begin() as s:
        meta = await s.get(ScheduleMeta, created["id"])
        meta.notify = "<b>x"
    status, fetched = await api.call("GET", f"/api/schedules/{created['id']}")
    assert status == 200 and fetched["notify"] == "failures"


async def test_a_campaign_sets_notify_on_every_row(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    body = weekly(target_room_id=None, target_org="AG1", notify="all")
    status, created = await api.call("POST", "/api/schedules", "AG1", json=body)
    assert status == 201, created
    assert {row["notify"] for row in created["schedules"]} == {"all"}
    assert set((await stored(sessions)).values()) == {"all"}


async def test_a_bad_notify_is_422_naming_the_field(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    for bad in ("sometimes", "모두", 1, ""):
        status, answer = await api.call("POST", "/api/schedules", json=weekly(notify=bad))
        assert (status, answer["error"]["field"]) == (422, "notify"), answer
    assert await count(sessions, Schedule) == 0
    created = await api.create()
    path = f"/api/schedules/{created['id']}"
    status, answer = await api.call("PUT", path, json={"notify": "never"})
    assert (status, answer["error"]["field"]) == (422, "notify")
    schemas = api.spec["components"]["schemas"]
    assert "off" in str(schemas["ScheduleCreateInput"]["properties"]["notify"])
    assert schemas["Schedule"]["properties"]["notify"]["enum"] == ["failures", "all", "off"]
