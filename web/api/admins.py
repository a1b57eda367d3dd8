"""``/api/admins`` and ``/api/tokens``: the access lifecycle over ``app[ACCESS]`` (the one
``services.accounts.AccessService`` every door shares).

The token's admin sees the admins of its org's subtree and deactivates or reactivates admins
strictly below its own org (never itself, its own org's colleagues or headquarters: 409 for
itself, 403 for the others; an admin it may not see is 404). Deactivating an admin ends its
web sessions and revokes its API tokens at once. ``/api/tokens`` lists and revokes the
caller's own tokens only, never a token's secret or hash; another admin's token is 404.

A path id that is not a positive int32 is a 404 naming ``id``, as everywhere in the API.
The kbot tables' times (naive UTC) are sent as ISO 8601 with the configured zone's offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from core.timeutil import from_utc_naive
from services.access_views import AdminView, TokenView
from services.accounts import AccessService
from services.errors import ServiceError
from web import keys
from web.api.auth import require_admin
from web.api.query import path_id
from web.api.schedules import service_error
from web.json_out import json_response


def setup_admin_routes(app: web.Application) -> None:
    app.router.add_get("/api/admins", list_admins)
    app.router.add_post("/api/admins/{id}/deactivate", deactivate_admin)
    app.router.add_post("/api/admins/{id}/activate", activate_admin)
    app.router.add_get("/api/tokens", list_tokens)
    app.router.add_delete("/api/tokens/{id}", revoke_token)


def utc_iso(naive_utc: datetime | None, tz: ZoneInfo) -> str | None:
    """A kbot bookkeeping time (naive UTC) as ISO 8601 in the configured zone."""
    return None if naive_utc is None else from_utc_naive(naive_utc).astimezone(tz).isoformat()


def admin_dict(admin: AdminView, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": admin.id,
        "kakao_user_id": admin.kakao_user_id,
        "name": admin.name,
        "org_code": admin.org_code,
        "org_name": admin.org_name,
        "org_type": admin.org_type,
        "active": admin.active,
        "org_active": admin.org_active,
        "created_at": utc_iso(admin.created_at, tz),
    }


def token_dict(token: TokenView, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "created_at": utc_iso(token.created_at, tz),
        "last_used_at": utc_iso(token.last_used_at, tz),
        "revoked_at": utc_iso(token.revoked_at, tz),
    }


async def list_admins(request: web.Request) -> web.Response:
    """``GET /api/admins``: the admins of the token's admin's subtree, by org then name."""
    admin = await require_admin(request)
    found = await _access(request).list_admins(admin)
    return json_response({"admins": [admin_dict(row, _tz(request)) for row in found]})


async def deactivate_admin(request: web.Request) -> web.Response:
    """``POST /api/admins/{id}/deactivate``: also revokes the admin's API tokens and ends its
    web sessions; ``changed`` false when it was inactive already and had no live token."""
    return await _set_admin(request, active=False)


async def activate_admin(request: web.Request) -> web.Response:
    """``POST /api/admins/{id}/activate``: its revoked tokens stay revoked."""
    return await _set_admin(request, active=True)


async def _set_admin(request: web.Request, *, active: bool) -> web.Response:
    admin = await require_admin(request)
    admin_id = path_id(request, "관리자")
    try:
        done = await _access(request).set_admin_active_by_id(admin, admin_id, active)
    except ServiceError as error:
        raise service_error(error, status=400) from None
    body = admin_dict(done.value, _tz(request)) | {"changed": done.changed}
    if not active:
        body["revoked_tokens"] = done.revoked_tokens
    return json_response(body)


async def list_tokens(request: web.Request) -> web.Response:
    """``GET /api/tokens``: the caller's own tokens, revoked ones too; never the secret."""
    admin = await require_admin(request)
    found = await _access(request).list_tokens(admin)
    return json_response({"tokens": [token_dict(row, _tz(request)) for row in found]})


async def revoke_token(request: web.Request) -> web.Response:
    """``DELETE /api/tokens/{id}``: revokes one of the caller's own tokens for good (the
    token of this very request too); the token as it is now."""
    admin = await require_admin(request)
    token_id = path_id(request, "토큰")
    try:
        done = await _access(request).revoke_token(admin, token_id)
    except ServiceError as error:
        raise service_error(error, status=400) from None
    return json_response(token_dict(done.value, _tz(request)) | {"changed": done.changed})


def _access(request: web.Request) -> AccessService:
    return request.app[keys.ACCESS]


def _tz(request: web.Request) -> ZoneInfo:
    return request.app[keys.CONFIG].tz
