"""The URLs a short link may lead to (``{링크:URL}`` in a message text, ``kbot_links.url``):
an absolute http(s) URL with a host, without whitespace or control characters, at most
``MAX_URL_LENGTH`` characters. The same rule is checked when a text is saved, when it is sent
and again before ``GET /r/<code>`` redirects, since the PHP site or SQL may write either.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

MAX_URL_LENGTH = 1000  # kbot_links.url
MAX_LINKS = 5  # links in one message text
CODE_LENGTH = 10  # characters of a short link's code (storage.links)
PREVIEW_CODE = "…"  # shown instead of a code before anything is sent
_SCHEMES = ("http://", "https://")
# what a Location header keeps as it is; anything else (non-ASCII) is percent-encoded
_LOCATION_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be a link's target (Korean, for the one who wrote it), or None."""
    if not url:
        return "주소가 비어 있습니다."
    if len(url) > MAX_URL_LENGTH:
        return f"주소가 {len(url)}자입니다. {MAX_URL_LENGTH}자 이하만 쓸 수 있습니다."
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in url):
        return "주소에 공백이나 제어 문자가 있습니다."
    if not url.lower().startswith(_SCHEMES) or "\\" in url:
        return "주소는 http:// 또는 https://로 시작해야 합니다."
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        return "주소에 호스트(도메인)가 없습니다."
    return None


def safe_url(url: object) -> bool:
    """Whether ``url`` (e.g. read from the database) may be redirected to."""
    return isinstance(url, str) and url_problem(url) is None


def location_of(url: str) -> str:
    """``url`` (a ``safe_url``) as a Location header value: non-ASCII percent-encoded."""
    return quote(url, safe=_LOCATION_SAFE)


def short_link(public_url: str, code: str) -> str:
    """What a room receives instead of the URL: ``public_url/r/<code>``."""
    return f"{public_url.rstrip('/')}/r/{code}"
