"""Mask live credentials in text kbot writes to its logs.

A message text can carry a credential: the one-time web login link of ``!웹`` or
``kbot web-login`` (``<public_url>/login/<code>``, on whatever host), the pairing code an
admin types after ``관리자 인증``, or a REST API token (``kbt_...``). Anything that logs a
message text (or a request path) passes it through ``redact`` first; what is sent or shown
to the user is never changed.
"""

from __future__ import annotations

import re

MASK = "***"

# The path part of a login link, with or without scheme and host before it.
_LOGIN_LINK = re.compile(r"(/login/)[A-Za-z0-9_\-%.~]+")
# The word after "관리자 인증" (or its English alias "admin verify"), as the grammar reads it.
_PAIRING_CODE = re.compile(r"((?:관리자|admin)\s*(?:인증|verify)\s+)[^\s'\"]+", re.IGNORECASE)
_API_TOKEN = re.compile(r"(kbt_)[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    """``text`` with login-link codes, pairing codes and API tokens replaced by ``***``
    (their recognisable prefix kept, so a log still says what was there)."""
    for pattern in (_LOGIN_LINK, _PAIRING_CODE, _API_TOKEN):
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return text
