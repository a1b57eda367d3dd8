"""Campaigns through ``POST /api/schedules`` on SQLite and MariaDB: ``target_org`` or
``target_room_ids`` make one schedule per room, answered with the campaign's id; exactly one
kind of target is accepted; every schedule says which campaign it belongs to. Responses are
checked against the OpenAPI document by ``Api.call``."""

from __future__ import annotations

from typing import Any

from storage.kbot_models import Campaign
from storage.models import Schedule
from tests.support.api import make_api, weekly
from tests.support.command_world import BR1_ROOM, ROOMS, count

AG1_ROOMS = {ROOMS["AG1"], ROOMS["BR1"], ROOMS["BR2"]}  # live rooms of AG1 and below


async def test_org_and_listed_rooms_make_campaigns(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    body = weekly(target_room_id=None, target_org="AG1")
    status, created = await api.call("POST", "/api/schedules", "AG1", json=body)
    assert status == 201, created
    assert created["rooms"] == 3 and len(created["schedules"]) == 3
    campaign_id = created["campaign_id"]
    assert {row["target_room_id"] for row in created["schedules"]} == AG1_ROOMS
    assert {row["campaign_id"] for row in created["schedules"]} == {campaign_id}
    assert {row["title"] for row in created["schedules"]} == {"주간 특가"}

    body = weekly(target_room_id=None, target_room_ids=[BR1_ROOM, "BR2 공지방"])
    status, listed = await api.call("POST", "/api/schedules", "AG1", json=body)
    assert status == 201 and listed["rooms"] == 2
    assert listed["campaign_id"] != campaign_id
    assert await count(sessions, Campaign) == 2 and await count(sessions, Schedule) == 5

    # a single schedule still answers as one, with no campaign
    single = await api.create()
    assert single["campaign_id"] is None
    row_id = created["schedules"][0]["id"]
    status, fetched = await api.call("GET", f"/api/schedules/{row_id}", "AG1")
    assert status == 200 and fetched["campaign_id"] == campaign_id
    # PUT stays per row
    row_path = f"/api/schedules/{listed['schedules'][0]['id']}"
    status, changed = await api.call("PUT", row_path, "AG1", json={"title": "한 방만"})
    assert status == 200 and changed["title"] == "한 방만"
    assert changed["campaign_id"] == listed["campaign_id"]


async def test_targets_are_exactly_one_kind_and_refusals_create_nothing(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    status, both = await api.call("POST", "/api/schedules", json=weekly(target_org="AG1"))
    assert status == 422 and both["error"]["field"] == "target_org"
    status, none = await api.call("POST", "/api/schedules", json=weekly(target_room_id=None))
    assert status == 422 and none["error"]["field"] == "target_room_id"
    status, empty = await api.call(
        "POST", "/api/schedules", json=weekly(target_room_id=None, target_room_ids=[])
    )
    assert status == 422 and empty["error"]["field"] == "target_room_ids"

    # BR1's admin cannot reach AG1's rooms: nothing is created
    status, refused = await api.call(
        "POST", "/api/schedules", json=weekly(target_room_id=None, target_org="AG1")
    )
    assert status in (403, 422), refused
    assert await count(sessions, Schedule) == 0 and await count(sessions, Campaign) == 0
