"""``GET /r/{code}``: a short link a room received (``{링크:URL}``, ``storage.links``).

Public: no login, no CSRF (nothing but a click count changes), the pages' security headers
(CSP, ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store``) on every answer. An
unknown or malformed code answers 404 with a small Korean page; so does a row whose URL is
not a safe http(s) URL (``core.link_url``: the row is input, the PHP site or SQL may write
it). Otherwise 302 to the URL.

A click is counted unless the User-Agent is a program (``core.user_agents``: link previews
such as KakaoTalk's own scraper, search engines, HTTP libraries, none at all), the request is
a HEAD, or the same visitor was counted on the same link within ``CLICK_WINDOW_S``. The
visitor is the first 32 hex characters of HMAC-SHA256(``web.secret_key``, local date + client
address + User-Agent): with the date in it, it says nothing the next day. The client address
is ``request.remote``, as for the webhook allow-list: the TCP peer, or behind a proxy listed
in ``server.trusted_proxies`` the client it forwards for (``web.client_address``); behind an
unlisted proxy every visitor shares the proxy's address and only the User-Agent tells them
apart. Nothing is logged with the client address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from aiohttp import web

from core.link_url import location_of, safe_url
from core.timeutil import to_local_naive
from core.user_agents import is_automated
from storage.links import CLICK_WINDOW_S, by_code, record_click
from web import keys
from web.pages.core import PAGE_HEADERS, PageError, public, secret_of

log = logging.getLogger("kbot.links")


def _not_found() -> PageError:
    return PageError(
        404,
        "링크를 찾을 수 없습니다",
        "주소가 잘못되었거나 더 이상 쓸 수 없는 링크입니다. 받은 메시지의 링크를 다시 확인해 "
        "주세요.",
    )


def setup_links(app: web.Application) -> None:
    app.router.add_get("/r/{code}", public(follow))  # HEAD too: redirected, never counted


def visitor_of(secret: str, day: str, remote: str, user_agent: str) -> str:
    """The daily-salted hash a click is deduplicated on (never the address itself)."""
    message = "\n".join((day, remote, user_agent)).encode("utf-8", "replace")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


async def follow(request: web.Request) -> web.StreamResponse:
    app = request.app
    async with app[keys.SESSIONS]() as s:
        link = await by_code(s, request.match_info["code"])
        link_id, url = (link.id, link.url) if link is not None else (0, "")
    if link is None:
        raise _not_found()
    if not safe_url(url):
        log.warning("short link %d holds a URL that is not a safe http(s) URL", link_id)
        raise _not_found()
    user_agent = request.headers.get("User-Agent", "")
    if request.method == "GET" and not is_automated(user_agent):
        await _count(request, link_id, user_agent)
    return web.Response(status=302, headers={**PAGE_HEADERS, "Location": location_of(url)})


async def _count(request: web.Request, link_id: int, user_agent: str) -> None:
    """Record the click; a failure is logged and the visitor still redirected."""
    app = request.app
    now = app[keys.CLOCK].now()
    day = to_local_naive(now, app[keys.CONFIG].tz).date().isoformat()
    visitor = visitor_of(secret_of(request), day, request.remote or "", user_agent)
    try:
        async with app[keys.SESSIONS].begin() as s:
            await record_click(
                s, link_id=link_id, visitor=visitor, now=now, window_s=CLICK_WINDOW_S
            )
    except Exception:
        log.exception("click on short link %d not recorded", link_id)
