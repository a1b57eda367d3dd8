"""The web pages for admins (Korean, server-rendered): login through a one-time link,
the dashboard, images, schedules (list, wizard, schedule page), send logs, stats and reports.
``setup_pages`` wires it all.

| route | page |
|---|---|
| ``GET /login/{code}`` | a ``!웹`` link: shows a 로그인 button (link previews do not use it) and
sets the pre-login cookie (``web.pages.login_guard``) |
| ``POST /login/{code}`` | with the pre-login cookie and form token: uses the code once, sets
the session cookie, -> ``/`` |
| ``GET /login-required`` | explains how to get a link |
| ``POST /logout`` | ends every session of the admin (``admins.end_sessions``), deletes the cookie |
| ``GET /`` | dashboard |
| ``GET, POST /images`` | upload form (several files) and list (``web.pages.images``) |
| ``GET, POST /images/{id}/delete`` | confirm, then delete an unused image
(``web.pages.image_delete``) |
| ``GET /schedules``, ``POST /schedules/{id}/toggle`` | the list with search and filters, on/off
(``web.pages.schedules``) |
| ``GET /schedules/new``, ``POST /schedules``, ``GET /schedules/{id}/edit``,
``POST /schedules/{id}`` | the four-step wizard: new, copy (``?copy=ID``), edit
(``web.pages.wizard``) |
| ``GET /schedules/{id}`` | one schedule: message, rule, next times, last sends, actions
(``web.pages.schedule_page``) |
| ``POST /schedules/{id}/test``, ``/send``, ``GET, POST /schedules/{id}/delete`` | test send,
send now, delete after confirming (``web.pages.schedule_actions``) |
| ``GET /logs``, ``GET /stats`` | ``web.pages.logs``, ``web.pages.stats`` |
| ``GET /reports``, ``GET /reports.csv`` | the report and its CSV (``web.pages.reports``) |
| ``GET /access``, ``GET, POST /access/{admins,rooms,tokens}/...`` | admins, rooms and own API
tokens: confirm, then deactivate / activate / revoke (``web.pages.access``) |
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from core.config import Config
from storage import admins, one_time_codes
from storage.audit import actor_label
from storage.kbot_models import Admin
from web import keys
from web.pages import access as pages_access
from web.pages import images as pages_images
from web.pages import login_guard
from web.pages import logs as pages_logs
from web.pages import reports as pages_reports
from web.pages import schedule_page as pages_schedule_page
from web.pages import schedules as pages_schedules
from web.pages import stats as pages_stats
from web.pages import wizard as pages_wizard
from web.pages.core import (
    LOGIN_REQUIRED_PATH,
    PAGE_HEADERS,
    TEMPLATES,
    PageError,
    Viewer,
    page,
    public,
    render,
    secret_of,
    template_env,
)
from web.pages.session import clear_cookie, new_session, set_cookie

STATIC_DIR = Path(__file__).parent / "static"
MAX_CODE_LENGTH = 100


def how_to_login(request: web.Request) -> str:
    prefix = request.app[keys.CONFIG].bot.command_prefix
    return f"카카오톡에서 봇과의 1:1 채팅에 '{prefix}웹'을 입력해 새 링크를 받아 주세요."


def setup_pages(app: web.Application) -> None:
    static = app.router.add_static("/static/", STATIC_DIR, name="static", append_version=True)
    env = template_env()
    env.globals["static_url"] = lambda filename: str(static.url_for(filename=filename))
    app[TEMPLATES] = env
    app.router.add_get("/login/{code}", public(login_form))
    app.router.add_post("/login/{code}", public(login))
    app.router.add_get(LOGIN_REQUIRED_PATH, public(login_required))
    app.router.add_post("/logout", page(logout))
    app.router.add_get("/", page(dashboard))
    pages_images.setup(app)
    pages_wizard.setup(app)  # before /schedules/{id} routes: /schedules/new is its own
    pages_schedules.setup(app)
    pages_schedule_page.setup(app)
    pages_logs.setup(app)
    pages_stats.setup(app)
    pages_reports.setup(app)
    pages_access.setup(app)


def _code(request: web.Request) -> str:
    code = request.match_info["code"]
    if not code.isascii() or len(code) > MAX_CODE_LENGTH:
        raise PageError(
            400, "잘못된 로그인 링크", "링크 주소가 올바르지 않습니다. " + how_to_login(request)
        )
    return code


def _https(cfg: Config) -> bool:
    return cfg.server.public_url.startswith("https://")


async def login_form(request: web.Request) -> web.StreamResponse:
    """KakaoTalk fetches links posted in chat to draw a preview; a GET therefore never uses
    the one-time code, the button's POST does."""
    code = _code(request)
    pre_login = login_guard.pre_login(request, code)
    response = render(
        request, "login.html", None, code=code, token_field=login_guard.FIELD, token=pre_login.token
    )
    login_guard.send_cookie(response, pre_login, secure=_https(request.app[keys.CONFIG]))
    return response


async def login(request: web.Request) -> web.StreamResponse:
    code = _code(request)
    await login_guard.check(request, code)  # before the code is used
    app = request.app
    cfg = app[keys.CONFIG]
    now = app[keys.CLOCK].now()
    async with app[keys.SESSIONS].begin() as s:
        row = await one_time_codes.consume(s, purpose=one_time_codes.WEB_LOGIN, code=code, at=now)
        admin = await s.get(Admin, row.admin_id) if row and row.admin_id else None
    if row is None:
        raise PageError(
            410,
            "로그인 링크를 쓸 수 없습니다",
            "이미 사용했거나 유효 시간이 지난 링크입니다. 링크는 한 번만 쓸 수 있습니다. "
            + how_to_login(request),
        )
    if admin is None or not admin.active:
        raise PageError(403, "로그인할 수 없습니다", "관리자 계정이 비활성 상태입니다.")
    session = new_session(
        secret_of(request), admin.id, admin.session_epoch, now=now, ttl_s=cfg.web.session_ttl_s
    )
    response = web.Response(status=303, headers={**PAGE_HEADERS, "Location": "/"})
    set_cookie(response, session, ttl_s=cfg.web.session_ttl_s, secure=_https(cfg))
    login_guard.clear_cookie(response)
    return response


async def login_required(request: web.Request) -> web.StreamResponse:
    return render(
        request, "login_required.html", None, logged_out=False, how_to=how_to_login(request)
    )


async def logout(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Ends every session of the admin, in every browser, not only this cookie."""
    app = request.app
    async with app[keys.SESSIONS].begin() as s:
        await admins.end_sessions(
            s,
            viewer.admin.id,
            at=app[keys.CLOCK].now(),
            actor=actor_label(viewer.admin),
            actor_admin_id=viewer.admin.id,
        )
    response = render(
        request, "login_required.html", None, logged_out=True, how_to=how_to_login(request)
    )
    clear_cookie(response)
    return response


async def dashboard(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    rows = await request.app[keys.SCHEDULES].list_visible(viewer.admin)
    active = [row for row, _ in rows if row.status == "active"]
    upcoming = sorted(
        ((row.next_send_at, row) for row in active if row.next_send_at), key=lambda p: p[0]
    )
    return render(
        request,
        "dashboard.html",
        viewer,
        total=len(rows),
        active=len(active),
        upcoming=[row for _, row in upcoming[:5]],
    )
