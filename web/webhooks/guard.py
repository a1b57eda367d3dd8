"""Who may call the webhooks, and how much they may send.

Access rule, in order:
1. ``bot.allow_networks`` (when not empty): the source address must be inside one of the
   networks, else 403. The source is ``request.remote``: the TCP peer, or behind a proxy
   listed in ``server.trusted_proxies`` the client it forwards for
   (``web.client_address``); behind an unlisted proxy it is the proxy.
2. ``bot.webhook_token`` set: the request must present it as ``?token=`` or in the
   ``X-Kbot-Token`` header, else 401. Iris cannot send headers, so it uses the query string.
3. ``bot.webhook_token`` empty (only possible with the dry-run transport): only loopback
   sources are served, so a development instance is never an open webhook; others get 403.

Bodies: at most ``bot.events.MAX_BODY_BYTES`` (else 413), one JSON object (else 400).
Every refusal answers ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from ipaddress import ip_network
from typing import Any

from aiohttp import web

from bot.events import MAX_BODY_BYTES, EventError, load_body
from core.config import BotConfig
from web.client_address import parse_address
from web.json_out import json_response

TOKEN_QUERY = "token"  # noqa: S105  (a parameter name, not a secret)
TOKEN_HEADER = "X-Kbot-Token"  # noqa: S105


class Refused(Exception):
    """A webhook request that is answered with an error and otherwise ignored."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": str(self)}}
        return json_response(body, status=self.status)


def check_access(remote: str | None, presented: str | None, bot: BotConfig) -> None:
    """Raise ``Refused`` unless the module's access rule lets this request in."""
    source = parse_address(remote)
    if bot.allow_networks and not (
        source is not None
        and any(source in ip_network(net, strict=False) for net in bot.allow_networks)
    ):
        raise Refused(403, "forbidden", f"source address {remote} is not allowed")
    expected = bot.webhook_token.get_secret_value()
    if not expected:
        if source is None or not source.is_loopback:
            raise Refused(
                403, "forbidden", "bot.webhook_token is not configured: only loopback is served"
            )
        return
    if presented is None or not hmac.compare_digest(  # surrogates: header bytes not UTF-8
        presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8")
    ):
        raise Refused(401, "unauthorized", "missing or wrong webhook token")


async def admit(request: web.Request, bot: BotConfig) -> Mapping[str, Any]:
    """Check access, then read the body as one JSON object; raise ``Refused`` otherwise."""
    presented = request.query.get(TOKEN_QUERY) or request.headers.get(TOKEN_HEADER)
    check_access(request.remote, presented, bot)
    data = await _read_limited(request)
    try:
        return load_body(data)
    except EventError as exc:
        raise Refused(400, "bad_request", str(exc)) from None


async def _read_limited(request: web.Request) -> bytes:
    too_large = Refused(413, "too_large", f"body is larger than {MAX_BODY_BYTES} bytes")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
