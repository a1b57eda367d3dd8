"""Bearer-token authentication for the REST API (seed 7.2: every API call checks a token)."""

from __future__ import annotations

from aiohttp import web

from storage import tokens
from storage.kbot_models import Admin
from web import keys
from web.api.errors import api_error

MAX_TOKEN_LENGTH = 200
REVOKED_OR_WRONG = "토큰이 올바르지 않거나 폐기되었습니다. `kbot token create`로 새로 발급받으세요."


async def require_admin(request: web.Request) -> Admin:
    """The active admin behind ``Authorization: Bearer <token>``; 401 (JSON) otherwise."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise _unauthorized("Authorization: Bearer <토큰> 헤더가 필요합니다.")
    if not (token.isascii() and token.isprintable()):  # kbot's tokens are URL-safe ASCII;
        raise _unauthorized(REVOKED_OR_WRONG)  # bytes that are not UTF-8 arrive as lone surrogates
    app = request.app
    async with app[keys.SESSIONS].begin() as session:
        admin = await tokens.admin_for_token(session, token, at=app[keys.CLOCK].now())
    if admin is None:
        raise _unauthorized(REVOKED_OR_WRONG)
    return admin


def _unauthorized(message: str) -> web.HTTPException:
    return api_error(
        401, "unauthorized", message, "Authorization", headers={"WWW-Authenticate": "Bearer"}
    )
