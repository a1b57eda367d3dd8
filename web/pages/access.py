"""``/access`` (관리자·방): the admins and rooms of the viewer's subtree and the viewer's own API
tokens, each with a button to turn it off or on (tokens: revoke). Every change asks first:
``GET /access/.../{action}`` is a confirmation page without JavaScript, its form ``POST``s
to the same path (CSRF), then 303 back to ``/access`` with a Korean result line.

The rules are ``services.accounts.AccessService``'s (``app[ACCESS]``, shared with chat, the
CLI and the REST API): an admin manages admins strictly below its own org (never itself, its
own org or headquarters) and the rooms of its subtree; what it may not see is not found.
Branch admins have nothing below them: the whole page is refused to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from core.particles import attach
from core.timeutil import from_utc_naive
from services.access_views import AdminView, Changed, RoomView, TokenView
from services.accounts import AccessService
from web import keys
from web.pages.core import PageError, Viewer, page, render
from web.pages.query import choice_param, int_param

ACTIONS = ("deactivate", "activate")
ADMIN_PATH = r"/access/admins/{admin_id:\d{1,10}}/{action:deactivate|activate}"
ROOM_PATH = r"/access/rooms/{chat_id:\d{1,30}}/{action:deactivate|activate}"
REVOKE_PATH = r"/access/tokens/{token_id:\d{1,10}}/revoke"
ROOM_TYPES = {"live": "운영", "test": "테스트"}
DONE = ("admin-deactivate", "admin-activate", "room-deactivate", "room-activate", "token-revoke")


def setup(app: web.Application) -> None:
    app.router.add_get("/access", page(access_page))
    for path, confirm, act in (
        (ADMIN_PATH, confirm_admin, set_admin),
        (ROOM_PATH, confirm_room, set_room),
        (REVOKE_PATH, confirm_token, revoke_token),
    ):
        app.router.add_get(path, page(confirm))
        app.router.add_post(path, page(act))


def may_manage(viewer: Viewer) -> bool:
    """Whether the viewer has orgs below its own (the nav link shows for these)."""
    return viewer.org.type != "branch"


def manageable(viewer: Viewer, admin: AdminView) -> bool:
    """Whether the page offers a button for ``admin`` (the service decides in the end)."""
    return (
        admin.id != viewer.admin.id
        and admin.org_code != viewer.org.code
        and admin.org_type != "headquarters"
    )


def state(item: AdminView | RoomView) -> str:
    if not item.active:
        return "비활성"
    return "활성" if item.org_active else "조직 비활성"


async def access_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    service = _service(request, viewer)
    admins = await service.list_admins(viewer.admin)
    rooms = await service.list_rooms(viewer.admin)
    tokens = await service.list_tokens(viewer.admin)
    return render(
        request,
        "access.html",
        viewer,
        admins=admins,
        rooms=rooms,
        tokens=tokens,
        manageable={a.id for a in admins if manageable(viewer, a)},
        result=_result(request, admins, rooms, tokens),
        state=state,
        room_types=ROOM_TYPES,
        local=_local(request),
    )


async def confirm_admin(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    admin_id = int_param(request.match_info["admin_id"])
    admins = await _service(request, viewer).list_admins(viewer.admin)
    admin = next((a for a in admins if a.id == admin_id), None)
    if admin is None:
        raise PageError(404, "찾을 수 없습니다", "없거나 볼 수 없는 관리자입니다.")
    on = _on(request)
    what = f"관리자 {admin.name} ({admin.org_name}, 카카오 ID {admin.kakao_user_id})"
    effect = (
        "다시 활성화하면 카카오톡과 웹에서 다시 일할 수 있습니다. 폐기된 API 토큰은 되살아나지 "
        "않습니다."
        if on
        else "비활성화하면 이 관리자의 웹 로그인이 모두 끝나고 API 토큰이 모두 폐기되며, "
        "카카오톡 명령도 거절됩니다. 이 관리자가 만든 스케줄은 조직의 것이라 계속 발송됩니다."
    )
    return _confirm(request, viewer, what, "활성화" if on else "비활성화", effect, danger=not on)


async def confirm_room(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    chat_id = request.match_info["chat_id"]
    rooms = await _service(request, viewer).list_rooms(viewer.admin)
    room = next((r for r in rooms if r.chat_id == chat_id), None)
    if room is None:
        raise PageError(404, "찾을 수 없습니다", "없거나 볼 수 없는 방입니다.")
    on = _on(request)
    what = f"방 {room.name} ({room.org_name}, 채팅방 ID {room.chat_id})"
    effect = (
        "다시 활성화하면 이 방으로 예약 발송이 다시 나갑니다."
        if on
        else "비활성화하면 이 방으로 아무것도 보내지 않으며, 이 방의 스케줄 발송은 실패로 "
        "기록됩니다."
    )
    return _confirm(request, viewer, what, "활성화" if on else "비활성화", effect, danger=not on)


async def confirm_token(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    token = await _own_token(request, viewer)
    what = f"API 토큰 #{token.id} {token.name}"
    effect = "폐기한 토큰은 바로 401로 거절되며 되돌릴 수 없습니다."
    return _confirm(request, viewer, what, "폐기", effect, danger=True)


async def set_admin(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    admin_id = int_param(request.match_info["admin_id"])
    if admin_id is None:
        raise PageError(404, "찾을 수 없습니다", "없거나 볼 수 없는 관리자입니다.")
    on = _on(request)
    done = await _service(request, viewer).set_admin_active_by_id(viewer.admin, admin_id, on)
    return _back(request, "admin", str(admin_id), done)


async def set_room(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    chat_id = request.match_info["chat_id"]
    on = _on(request)
    done = await _service(request, viewer).set_room_active(viewer.admin, chat_id, on)
    return _back(request, "room", chat_id, done)


async def revoke_token(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    token_id = int_param(request.match_info["token_id"])
    if token_id is None:
        raise PageError(404, "찾을 수 없습니다", "없거나 내 토큰이 아닙니다.")
    done = await _service(request, viewer).revoke_token(viewer.admin, token_id)
    return _back(request, "token", str(token_id), done)


def _service(request: web.Request, viewer: Viewer) -> AccessService:
    if not may_manage(viewer):
        raise PageError(
            403,
            "권한이 없습니다",
            "관리자·방 관리는 본사·총판·대리점 관리자만 쓸 수 있습니다. 지점에는 아래 조직이 "
            "없습니다.",
        )
    return request.app[keys.ACCESS]


def _on(request: web.Request) -> bool:
    return request.match_info.get("action") == "activate"


def _confirm(
    request: web.Request, viewer: Viewer, what: str, verb: str, effect: str, *, danger: bool
) -> web.StreamResponse:
    """The confirmation page; its form posts to this same path."""
    return render(
        request,
        "access_confirm.html",
        viewer,
        what=what,
        verb=verb,
        effect=effect,
        danger=danger,
        post_to=request.path,
    )


async def _own_token(request: web.Request, viewer: Viewer) -> TokenView:
    token_id = int_param(request.match_info["token_id"])
    tokens = await _service(request, viewer).list_tokens(viewer.admin)
    token = next((t for t in tokens if t.id == token_id), None)
    if token is None:
        raise PageError(404, "찾을 수 없습니다", "없거나 내 토큰이 아닙니다.")
    return token


def _back(request: web.Request, kind: str, target: str, done: Changed[Any]) -> web.Response:
    action = "revoke" if kind == "token" else request.match_info["action"]
    query = {"done": f"{kind}-{action}", "id": target, "changed": "1" if done.changed else "0"}
    if kind == "admin" and action == "deactivate":
        query["revoked"] = str(done.revoked_tokens)
    return web.Response(status=303, headers={"Location": "/access?" + urlencode(query)})


def _result(
    request: web.Request,
    admins: list[AdminView],
    rooms: list[RoomView],
    tokens: list[TokenView],
) -> str | None:
    """The Korean line for ``?done=...&id=...`` after a change (only names from the lists)."""
    done = choice_param(request.query.get("done"), DONE)
    target = request.query.get("id", "")
    if done is None:
        return None
    kind, _, action = done.partition("-")
    names = {
        "admin": {str(a.id): f"관리자 {a.name}" for a in admins},
        "room": {r.chat_id: f"방 {r.name}" for r in rooms},
        "token": {str(t.id): f"API 토큰 #{t.id}" for t in tokens},
    }[kind]
    name = names.get(target)
    if name is None:
        return None
    if request.query.get("changed") != "1":
        return f"{name}: 이미 그 상태라 바뀐 것이 없습니다."
    verb = {"deactivate": "비활성화했습니다", "activate": "활성화했습니다"}.get(
        action, "폐기했습니다"
    )
    line = f"{attach(name, '을')} {verb}."
    revoked = int_param(request.query.get("revoked"), low=1)
    if kind == "admin" and action == "deactivate":
        line += " 웹 로그인을 모두 끝냈습니다" + (
            f" (API 토큰 {revoked}개 폐기)." if revoked else "."
        )
    return line


def _local(request: web.Request) -> Callable[[datetime | None], str]:
    """A kbot bookkeeping time (naive UTC) as local ``YYYY-MM-DD HH:MM``; ``-`` for None."""
    tz = request.app[keys.CONFIG].tz

    def local(naive_utc: datetime | None) -> str:
        if naive_utc is None:
            return "-"
        return f"{from_utc_naive(naive_utc).astimezone(tz):%Y-%m-%d %H:%M}"

    return local
