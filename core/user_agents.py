"""Whether a request's User-Agent is a program rather than a person opening a link: link
previews (KakaoTalk's scrap server sends ``facebookexternalhit/1.1;kakaotalk-scrap/1.0;
+https://devtalk.kakao.com/t/scrap``), search engines, chat apps' unfurlers, HTTP libraries.
A short link's click is not counted for them.

KakaoTalk's in-app browser (``... KAKAOTALK 10.4.3``) is a person: only ``kakaotalk-scrap``
is a fetcher. The generic words (``bot``, ``crawler``, ``spider``, ``preview``) catch most of
the rest; a rare phone model with "bot" in its name is not counted either (documented).
"""

from __future__ import annotations

import re

AUTOMATED = (
    "kakaotalk-scrap",
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "slackbot",
    "slack-imgproxy",
    "twitterbot",
    "telegrambot",
    "discordbot",
    "whatsapp",
    "googlebot",
    "google-inspectiontool",
    "googleother",
    "bingbot",
    "bingpreview",
    "yeti",  # Naver
    "daum",  # Daum / Daumoa
    "linkedinbot",
    "skypeuripreview",
    "applebot",
    "pinterest",
    "embedly",
    "iframely",
    "headlesschrome",
    "bot",
    "crawler",
    "crawl",
    "spider",
    "preview",
    "scrap",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww-perl",
    "httpclient",
    "axios/",
    "node-fetch",
)
_AUTOMATED = re.compile("|".join(re.escape(word) for word in AUTOMATED), re.IGNORECASE)


def is_automated(user_agent: str | None) -> bool:
    """True for a missing or blank User-Agent and for one naming a bot, a link-preview
    fetcher or an HTTP library."""
    if user_agent is None or not user_agent.strip():
        return True
    return _AUTOMATED.search(user_agent) is not None
