"""Login CSRF protection for ``POST /login/{code}``: another site must not be able to log a
visitor's browser into the account of whoever got a login link from the bot.

Opening a link (``GET /login/{code}``) sets a short-lived pre-login cookie holding a random
value (path ``/login/``, HttpOnly, SameSite=Strict, Secure behind https) and puts a token in the
form: ``<expiry unix seconds>.<mac>``, HMAC-SHA256 with ``web.secret_key`` over the code, the
cookie's value and the expiry. The button's POST counts only with that cookie and a token for
this code and this value, in time, and without an ``Origin`` header naming another site (the
form page is served with ``Referrer-Policy: same-origin``: under the site's usual
``no-referrer`` a browser sends ``Origin: null``). ``check`` runs before the one-time code is
used, so a refused POST leaves it usable.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from aiohttp import hdrs, web
from yarl import URL

from web import keys
from web.pages.core import PageError, secret_of
from web.pages.session import mac

log = logging.getLogger("kbot.pages")
COOKIE_NAME = "kbot_login"
COOKIE_PATH = "/login/"
FIELD = "login_token"
TTL_S = 900  # how long a login form may stand open before its button is pressed
MAX_TOKEN_LENGTH = 100
_VALUE_BYTES = 18
_VALUE_LENGTH = 24  # len(token_urlsafe(18))
_VALUE_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True, slots=True)
class PreLogin:
    value: str  # the cookie
    token: str  # the form field


def pre_login(request: web.Request, code: str) -> PreLogin:
    """The cookie and form token for the login form of ``code`` in this browser."""
    value = cookie_value(request.cookies.get(COOKIE_NAME))
    now = request.app[keys.CLOCK].now()
    return PreLogin(value, form_token(secret_of(request), code, value, now=now))


def send_cookie(response: web.StreamResponse, pre: PreLogin, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE_NAME,
        pre.value,
        max_age=TTL_S,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure,
    )
    response.headers[hdrs.REFERRER_POLICY] = "same-origin"  # the POST then shows its Origin


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)


async def check(request: web.Request, code: str) -> None:
    """Raise a Korean 403 unless this login POST comes from the login form of ``code`` opened
    in this browser on this site."""
    origin = request.headers.get(hdrs.ORIGIN)
    public_url = request.app[keys.CONFIG].server.public_url
    own = f"{request.scheme}://{request.host}"
    if not origin_allowed(origin, public_url=public_url, own_origin=own):
        reason = f"foreign origin {origin!r:.100}"
    else:
        sent = (await request.post()).get(FIELD)
        cookie = request.cookies.get(COOKIE_NAME)
        now = request.app[keys.CLOCK].now()
        if token_valid(secret_of(request), code, cookie, sent, now=now):
            return
        reason = "no pre-login cookie" if cookie is None else "bad or expired login token"
    log.warning("login refused: %s", reason)
    raise PageError(
        403,
        "로그인을 확인할 수 없습니다",
        "보안 확인을 통과하지 못해 로그인하지 않았습니다. 링크는 아직 그대로 쓸 수 있습니다. "
        "카카오톡에서 받은 로그인 링크를 이 브라우저에서 다시 열고 로그인 버튼을 눌러 주세요.",
    )


def cookie_value(sent: str | None) -> str:
    """The pre-login value for this browser: its own when it holds a well-formed one (so two
    login links opened in two tabs do not undo each other), else a new random one."""
    return sent if _well_formed(sent) else secrets.token_urlsafe(_VALUE_BYTES)


def form_token(secret: str, code: str, value: str, *, now: datetime) -> str:
    expires = int(now.timestamp()) + TTL_S
    return f"{expires}.{_mac(secret, code, value, expires)}"


def token_valid(secret: str, code: str, value: str | None, sent: object, *, now: datetime) -> bool:
    """Whether ``sent`` is an unexpired form token for ``code`` and the cookie ``value``."""
    if not _well_formed(value) or not isinstance(sent, str):
        return False
    if len(sent) > MAX_TOKEN_LENGTH or not sent.isascii():
        return False
    expires, _, signature = sent.partition(".")
    if not expires.isdigit() or int(expires) <= now.timestamp():
        return False
    return hmac.compare_digest(signature, _mac(secret, code, value, int(expires)))


def origin_allowed(origin: str | None, *, public_url: str, own_origin: str) -> bool:
    """No ``Origin`` (older browsers), or this site's: the configured public address (behind a
    proxy) or the address the request came to. ``null`` is refused."""
    if origin is None:
        return True
    return origin.lower() in {str(URL(public_url).origin()).lower(), own_origin.lower()}


def _well_formed(value: str | None) -> TypeGuard[str]:
    return value is not None and len(value) == _VALUE_LENGTH and set(value) <= _VALUE_ALPHABET


def _mac(secret: str, code: str, value: str, expires: int) -> str:
    return mac(secret, f"login.{code}.{value}.{expires}")
