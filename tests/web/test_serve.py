"""``kbot serve`` as people run it: a busy port or an old schema is one clear line with
nothing started; "listening" and the web address come once it really listens, the
first-admin hint only while there is no admin; the Iris transport with loopback addresses
is warned about."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from core.config import load_config
from tests.support.served import KBOT, Served, free_port, run_kbot
from web.serve import unreachable_from_phone


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


async def test_a_busy_port_is_one_line_and_nothing_starts(busy_port: int, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KBOT_SERVER__PORT": str(busy_port),
        "KBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/kbot.db",
    }
    code, out, err = await run_kbot(env, tmp_path, "serve")
    assert (code, out) == (1, "")
    assert err == f"kbot: error: cannot listen on 127.0.0.1:{busy_port}: address already in use\n"
    assert not (tmp_path / "kbot.db").exists()  # the database was not even opened


async def test_iris_on_loopback_addresses_is_warned_about(busy_port: int, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KBOT_SERVER__PORT": str(busy_port),
        "KBOT_BOT__TRANSPORT": "iris",
        "KBOT_BOT__WEBHOOK_TOKEN": "a-long-webhook-token-0123456789",
    }
    code, _, err = await run_kbot(env, tmp_path, "serve")
    assert code == 1
    lines = err.splitlines()
    warnings = [line for line in lines if " WARNING kbot.app: " in line]
    assert len(warnings) == 2
    assert "server.host is 127.0.0.1, a loopback address: the Iris phone cannot" in warnings[0]
    assert "server.public_url is http://127.0.0.1:8080, a loopback address" in warnings[1]
    assert lines[-1].startswith("kbot: error: cannot listen on")


@pytest.mark.parametrize(
    ("env", "warned"),
    [
        ({}, []),  # dryrun: nobody needs to reach it
        ({"KBOT_SERVER__HOST": "localhost"}, ["server.host", "server.public_url"]),
        ({"KBOT_SERVER__HOST": "::1"}, ["server.host", "server.public_url"]),
        ({"KBOT_SERVER__PUBLIC_URL": "https://kbot.example.com"}, ["server.host"]),
        ({"KBOT_SERVER__HOST": "10.0.0.5"}, ["server.public_url"]),
        (
            {"KBOT_SERVER__HOST": "0.0.0.0", "KBOT_SERVER__PUBLIC_URL": "http://10.0.0.5:8080"},
            [],
        ),
    ],
)
def test_what_a_phone_cannot_reach(env: dict[str, str], warned: list[str]) -> None:
    iris = {"KBOT_BOT__TRANSPORT": "iris", "KBOT_BOT__WEBHOOK_TOKEN": "t" * 32} if env else {}
    cfg = load_config(env={**iris, **env})
    assert [w.split(" ", 1)[0] for w in unreachable_from_phone(cfg)] == warned


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Served:
    env = {
        **os.environ,
        "KBOT_DATABASE__URL": db_url,
        "KBOT_DATA_DIR": str(tmp_path / "data"),
        "KBOT_SERVER__PORT": str(free_port()),
        "KBOT_SCHEDULER__RECHECK_INTERVAL_S": "1",
    }
    return Served(env, tmp_path)


async def test_serve_says_where_once_it_listens_and_the_first_admin_hint_until_one_exists(
    served: Served,
) -> None:
    port = served.env["KBOT_SERVER__PORT"]
    assert (await served.cli("db", "upgrade"))[0] == 0

    first = await served.start()
    url = f"http://127.0.0.1:{port}"
    assert first == f"kbot web: {url}  (health: {url}/healthz; settings: README.md)\n"
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as resp:
        assert resp.status in (200, 503)  # it listens the moment it says so
    code, rest, err = await served.stop()
    assert code == 0
    assert "No admin yet. Create the first one:" in rest
    assert f"{KBOT} org add --type headquarters --code HQ --name 본사" in rest
    assert f"{KBOT} admin invite --org HQ --name <NAME>" in rest
    assert err.count("kbot listening on") == 1
    assert err.index("scheduler started") < err.index(f"kbot listening on http://127.0.0.1:{port}")
    assert "Traceback" not in err

    await served.cli("org", "add", "--type", "headquarters", "--code", "ROOT", "--name", "본사")
    await served.start()
    code, rest, _ = await served.stop()
    assert f"{KBOT} admin invite --org ROOT" in rest and "org add" not in rest

    await served.cli("admin", "add", "--kakao-user-id", "252507685", "--org", "ROOT", "--name", "a")
    first = await served.start()
    code, rest, _ = await served.stop()
    assert first.startswith("kbot web: ") and rest.startswith("links the bot sends start with")
    assert "admin" not in rest


async def test_an_old_schema_is_one_line_and_nothing_starts(served: Served) -> None:
    code, out, err = await served.cli("serve")  # no `kbot db upgrade` first
    assert code == 1 and out == ""
    last = err.splitlines()[-1]
    assert last.startswith("kbot: error: database schema is at nothing, this kbot needs ")
    assert last.endswith("run `kbot db upgrade`")
    assert "Traceback" not in err and "listening" not in err
