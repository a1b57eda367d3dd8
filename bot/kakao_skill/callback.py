"""Kakao skill callbacks (docs/kakao-skill.md): when a block has callback enabled,
the request carries ``userRequest.callbackUrl``; a skill that cannot answer within 5 s
answers ``useCallback`` at once and later POSTs one normal reply to that URL (within a
minute). The URL comes from the request body, so it is used only when it is https on a
configured host (``bot.skill_callback_hosts``, subdomains included; plain http only for
loopback addresses, for local testing). Redirects are not followed: a 3xx could lead off the
allow-list, so it is logged as a failed callback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.events import ChatEvent

log = logging.getLogger("kbot.webhooks")

CALLBACK_TIMEOUT_S = 10


def callback_url(event: ChatEvent, hosts: Sequence[str]) -> str | None:
    """The request's callback URL when it may be used, else None (a refused one is logged)."""
    request = event.raw.get("userRequest")
    url = request.get("callbackUrl") if isinstance(request, dict) else None
    if not isinstance(url, str) or not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", None
    allowed = any(host == h.lower() or host.endswith("." + h.lower()) for h in hosts)
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host))
    )
    if not (host and allowed and secure):
        log.warning(
            "skill callbackUrl on host %r refused (not https on bot.skill_callback_hosts)", host
        )
        return None
    return url


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


async def call_back(
    session: aiohttp.ClientSession,
    url: str,
    work: asyncio.Task[list[str] | None],
    reply_of: Callable[[list[str] | None], dict[str, Any]],
    cid: str,
) -> None:
    """Wait for ``work`` and POST its reply to ``url``; failures are logged, not raised."""
    body = reply_of(await work)
    try:
        async with session.post(
            url,
            json=body,
            timeout=aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT_S),
            allow_redirects=False,
        ) as response:
            await response.read()
            if response.status >= 300:
                location = response.headers.get("Location")
                log.warning(
                    "[%s] skill callback answered HTTP %d%s",
                    cid,
                    response.status,
                    f" (redirect to {location[:200]!r} not followed)" if location else "",
                )
                return
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("[%s] skill callback failed: %r", cid, exc)
        return
    log.info("[%s] skill answer delivered by callback", cid)
