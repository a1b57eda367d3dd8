"""Which door a request came in through (the webhooks, the REST API, the health check, or the
web: pages, static files, metrics), told by the route it matched, never by testing its URL.

Each door adds its routes inside ``door(app, name)``, which marks every resource added there
with the door's name. A door that owns a whole URL space (the API's JSON errors, the webhooks'
timing) also adds ``unmatched`` last, as a catch-all under its root, so that a request nothing
matches is still answered by that door, with aiohttp's own 404 or 405.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

Door = Literal["webhook", "api", "healthz", "web"]
DOORS = web.AppKey("doors", dict[AbstractResource, Door])
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


def door_of(request: web.Request) -> Door:
    resource = request.match_info.route.resource
    if resource is None:
        return WEB
    return request.app.get(DOORS, {}).get(resource, WEB)


def add_unmatched(app: web.Application, root: str) -> None:
    """The door's catch-all under ``root`` (e.g. ``/api/``); add it after the door's routes."""
    app.router.add_route("*", root + "{tail:.*}", unmatched)


def is_unmatched(request: web.Request) -> bool:
    """Whether no real route matched (aiohttp's own, or a door's catch-all, answers)."""
    route = request.match_info.route
    return route.resource is None or route.handler is unmatched


async def unmatched(request: web.Request) -> web.StreamResponse:
    """What aiohttp answers when no route matches: 405 naming the allowed methods when some
    other resource has this path, else 404."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if any(route.handler is unmatched for route in resource):
            continue
        match, methods = await resource.resolve(request)
        if match is None:
            allowed |= methods
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()
