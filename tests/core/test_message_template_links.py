"""``{링크:URL}`` in a message text: which URLs a save accepts (the Korean error names the
problem), what a send makes of a well-formed and of a malformed token, and which User-Agents
are programs whose visit is not a click."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.link_url import MAX_LINKS, location_of, safe_url, url_problem
from core.message_template import Scene, TemplateError, check, links_in, render, variables_in
from core.user_agents import is_automated

SCENE = Scene("BR1", "방1", datetime(2026, 12, 1, 9, 30))
URL = "https://example.com/sale?x=1"
SHORT = {URL: "https://kbot.example/r/abcdefghij"}


def test_a_well_formed_link_is_accepted_and_becomes_the_short_link() -> None:
    text = "{방이름} 특가 {링크:https://example.com/sale?x=1} 확인"
    check(text)
    assert links_in(text) == [URL]
    assert variables_in(text) == ["방이름"]
    assert render(text, SCENE, SHORT) == "방1 특가 https://kbot.example/r/abcdefghij 확인"
    # no short link known (a caller without links): sent as written, never the bare URL
    assert render(text, SCENE) == "방1 특가 {링크:https://example.com/sale?x=1} 확인"


def test_a_long_url_is_one_token_not_a_lone_brace() -> None:
    url = "https://example.com/" + "a" * 900
    check("{링크:" + url + "}")
    assert links_in("{링크:" + url + "}") == [url]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("javascript:alert(1)", "http:// 또는 https://"),
        ("data:text/html,hi", "http:// 또는 https://"),
        ("/relative/path", "http:// 또는 https://"),
        ("ftp://example.com/x", "http:// 또는 https://"),
        ("https://exa mple.com/", "공백이나 제어 문자"),
        ("https://example.com/\tx", "공백이나 제어 문자"),
        ("https:///path-only", "호스트"),
        ("https://example.com/" + "a" * 1000, "1000자 이하"),
        ("", "비어"),
    ],
)
def test_a_bad_url_is_refused_at_save_naming_the_problem(url: str, words: str) -> None:
    with pytest.raises(TemplateError) as refused:
        check("안내 {링크:" + url + "}")
    assert "링크" in str(refused.value) and words in str(refused.value)
    assert not safe_url(url)
    # at send the malformed token is kept as written, whatever links are offered
    text = "안내 {링크:" + url + "}"
    assert render(text, SCENE, {url: "https://kbot.example/r/x"}) == text
    assert links_in(text) == []


def test_more_than_the_allowed_links_are_refused() -> None:
    check(" ".join(f"{{링크:https://e.com/{i}}}" for i in range(MAX_LINKS)))
    with pytest.raises(TemplateError, match=f"{MAX_LINKS}개까지"):
        check(" ".join(f"{{링크:https://e.com/{i}}}" for i in range(MAX_LINKS + 1)))


def test_an_unknown_variable_error_lists_the_link_token() -> None:
    with pytest.raises(TemplateError, match=r"\{링크:https://\.\.\.\}"):
        check("{링크}")


def test_the_redirect_target_rule() -> None:
    assert url_problem("HTTPS://Example.com/a?b=c#d") is None
    assert not safe_url(None) and not safe_url("https:\\\\evil.com")
    assert location_of("https://example.com/한글?q=가") == (
        "https://example.com/%ED%95%9C%EA%B8%80?q=%EA%B0%80"
    )
    assert location_of(URL) == URL


@pytest.mark.parametrize(
    "agent",
    [
        "facebookexternalhit/1.1;kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Twitterbot/1.0",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Yeti/1.1; +http://naver.me/spd)",
        "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html)",
        "curl/8.5.0",
        "Wget/1.21",
        "python-requests/2.31.0",
        "Python/3.11 aiohttp/3.9.5",
        "",
        "   ",
        None,
    ],
)
def test_bots_and_link_previews_are_not_people(agent: str | None) -> None:
    assert is_automated(agent)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36;KAKAOTALK 2410430",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
    ],
)
def test_browsers_and_kakaotalks_in_app_browser_are_people(agent: str) -> None:
    assert not is_automated(agent)
