"""Helpers for the REST API tests: the real app over ``build_world`` with a token per admin,
and a client wrapper that checks every ``/api/`` response against ``GET /api/openapi.json``
(a small structural checker: ``$ref``, ``anyOf``, ``type``, ``enum``, ``required``,
``properties``, ``additionalProperties: false``, ``items``)."""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image as PILImage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage import tokens
from storage.models import ScheduleLog
from tests.support.command_world import BR1_ROOM, START, USERS, build_world
from tests.support.fakes import FakeClock

TOKEN_HOLDERS = ("HQ", "AG1", "BR1", "BR2")
MAX_BODY = 64 * 1024
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def check(schema: dict[str, Any], value: Any, spec: dict[str, Any], where: str = "$") -> None:
    """Raise AssertionError when ``value`` does not fit ``schema``."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return check(spec["components"]["schemas"][name], value, spec, where)
    if "anyOf" in schema:
        problems = []
        for option in schema["anyOf"]:
            try:
                return check(option, value, spec, where)
            except AssertionError as problem:
                problems.append(str(problem))
        raise AssertionError(f"{where}: no anyOf branch fits: {problems}")
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        fits = any(
            isinstance(value, _TYPES[k]) and not (isinstance(value, bool) and k != "boolean")
            for k in kinds
        )
        assert fits, f"{where}: {value!r} is not {kinds}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        missing = set(schema.get("required", ())) - set(value)
        assert not missing, f"{where}: missing {sorted(missing)}"
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{where}: undocumented {sorted(extra)}"
        for key, sub in properties.items():
            if key in value:
                check(sub, value[key], spec, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(schema["items"], item, spec, f"{where}[{index}]")
    return None


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, item in spec["paths"].items():
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def conform(spec: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    responses = operation(spec, method, path)["responses"]
    response = responses.get(str(status), responses.get("default"))
    assert response is not None, f"{method} {path}: status {status} is not documented"
    schema = response["content"]["application/json"]["schema"]
    check(schema, body, spec)


@dataclass
class Api:
    client: TestClient
    sessions: async_sessionmaker[AsyncSession]
    tokens: dict[str, str]
    spec: dict[str, Any]

    def auth(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    async def call(
        self, method: str, path: str, who: str | None = "BR1", **kwargs: Any
    ) -> tuple[int, Any]:
        """Status and JSON body; the body is checked against the OpenAPI document."""
        headers = self.auth(who) | kwargs.pop("headers", {})
        response = await self.client.request(method, path, headers=headers, **kwargs)
        assert response.content_type == "application/json", await response.text()
        body = await response.json()
        conform(self.spec, method, path.split("?")[0], response.status, body)
        return response.status, body

    async def create(self, who: str = "BR1", **changes: Any) -> dict[str, Any]:
        status, body = await self.call("POST", "/api/schedules", who, json=weekly(**changes))
        assert status == 201, body
        return body

    async def upload(self, seed: int, who: str = "BR1") -> int:
        form = FormData()
        form.add_field("file", picture(seed), filename=f"p{seed}.png", content_type="image/png")
        status, body = await self.call("POST", "/api/images", who, data=form)
        assert status == 201, body
        return int(body["id"])

    async def add_logs(self, *logs: dict[str, Any]) -> None:
        async with self.sessions.begin() as s:
            for values in logs:
                scheduled_at: datetime = values["scheduled_at"]
                s.add(ScheduleLog(started_at=scheduled_at, **values))


async def raw_get(client: TestClient, path: str, header_lines: bytes) -> tuple[int, Any]:
    """GET with header bytes exactly as given (aiohttp's client only sends valid UTF-8):
    the status and the JSON body."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"GET "
        + path.encode()
        + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        + header_lines
        + b"\r\n\r\n"
    )
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def weekly(**changes: Any) -> dict[str, Any]:
    """A valid create body for BR1's room, with ``changes``; a value None drops the key."""
    body: dict[str, Any] = {
        "title": "주간 특가",
        "target_room_id": BR1_ROOM,
        "message_text": "이번 주 특가 상품을 안내드립니다.",
        "schedule_type": "weekly",
        "schedule_time": "09:30",
        "schedule_weekdays": ["monday", "friday"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def picture(seed: int) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (16, 12), (seed * 40 % 256, 90, 120)).save(buf, format="PNG")
    return buf.getvalue()


async def make_api(
    aiohttp_client: Any,
    cfg: Config,
    sessions: Any,
    clock: FakeClock | None = None,
    *,
    scheduler: bool = False,
) -> Api:
    """``build_world``'s orgs, rooms and admins; tokens for HQ, AG1, BR1 and BR2; the app with
    its scheduler off (on with ``scheduler``) on a fake clock at ``START`` (Thursday
    2026-11-26 09:12 in Seoul), or on ``clock``."""
    await build_world(sessions)
    plain: dict[str, str] = {}
    async with sessions.begin() as s:
        for who in TOKEN_HOLDERS:
            _, plain[who] = await tokens.create_token(
                s, kakao_user_id=USERS[who], name="t", at=START, actor="test"
            )
    quiet = cfg.scheduler.model_copy(update={"enabled": scheduler and cfg.scheduler.enabled})
    server = cfg.server.model_copy(update={"max_body_bytes": MAX_BODY})
    app = await init_app(
        cfg.model_copy(update={"scheduler": quiet, "server": server}),
        clock=clock or FakeClock(START),
    )
    client = await aiohttp_client(app)
    spec = await (await client.get("/api/openapi.json")).json()
    return Api(client, sessions, plain, spec)
