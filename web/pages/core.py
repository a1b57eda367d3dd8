"""What every web page shares: the template environment, the logged-in viewer, the CSRF check,
rendering with safe headers, and Korean error pages instead of stack traces.

Handlers are wrapped by ``page`` (login required; a POST must carry the CSRF token) or
``public`` (login, the "login required" page); both turn ``PageError``, permission and
validation errors into an error page and log anything unexpected.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from core.human import duration
from core.redact import redact
from core.timeutil import to_local_naive
from services.errors import NotFound as ServiceNotFound
from services.errors import ServiceError
from services.permissions import PermissionDenied, visible_org_ids
from services.schedule_labels import rule, when
from storage.errors import NotFound, StorageError
from storage.kbot_models import Admin, Org
from storage.send_kinds import LABELS as SEND_KIND_LABELS
from web import keys
from web.pages.csrf import FIELD, csrf_token, csrf_valid
from web.pages.session import COOKIE_NAME, WebSession, read_session

log = logging.getLogger("kbot.pages")
TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATES = web.AppKey("page_templates", jinja2.Environment)
LOGIN_REQUIRED_PATH = "/login-required"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' blob:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class PageError(Exception):
    """A Korean error page with ``status``."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass(frozen=True, slots=True)
class Viewer:
    admin: Admin
    org: Org
    org_ids: set[int] | None  # None: headquarters, sees everything
    session: WebSession
    csrf: str

    def check_csrf(self, sent: object, secret: str) -> None:
        if not isinstance(sent, str) or not csrf_valid(secret, self.session, sent):
            raise PageError(
                403,
                "요청을 확인할 수 없습니다",
                "보안 토큰이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
            )


PageHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def template_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["rule"] = rule
    env.filters["duration"] = duration
    env.filters["send_kind"] = lambda kind: SEND_KIND_LABELS.get(kind, kind)
    env.globals["csrf_field"] = FIELD
    return env


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, moment: datetime) -> str:
    """``schedule_labels.when`` with the page's ``today`` (passed by ``render``)."""
    return when(moment, context["today"])


def secret_of(request: web.Request) -> str:
    return request.app[keys.CONFIG].web.secret_key.get_secret_value()


def render(
    request: web.Request,
    template: str,
    viewer: Viewer | None,
    *,
    status: int = 200,
    **context: Any,
) -> web.Response:
    app = request.app
    today = to_local_naive(app[keys.CLOCK].now(), app[keys.CONFIG].tz).date()
    html = app[TEMPLATES].get_template(template).render(viewer=viewer, today=today, **context)
    return web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
    )


async def current_viewer(request: web.Request) -> Viewer | None:
    """The active admin behind a valid session cookie (in an active org), or None. A cookie
    issued in an earlier session epoch of the admin (before a logout or a change of standing)
    no longer counts."""
    app = request.app
    secret = secret_of(request)
    session = read_session(secret, request.cookies.get(COOKIE_NAME), now=app[keys.CLOCK].now())
    if session is None:
        return None
    async with app[keys.SESSIONS]() as s:
        admin = await s.get(Admin, session.admin_id)
        if admin is None or admin.session_epoch != session.epoch:
            return None
        org = await s.get(Org, admin.org_id)
        org_ids = await visible_org_ids(s, admin)
    if org is None or org_ids == set():
        return None  # inactive admin or org: the session no longer counts
    return Viewer(admin, org, org_ids, session, csrf_token(secret, session))


def page(handler: PageHandler, *, multipart: bool = False) -> Handler:
    """Login required; a form POST must carry the CSRF token. With ``multipart`` the handler
    reads the body and must call ``viewer.check_csrf`` before acting on it."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        viewer: Viewer | None = None
        try:
            viewer = await current_viewer(request)
            if viewer is None:
                raise web.HTTPSeeOther(LOGIN_REQUIRED_PATH)
            if request.method == "POST" and not multipart:
                form = await request.post()
                viewer.check_csrf(form.get(FIELD), secret_of(request))
            return await handler(request, viewer)
        except Exception as exc:  # each kind becomes a page; bugs are logged
            return error_response(request, exc, viewer)

    return wrapped


def public(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Exception as exc:
            return error_response(request, exc, None)

    return wrapped


def error_response(request: web.Request, exc: Exception, viewer: Viewer | None) -> web.Response:
    if isinstance(exc, web.HTTPException) and exc.status < 400:
        raise exc  # redirects
    page_error = _as_page_error(exc)
    if page_error is None:
        log.exception(
            "unhandled error on %s %s", request.method, redact(request.path), exc_info=exc
        )
        page_error = PageError(
            500, "서버 오류", "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."
        )
    return render(request, "error.html", viewer, status=page_error.status, error=page_error)


def _as_page_error(exc: Exception) -> PageError | None:
    if isinstance(exc, PageError):
        return exc
    if isinstance(exc, PermissionDenied):
        return PageError(403, "권한이 없습니다", exc.plain)
    if isinstance(exc, ServiceNotFound):
        return PageError(404, "찾을 수 없습니다", exc.message)
    if isinstance(exc, ServiceError):
        return PageError(400, "처리할 수 없습니다", exc.message)
    if isinstance(exc, NotFound):
        return PageError(404, "찾을 수 없습니다", str(exc))
    if isinstance(exc, StorageError):
        return PageError(409, "처리할 수 없습니다", str(exc))
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return PageError(413, "요청이 너무 큽니다", "보낸 내용이 너무 커서 받을 수 없습니다.")
    if isinstance(exc, web.HTTPException):
        return PageError(exc.status, "요청을 처리할 수 없습니다", f"HTTP {exc.status}")
    return None
