"""JSON errors for the REST API: every failure under ``/api/`` answers
``{"error": {"code", "message", "field"}}`` with a fitting status, never an HTML page and
never a 500 for bad input.

Handlers raise ``api_error(...)`` (an ordinary aiohttp ``HTTPException``) or let a storage
error or ``PermissionDenied`` escape; the ``json_errors`` middleware turns those, aiohttp's own
404/405/413 and unexpected exceptions into the JSON shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, LooseHeaders
from multidict import CIMultiDict

from services.permissions import PermissionDenied
from storage.errors import Conflict, Invalid, NotFound, StorageError
from web.doors import door_of

log = logging.getLogger("kbot.api")
JSON_TYPE = "application/json"

_CLASSES: dict[int, type[web.HTTPException]] = {
    cls.status_code: cls
    for cls in (
        web.HTTPBadRequest,
        web.HTTPUnauthorized,
        web.HTTPForbidden,
        web.HTTPNotFound,
        web.HTTPMethodNotAllowed,
        web.HTTPConflict,
        web.HTTPRequestEntityTooLarge,
        web.HTTPUnsupportedMediaType,
        web.HTTPUnprocessableEntity,
        web.HTTPInternalServerError,
        web.HTTPServiceUnavailable,
    )
}
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "요청 형식이 올바르지 않습니다."),
    401: ("unauthorized", "인증이 필요합니다. Authorization: Bearer <토큰> 헤더를 보내 주세요."),
    403: ("forbidden", "권한이 없습니다."),
    404: ("not_found", "요청한 대상을 찾을 수 없습니다."),
    405: ("method_not_allowed", "허용되지 않는 메서드입니다."),
    409: ("conflict", "현재 상태와 충돌하여 처리할 수 없습니다."),
    413: ("too_large", "요청 본문이 너무 큽니다."),
    415: ("unsupported_media_type", "지원하지 않는 Content-Type입니다."),
    422: ("invalid", "입력값이 올바르지 않습니다."),
    500: ("internal", "서버 내부 오류입니다. 잠시 후 다시 시도해 주세요."),
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def api_error(
    status: int,
    code: str | None = None,
    message: str | None = None,
    field: str | None = None,
    *,
    headers: LooseHeaders | None = None,
) -> web.HTTPException:
    """An aiohttp ``HTTPException`` for ``status`` whose body is the JSON error; raise it."""
    default_code, default_message = _DEFAULTS.get(status, ("error", "요청을 처리할 수 없습니다."))
    text = json.dumps(
        error_body(code or default_code, message or default_message, field), ensure_ascii=False
    )
    kwargs: dict[str, Any] = {"text": text, "content_type": JSON_TYPE, "headers": headers}
    cls = _CLASSES.get(status, web.HTTPBadRequest if status < 500 else web.HTTPInternalServerError)
    if cls is web.HTTPRequestEntityTooLarge:
        return web.HTTPRequestEntityTooLarge(0, **kwargs)
    if cls is web.HTTPMethodNotAllowed:  # it writes Allow itself, from the methods given
        allow = CIMultiDict(headers or {}).get("Allow", "")
        methods = [method.strip() for method in allow.split(",") if method.strip()]
        return web.HTTPMethodNotAllowed("", methods, **kwargs)
    return cls(**kwargs)


def from_storage_error(exc: StorageError) -> web.HTTPException:
    """404 / 409 / 422 for ``NotFound`` / ``Conflict`` / ``Invalid``; an error may carry
    ``code`` and ``field`` attributes."""
    if isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, Conflict):
        status = 409
    elif isinstance(exc, Invalid):
        status = 422
    else:
        status = 400
    return api_error(status, getattr(exc, "code", None), str(exc), getattr(exc, "field", None))


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if door_of(request) != "api":
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == JSON_TYPE:
            raise
        headers = {
            k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate")
        }
        raise api_error(exc.status, headers=headers) from None
    except PermissionDenied as exc:
        raise api_error(403, "forbidden", exc.plain) from None
    except StorageError as exc:
        raise from_storage_error(exc) from None
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        raise api_error(500) from None
