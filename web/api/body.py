"""The JSON request body of the REST API: UTF-8 JSON of at most ``server.max_body_bytes``
(413 beyond, from aiohttp) whose arrays and objects nest at most ``MAX_DEPTH`` deep. The
nesting is measured before decoding, so no body can make ``json.loads`` or pydantic recurse
without end; every request body of the API nests two levels at most."""

from __future__ import annotations

from aiohttp import web

from core.bounded_json import TooDeep, loads
from web.api.errors import api_error

MAX_DEPTH = 8


async def json_body(request: web.Request) -> object:
    """The decoded body; 400 ``too_deep`` or ``bad_json`` when it cannot be."""
    raw = await request.read()  # 413 beyond server.max_body_bytes
    try:
        return loads(raw, MAX_DEPTH)
    except TooDeep:
        raise api_error(
            400,
            "too_deep",
            f"요청 본문의 JSON이 너무 깊게 중첩되어 있습니다. 배열과 객체는 {MAX_DEPTH}단계까지만 "
            "넣을 수 있습니다.",
        ) from None
    except ValueError:  # also UnicodeDecodeError
        raise api_error(400, "bad_json", "요청 본문이 올바른 JSON이 아닙니다.") from None
