"""The pieces under the web page: signed session cookies, CSRF tokens, the bar chart's
geometry, and ``kbot web-login``."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import load_config
from kbot.cli import main
from storage import one_time_codes
from storage.engine import create_engine, session_factory
from web.pages import login_guard
from web.pages.csrf import csrf_token, csrf_valid
from web.pages.session import SecretKeyMissing, mac, new_session, read_session
from web.pages.svg_chart import Group, Series, nice_ceiling, series_bars

KEY = "k" * 32
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_session_round_trip_and_expiry() -> None:
    session = new_session(KEY, 7, 3, now=NOW, ttl_s=3600)
    assert session.value.startswith("v2.7.3.")
    read = read_session(KEY, session.value, now=NOW + timedelta(seconds=3599))
    assert read == session and (read.admin_id, read.epoch) == (7, 3)
    assert read_session(KEY, session.value, now=NOW + timedelta(seconds=3600)) is None
    assert new_session(KEY, 7, 3, now=NOW, ttl_s=3600).nonce != session.nonce


def test_v1_cookies_without_an_epoch_are_not_read() -> None:
    expires = int(NOW.timestamp()) + 3600
    body = f"v1.7.{expires}.abcdefghijklmnop"
    assert read_session(KEY, f"{body}.{mac(KEY, body)}", now=NOW) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v.replace("v2.7.", "v2.1.", 1),  # another admin
        lambda v: v.replace(".3.", ".4.", 1),  # a later epoch
        lambda v: v.replace(".3.", ".-1.", 1),
        lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),  # signature
        lambda v: v.rsplit(".", 1)[0],  # no signature
        lambda v: "v1" + v[2:],
        lambda v: v + "." * 300,
        lambda v: "",
    ],
)
def test_tampered_cookies_are_rejected(tamper) -> None:
    value = new_session(KEY, 7, 3, now=NOW, ttl_s=3600).value
    assert read_session(KEY, tamper(value), now=NOW) is None
    assert read_session("another-key", value, now=NOW) is None


def test_no_secret_key_no_sessions() -> None:
    with pytest.raises(SecretKeyMissing):
        new_session("", 1, 0, now=NOW, ttl_s=60)


def test_csrf_token_is_bound_to_the_session() -> None:
    one, two = (new_session(KEY, 7, 0, now=NOW, ttl_s=60) for _ in range(2))
    token = csrf_token(KEY, one)
    assert csrf_valid(KEY, one, token)
    assert not csrf_valid(KEY, two, token)
    later = dataclasses.replace(one, epoch=1)  # same nonce, the admin's next epoch
    assert not csrf_valid(KEY, later, token)
    assert not csrf_valid(KEY, one, None) and not csrf_valid(KEY, one, "")
    assert not csrf_valid(KEY, one, token + "0")


def test_csrf_check_survives_junk() -> None:
    session = new_session(KEY, 7, 0, now=NOW, ttl_s=60)
    assert not csrf_valid(KEY, session, "토큰" * 10)  # non-ASCII: refused, no TypeError
    assert read_session(KEY, session.value[:-1] + "é", now=NOW) is None


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # browsers that send no Origin
        ("http://127.0.0.1:8080", True),  # the address the request came to
        ("https://kbot.example.com", True),  # the public address, behind a proxy
        ("HTTPS://KBOT.EXAMPLE.COM", True),
        ("null", False),
        ("", False),
        ("https://evil.example", False),
        ("http://kbot.example.com", False),
        ("https://kbot.example.com.evil.example", False),
        ("http://127.0.0.1:8081", False),
    ],
)
def test_login_post_origin(origin: str | None, allowed: bool) -> None:
    assert (
        login_guard.origin_allowed(
            origin, public_url="https://kbot.example.com/", own_origin="http://127.0.0.1:8080"
        )
        is allowed
    )


def test_login_token_is_bound_to_code_cookie_and_time() -> None:
    value = login_guard.cookie_value(None)
    assert login_guard.cookie_value(value) == value  # a second tab keeps the browser's value
    for junk in ("", "short", "." * 24, "é" * 24):
        assert login_guard.cookie_value(junk) != junk
    token = login_guard.form_token(KEY, "code1", value, now=NOW)
    assert login_guard.token_valid(KEY, "code1", value, token, now=NOW)
    ttl = timedelta(seconds=login_guard.TTL_S)
    assert not login_guard.token_valid(KEY, "code1", value, token, now=NOW + ttl)
    assert not login_guard.token_valid(KEY, "code2", value, token, now=NOW)
    other = login_guard.cookie_value(None)
    assert other != value and not login_guard.token_valid(KEY, "code1", other, token, now=NOW)
    assert not login_guard.token_valid("another-key", "code1", value, token, now=NOW)
    for sent in (None, "", "x", "토큰", token + "0", "9" * 200, ["list"]):
        assert not login_guard.token_valid(KEY, "code1", value, sent, now=NOW)
    assert not login_guard.token_valid(KEY, "code1", None, token, now=NOW)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), max_size=40))
def test_bars_fit_the_plot_and_scale_with_the_counts(counts: list[tuple[int, int]]) -> None:
    series = (Series("성공", "ok"), Series("실패", "bad"))
    days = [Group(f"d{i}", (ok, bad)) for i, (ok, bad) in enumerate(counts)]
    chart = series_bars(series, days, width=600, height=200)
    top = chart.ticks[-1].value
    assert top >= max((ok + bad for ok, bad in counts), default=0)
    plot_h = chart.baseline - chart.ticks[-1].y
    for bar, (ok, bad) in zip(chart.bars, counts, strict=True):
        heights = {rect.css: rect.height for rect in bar.rects}
        assert heights.get("ok", 0) == pytest.approx(plot_h * ok / top, abs=0.01)
        assert heights.get("bad", 0) == pytest.approx(plot_h * bad / top, abs=0.01)
        for rect in bar.rects:
            assert chart.left <= rect.x and rect.x + rect.width <= chart.right + 0.01
            assert rect.y >= chart.ticks[-1].y - 0.02
        stacked = sorted(bar.rects, key=lambda r: -r.y)  # bottom first: ok under bad
        assert [r.css for r in stacked] == [c for c, n in (("ok", ok), ("bad", bad)) if n]
    assert sum(1 for bar in chart.bars if bar.label) <= 7


@pytest.mark.parametrize(
    ("value", "top"), [(0, 4), (3, 4), (5, 8), (45, 80), (100, 100), (101, 200), (999, 1000)]
)
def test_axis_top_is_a_round_number(value: int, top: int) -> None:
    assert nice_ceiling(value) == top


def test_cli_prints_a_one_time_link(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KBOT_DATABASE__URL", db_url)
    monkeypatch.setenv("KBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KBOT_SERVER__PUBLIC_URL", "https://kbot.example.com")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"]) == 0
    assert main(["admin", "add", "--kakao-user-id", "1001", "--org", "HQ", "--name", "홍길동"]) == 0
    capsys.readouterr()

    assert main(["web-login", "--admin", "1001"]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    prefix = "https://kbot.example.com/login/"
    assert link.startswith(prefix)
    assert main(["web-login", "--admin", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err

    async def use(code: str) -> list[int | None]:
        cfg = load_config()
        engine = create_engine(cfg.database, timezone=cfg.timezone)
        try:
            sessions = session_factory(engine)
            used = []
            for _ in range(2):
                async with sessions.begin() as s:
                    row = await one_time_codes.consume(
                        s, purpose=one_time_codes.WEB_LOGIN, code=code, at=datetime.now(UTC)
                    )
                    used.append(row.admin_id if row else None)
            return used
        finally:
            await engine.dispose()

    first, second = asyncio.run(use(link.removeprefix(prefix)))
    assert first is not None and second is None
