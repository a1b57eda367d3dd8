"""The schedule API's contract: the OpenAPI document lists the routes and the limits the
server enforces, odd values never cause a server error, input comes back as sent."""

from __future__ import annotations

import re
from typing import Any

from services.schedule_values import DESCRIPTION_MAX_LENGTH
from tests.support.api import make_api, weekly
from tests.support.command_world import ROOMS


async def test_openapi_lists_exactly_the_api_routes(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    documented = {
        (method.upper(), re.sub(r"\{[a-z_]+\}", "{}", path))
        for path, item in api.spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    routed = {
        (route.method, re.sub(r"\{[a-z_]+\}", "{}", route.resource.canonical))
        for route in api.client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method != "HEAD"
    }
    assert documented == routed
    assert api.spec["openapi"].startswith("3.1")
    schema = api.spec["components"]["schemas"]["ScheduleInput"]
    assert schema["additionalProperties"] is False
    assert "image_ids" in schema["properties"] and "message_images" not in schema["properties"]


async def test_openapi_states_the_limits_the_server_enforces(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    """The configured text and image limits, the fields a create needs, the id and paging
    bounds: as the document states them, so the server refuses them."""
    limits = cfg.model_copy(
        update={
            "scheduler": cfg.scheduler.model_copy(update={"max_text_length": 20}),
            "web": cfg.web.model_copy(update={"max_images_per_schedule": 2}),
        }
    )
    api = await make_api(aiohttp_client, limits, sessions)
    schemas = api.spec["components"]["schemas"]
    create, change = schemas["ScheduleCreateInput"], schemas["ScheduleInput"]
    # and a room: target_room_id, or a campaign's target_room_ids and/or target_org (the
    # server answers 422 naming the field for none or both kinds; tests/web/test_api_campaigns)
    assert create["required"] == ["title", "schedule_type", "schedule_time"]
    assert {"target_room_id", "target_room_ids", "target_org"} <= set(create["properties"])
    assert "required" not in change
    for schema in (create, change):
        fields = schema["properties"]
        assert {"type": "string", "maxLength": 20} in fields["message_text"]["anyOf"]
        [images] = [s for s in fields["image_ids"]["anyOf"] if s["type"] == "array"]
        assert images["maxItems"] == 2
        [text] = [s for s in fields["description"]["anyOf"] if s["type"] == "string"]
        assert text["maxLength"] == DESCRIPTION_MAX_LENGTH
    post = api.spec["paths"]["/api/schedules"]["post"]["requestBody"]["content"]
    assert post["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScheduleCreateInput"
    }
    [path_id] = api.spec["paths"]["/api/schedules/{id}"]["parameters"]
    assert (path_id["schema"]["minimum"], path_id["schema"]["maximum"]) == (1, 2**31 - 1)

    status, answer = await api.call("POST", "/api/schedules", json=weekly(message_text="가" * 21))
    assert (status, answer["error"]["field"]) == (422, "message_text")
    three = [await api.upload(seed) for seed in (1, 2, 3)]
    status, answer = await api.call("POST", "/api/schedules", json=weekly(image_ids=three))
    assert (status, answer["error"]["field"]) == (422, "image_ids")
    created = await api.create(message_text="가" * 20)
    assert created["message_text"] == "가" * 20


ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**63,
    1.5,
    True,
    "",
    " ",
    "x" * 300,
    "\u0000",
    "2026-02-30",
    "25:61",
    [],
    [None],
    [0, "1"],
    {"images": [1]},
]


async def test_odd_values_never_cause_a_server_error(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    """Every field of the input schema with odd JSON values (three per field, every value
    used), on create and on edit: only 2xx or a documented 4xx (Api.call checks the body
    against the document)."""
    api = await make_api(aiohttp_client, cfg, sessions)
    path = f"/api/schedules/{(await api.create())['id']}"
    fields = [*api.spec["components"]["schemas"]["ScheduleInput"]["properties"], "id"]
    statuses: set[int] = set()
    for index, field in enumerate(fields):
        for value in (ODD_VALUES[(3 * index + k) % len(ODD_VALUES)] for k in range(3)):
            status, _ = await api.call("POST", "/api/schedules", json={**weekly(), field: value})
            statuses.add(status)
            status, _ = await api.call("PUT", path, json={field: value})
            statuses.add(status)
    assert statuses <= {200, 201, 403, 422}
    assert {200, 201, 422} <= statuses


async def test_input_fields_come_back_and_korean_is_sent_as_is(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    first, second = await api.upload(1), await api.upload(2)
    created = await api.create(image_ids=[second, first], test_room=ROOMS["BR1"])
    assert (created["image_ids"], created["test_room"]) == ([second, first], ROOMS["BR1"])
    path = f"/api/schedules/{created['id']}"
    status, changed = await api.call("PUT", path, json={"test_room": "", "image_ids": []})
    assert (status, changed["image_ids"], changed["test_room"]) == (200, [], None)
    raw = await api.client.get(path, headers=api.auth("BR1"))
    body = await raw.read()
    assert "주간 특가".encode() in body and b"\\u" not in body  # UTF-8, not \uXXXX escapes
    status, error = await api.call("PUT", path, json={"send_order": "sideways"})
    assert status == 422 and " or " not in error["error"]["message"]
    assert "가능한 값: 'text_first', 'images_first'" in error["error"]["message"]
