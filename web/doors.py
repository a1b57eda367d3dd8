"""Which door a request came in through (the webhooks, the REST API, the health check, or the
web: pages, static files, metrics), told by the router, never by testing the URL in code.

Each door adds its routes inside ``door(app, name)``, which marks every resource added there
with the door's name. A door that owns a whole URL space (the API's JSON errors, the webhooks'
timing) also ``claim``s it: a resource without routes under its root, which never matches (the
router still answers 404 or 405 itself) but tells whose a request no route matched is.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Literal

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

Door = Literal["webhook", "api", "healthz", "web"]
DOORS = web.AppKey("doors", dict[AbstractResource, Door])
SPACES = web.AppKey("door_spaces", list[tuple[re.Pattern[str], Door]])
WEB: Door = "web"  # routes added outside any door


@contextlib.contextmanager
def door(app: web.Application, name: Door) -> Iterator[None]:
    """Mark every resource added to ``app``'s router in the block as ``name``'s."""
    marks = app.setdefault(DOORS, {})
    before = set(app.router.resources())
    yield
    for resource in app.router.resources():
        if resource not in before:
            marks[resource] = name


def claim(app: web.Application, root: str, name: Door) -> None:
    """Every URL under ``root`` (e.g. ``/api/``) is ``name``'s, also one no route matches."""
    space = app.router.add_resource(root + "{tail:.*}")
    app.setdefault(SPACES, []).append((space.get_info()["pattern"], name))


def door_of(request: web.Request) -> Door:
    resource = request.match_info.route.resource
    if resource is not None:
        return request.app.get(DOORS, {}).get(resource, WEB)
    path = request.rel_url.path_safe
    spaces = request.app.get(SPACES, [])
    return next((name for pattern, name in spaces if pattern.fullmatch(path)), WEB)
