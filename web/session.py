"""The web page's login session: a signed cookie, no server-side state.

The value is ``v1.<admin id>.<expiry unix seconds>.<nonce>.<mac>`` where ``mac`` is
HMAC-SHA256 with ``web.secret_key`` over the other parts. The nonce makes every login's cookie
(and so its CSRF token) different. Logging out deletes the cookie; a stolen cookie stays valid
until it expires or the admin is deactivated (every request re-reads the admin).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

COOKIE_NAME = "kbot_session"
VERSION = "v1"
MAX_COOKIE_LENGTH = 300


class SecretKeyMissing(RuntimeError):
    """``web.secret_key`` is empty: sessions cannot be signed (``kbot serve`` fills it)."""


@dataclass(frozen=True, slots=True)
class WebSession:
    admin_id: int
    expires: int  # unix seconds
    nonce: str
    value: str  # the cookie value itself


def mac(secret: str, message: str) -> str:
    if not secret:
        raise SecretKeyMissing("web.secret_key is empty")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_session(secret: str, admin_id: int, *, now: datetime, ttl_s: int) -> WebSession:
    expires = int(now.timestamp()) + ttl_s
    nonce = secrets.token_urlsafe(12)
    body = f"{VERSION}.{admin_id}.{expires}.{nonce}"
    return WebSession(admin_id, expires, nonce, f"{body}.{mac(secret, body)}")


def read_session(secret: str, value: str | None, *, now: datetime) -> WebSession | None:
    """The session in a cookie value when its signature is right and it has not expired."""
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return None
    body, _, signature = value.rpartition(".")
    parts = body.split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        return None
    if not hmac.compare_digest(signature, mac(secret, body)):
        return None
    _, admin_id, expires, nonce = parts
    if not (admin_id.isdigit() and expires.isdigit()) or int(expires) <= now.timestamp():
        return None
    return WebSession(int(admin_id), int(expires), nonce, value)


def set_cookie(
    response: web.StreamResponse, session: WebSession, *, ttl_s: int, secure: bool
) -> None:
    response.set_cookie(
        COOKIE_NAME,
        session.value,
        max_age=ttl_s,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE_NAME, path="/")
