"""The web page's login session: a signed cookie plus one number per admin in the database.

The value is ``v2.<admin id>.<epoch>.<expiry unix seconds>.<nonce>.<mac>`` where ``mac`` is
HMAC-SHA256 with ``web.secret_key`` over the other parts. ``epoch`` is the admin's
``session_epoch`` when the cookie was issued: a session counts only while it still equals the
admin's current epoch (``web.pages.core.current_viewer`` re-reads the admin on every request),
so logout and deactivation, which move the epoch on, end every session of the admin at once,
copies of the cookie included. The nonce makes every login's cookie (and so its CSRF token)
different. Cookies of other versions (``v1``, before the epoch) are not read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

COOKIE_NAME = "kbot_session"
VERSION = "v2"
MAX_COOKIE_LENGTH = 300


class SecretKeyMissing(RuntimeError):
    """``web.secret_key`` is empty: sessions cannot be signed (``kbot serve`` fills it)."""


@dataclass(frozen=True, slots=True)
class WebSession:
    admin_id: int
    epoch: int  # the admin's session_epoch when the cookie was issued
    expires: int  # unix seconds
    nonce: str
    value: str  # the cookie value itself


def mac(secret: str, message: str) -> str:
    if not secret:
        raise SecretKeyMissing("web.secret_key is empty")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_session(secret: str, admin_id: int, epoch: int, *, now: datetime, ttl_s: int) -> WebSession:
    expires = int(now.timestamp()) + ttl_s
    nonce = secrets.token_urlsafe(12)
    body = f"{VERSION}.{admin_id}.{epoch}.{expires}.{nonce}"
    return WebSession(admin_id, epoch, expires, nonce, f"{body}.{mac(secret, body)}")


def read_session(secret: str, value: str | None, *, now: datetime) -> WebSession | None:
    """The session in a cookie value when its signature is right and it has not expired
    (whether its epoch is still the admin's is for the caller to check)."""
    if not value or len(value) > MAX_COOKIE_LENGTH or not value.isascii():
        return None
    body, _, signature = value.rpartition(".")
    parts = body.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    if not hmac.compare_digest(signature, mac(secret, body)):
        return None
    _, admin_id, epoch, expires, nonce = parts
    if not (admin_id.isdigit() and epoch.isdigit() and expires.isdigit()):
        return None
    if int(expires) <= now.timestamp():
        return None
    return WebSession(int(admin_id), int(epoch), int(expires), nonce, value)


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
