"""Credentials never reach the logs: ``core.redact`` and the dry-run transport's log."""

from __future__ import annotations

import logging
import secrets

import pytest

from bot.dryrun import DryRunSender
from core.redact import redact

ROOM = "257378349297847"
CODE = secrets.token_urlsafe(32)  # what storage.one_time_codes.create_web_login issues


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"🔗 웹 로그인 링크 (10분 동안 한 번만 쓸 수 있습니다):\nhttps://kbot.example.com/login/{CODE}",
            "🔗 웹 로그인 링크 (10분 동안 한 번만 쓸 수 있습니다):\nhttps://kbot.example.com/login/***",
        ),
        (f"http://127.0.0.1:8080/login/{CODE} 열기", "http://127.0.0.1:8080/login/*** 열기"),
        (f"POST /login/{CODE}", "POST /login/***"),
        ("!관리자 인증 ABCD2345EFGH", "!관리자 인증 ***"),
        ("!관리자  인증\tabcd2345efgh 입니다", "!관리자  인증\t*** 입니다"),
        ("/Admin Verify ABCD2345EFGH", "/Admin Verify ***"),
        (f"토큰: kbt_{CODE}.", "토큰: kbt_***."),
        # nothing secret: unchanged
        ("관리자 인증을 합니다. /login-required", "관리자 인증을 합니다. /login-required"),
        ("이번 주 특가 상품을 안내드립니다.", "이번 주 특가 상품을 안내드립니다."),
    ],
)
def test_redact_masks_credentials_only(text: str, expected: str) -> None:
    assert redact(text) == expected


async def test_dry_run_log_never_holds_a_login_code(caplog: pytest.LogCaptureFixture) -> None:
    sender = DryRunSender()
    caplog.set_level(logging.DEBUG)
    text = f"🔗 웹 로그인 링크:\nhttp://127.0.0.1:8080/login/{CODE}\n토큰 kbt_{CODE[:20]}"
    await sender.send_text(ROOM, text)
    logged = caplog.text
    assert "dry run: text to room" in logged and "/login/***" in logged
    assert CODE not in logged and CODE[:20] not in logged
    assert sender.sent[-1]["text"] == text  # what tests inspect keeps the full text
