"""JSON responses as the contract promises them: UTF-8 with Korean as is, not ``\\uXXXX``."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import LooseHeaders

dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(
    data: Any, *, status: int = 200, headers: LooseHeaders | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=dumps)
