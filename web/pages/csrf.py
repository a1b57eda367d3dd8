"""CSRF protection for the web page's forms: a per-session token, derived from the session
cookie with the secret key, sent in a hidden field and checked on every POST.

The token covers the session's admin, epoch and nonce: every login gives a new token, and an
ended session's token (logout, deactivation) is worth nothing, in that session or any other."""

from __future__ import annotations

import hmac

from web.pages.session import WebSession, mac

FIELD = "csrf_token"
MAX_TOKEN_LENGTH = 100


def csrf_token(secret: str, session: WebSession) -> str:
    return mac(secret, f"csrf.{session.admin_id}.{session.epoch}.{session.nonce}")


def csrf_valid(secret: str, session: WebSession, sent: str | None) -> bool:
    if not sent or len(sent) > MAX_TOKEN_LENGTH or not sent.isascii():
        return False
    return hmac.compare_digest(sent, csrf_token(secret, session))
