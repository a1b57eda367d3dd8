"""Offboarding across processes: ``kbot admin deactivate`` run as its own process reaches a
running ``kbot serve`` (another process sharing the database) within the documented bound
(shared/CONTRACT.md: 2 s): the admin's chat commands are refused, its API token at once.

Real processes and real HTTP: the server talks to a fake Iris device in this process, the
webhook is posted the way Iris posts it. The wait is on real time because it is the subject:
the other process's identity cache (``commands.identity.IDENTITY_TTL_S``) is what is bounded.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from commands.router import NOT_ADMIN
from tests.support.fakes import FakeIris
from tests.support.served import Served, free_port
from tests.support.waits import wait_until

TOKEN = "reach-webhook-token-0123456789"
ADMIN = "252507685"
HQ_ADMIN = "252500001"
ROOM = "257378349297847"
BOUND_S = 2.0  # shared/CONTRACT.md, `kbot admin deactivate`
REFUSED = NOT_ADMIN.split("(")[0].strip()  # the reply's first words, whatever the prefix
FIXTURE = Path(__file__).parent / "fixtures" / "iris" / "text_command.json"
_ids = itertools.count(500_000)


def command(text: str, user: str = ADMIN) -> dict[str, Any]:
    body = json.loads(FIXTURE.read_text("utf-8"))
    body["msg"] = body["json"]["message"] = text
    body["json"].update(user_id=user, chat_id=ROOM, _id=str(next(_ids)))
    return body


@pytest.fixture
async def iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


@pytest.fixture
async def server(db_url: str, tmp_path: Path, iris: FakeIris) -> AsyncIterator[Served]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KBOT_")},
        "KBOT_DATABASE__URL": db_url,
        "KBOT_DATA_DIR": str(tmp_path / "data"),
        "KBOT_SERVER__PORT": str(free_port()),
        "KBOT_BOT__TRANSPORT": "iris",
        "KBOT_BOT__IRIS__URL": iris.url,
        "KBOT_BOT__IRIS__TEXT_GAP_MS": "0",
        "KBOT_BOT__WEBHOOK_TOKEN": TOKEN,
        "KBOT_BOT__REPLIES_PER_SENDER_PER_MINUTE": "1000",
        "KBOT_BOT__REPLIES_PER_ROOM_PER_MINUTE": "1000",
    }
    served = Served(env, tmp_path)
    for argv in (
        ("db", "upgrade"),
        ("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"),
        ("org", "add", "--type", "branch", "--code", "BR1", "--name", "강남", "--parent", "HQ"),
        ("admin", "add", "--kakao-user-id", HQ_ADMIN, "--org", "HQ", "--name", "본사담당"),
        ("admin", "add", "--kakao-user-id", ADMIN, "--org", "BR1", "--name", "김지점장"),
        ("room", "add", "--room-id", ROOM, "--name", "강남 공지방", "--org", "BR1"),
    ):
        code, _, err = await served.cli(*argv)
        assert code == 0, err
    await served.start()
    yield served
    code, _, err = await served.stop()
    assert code == 0 and "Traceback" not in err, err


async def ask(http: aiohttp.ClientSession, base: str, iris: FakeIris, text: str) -> str:
    """Post one chat command as Iris does; the bot's reply (the next ``/reply`` call)."""
    before = len(iris.calls)
    async with http.post(f"{base}/webhook/iris?token={TOKEN}", json=command(text)) as resp:
        assert resp.status == 200
    await wait_until(lambda: len(iris.calls) > before, f"a reply to {text}", timeout_s=15)
    return str(iris.calls[before].body["data"])


async def reply_or_silence(
    http: aiohttp.ClientSession, base: str, iris: FakeIris, text: str
) -> str:
    """``ask``, or ``""`` when no reply comes within 0.3 s: a refusal held back by the
    reply gate (someone it takes for a non-admin hears one refusal a minute), which is what a
    server still acting on its cached deactivation answers."""
    before = len(iris.calls)
    async with http.post(f"{base}/webhook/iris?token={TOKEN}", json=command(text)) as resp:
        assert resp.status == 200
    try:
        await wait_until(lambda: len(iris.calls) > before, f"a reply to {text}", timeout_s=0.3)
    except AssertionError:
        return ""
    return str(iris.calls[before].body["data"])


async def test_a_deactivation_by_the_cli_reaches_a_running_server_within_the_bound(
    server: Served, iris: FakeIris
) -> None:
    base = f"http://127.0.0.1:{server.env['KBOT_SERVER__PORT']}"
    code, out, err = await server.cli("token", "create", "--admin", ADMIN)
    assert code == 0, err
    token = out.splitlines()[-1].strip()
    bearer = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        assert REFUSED not in await ask(http, base, iris, "!스케줄 목록")  # remembered now
        async with http.get(f"{base}/api/schedules", headers=bearer) as resp:
            assert resp.status == 200

        code, out, err = await server.cli("admin", "deactivate", ADMIN)
        assert code == 0, err
        done = time.monotonic()
        async with http.get(f"{base}/api/schedules", headers=bearer) as resp:
            assert resp.status == 401  # tokens are read on every request: at once
        while REFUSED not in (reply := await ask(http, base, iris, "!스케줄 목록")):
            assert "스케줄" in reply  # still served from the other process's cache
            assert time.monotonic() - done <= BOUND_S, "still acting after the bound"
        assert time.monotonic() - done <= BOUND_S

        code, _, err = await server.cli("admin", "activate", ADMIN)
        assert code == 0, err
        back = time.monotonic()
        while not (reply := await reply_or_silence(http, base, iris, "!스케줄 목록")) or (
            REFUSED in reply
        ):
            assert time.monotonic() - back <= BOUND_S, "still refused after the bound"
        async with http.get(f"{base}/api/schedules", headers=bearer) as resp:
            assert resp.status == 401  # reactivation does not bring the token back
