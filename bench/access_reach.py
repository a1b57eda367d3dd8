"""Access reach: how long after ``kbot admin deactivate`` (a process of its own) a running
``kbot serve`` refuses the admin's chat commands. The bound promised in shared/CONTRACT.md is
2 s; what bounds it is the serving process's identity cache (``IDENTITY_TTL_S``, 1 s).

    python bench/access_reach.py [--rounds 10]
        [--database sqlite+aiosqlite:///tmp/x.db | mysql+aiomysql://root@127.0.0.1/bench]

Each round takes another admin in another room (a refused stranger hears the refusal once,
and replies per room are limited): the admin's ``!스케줄 목록`` is posted again and again, as
Iris posts it, to ``/webhook/iris`` (so the server always remembers the admin: the worst
case for its cache) while the CLI deactivates the admin; the time from the CLI's exit to the
first refusal is one figure. The server replies to a minimal Iris device served by this
script. Printed: median and max reach, and the CLI's own run time (process start included).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from _kbot_serve import free_port
from aiohttp import web

TOKEN = "bench-token-0123456789"  # a throwaway token for a local benchmark server
ADMIN = "252507685"  # the first round's admin; the next ones count up
HQ_ADMIN = "252500001"
ROOM = "257378349297847"
REFUSED = "등록된 관리자만"
KBOT = Path(sys.executable).with_name("kbot")
_ids = itertools.count()


class Iris:
    """The least of an Iris device: ``/reply`` recorded, ``/config`` and ``/query`` answered."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.arrived = asyncio.Event()

    async def reply(self, request: web.Request) -> web.Response:
        self.replies.append(str((await request.json()).get("data", "")))
        self.arrived.set()
        return web.json_response({"success": True, "message": "success"})

    async def config(self, request: web.Request) -> web.Response:
        return web.json_response({"bot_id": "9900112233"})

    async def query(self, request: web.Request) -> web.Response:
        return web.json_response({"data": [{"type": "MultiChat"}]})

    async def serve(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/reply", self.reply)
        app.router.add_get("/config", self.config)
        app.router.add_post("/query", self.query)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner, f"http://127.0.0.1:{port}"


def server_env(workdir: Path, database: str, port: int, iris_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBOT_")}
    env.update(
        KBOT_DATABASE__URL=database,
        KBOT_DATA_DIR=str(workdir / "data"),
        KBOT_WEB__SECRET_KEY="bench-secret-key-0123456789",
        KBOT_SERVER__PORT=str(port),
        KBOT_BOT__TRANSPORT="iris",
        KBOT_BOT__IRIS__URL=iris_url,
        KBOT_BOT__IRIS__TEXT_GAP_MS="0",
        KBOT_BOT__WEBHOOK_TOKEN=TOKEN,
        KBOT_BOT__REPLIES_PER_SENDER_PER_MINUTE="1000",
        KBOT_BOT__REPLIES_PER_ROOM_PER_MINUTE="1000",
        KBOT_LOGGING__LEVEL="WARNING",
    )
    return env


def kbot(workdir: Path, env: dict[str, str], *args: str) -> float:
    """Run one CLI command; its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([str(KBOT), *args], cwd=workdir, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def prepare(workdir: Path, env: dict[str, str], users: list[str]) -> None:
    for args in (
        ["db", "upgrade"],
        ["org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"],
        ["org", "add", "--type", "branch", "--code", "BR1", "--name", "강남", "--parent", "HQ"],
        ["admin", "add", "--kakao-user-id", HQ_ADMIN, "--org", "HQ", "--name", "본사"],
        ["room", "add", "--room-id", ROOM, "--name", "벤치방", "--org", "BR1"],
    ):
        kbot(workdir, env, *args)
    for user in users:
        kbot(
            workdir, env, "admin", "add", "--kakao-user-id", user, "--org", "BR1", "--name", "벤치"
        )


def event(text: str, user: str) -> dict[str, Any]:
    return {
        "msg": text,
        "room": "벤치방",
        "sender": "벤치",
        "json": {
            "_id": str(700_000 + next(_ids)),
            "chat_id": str(int(ROOM) + int(user) - int(ADMIN)),  # a room per admin: own limits
            "user_id": user,
            "message": text,
            "type": "1",
            "created_at": str(int(time.time())),
            "v": '{"origin":"MSG","isMine":false}',
        },
    }


async def ask(http: aiohttp.ClientSession, base: str, iris: Iris, user: str) -> str:
    before = len(iris.replies)
    iris.arrived.clear()
    async with http.post(
        f"{base}/webhook/iris?token={TOKEN}", json=event("!스케줄 목록", user)
    ) as resp:
        assert resp.status == 200, resp.status
    while len(iris.replies) <= before:
        await asyncio.wait_for(iris.arrived.wait(), 30)
        iris.arrived.clear()
    return iris.replies[before]


async def rounds(
    workdir: Path, env: dict[str, str], base: str, iris: Iris, users: list[str]
) -> None:
    reach: list[float] = []
    cli: list[float] = []
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:

        async def refused_at(user: str) -> float:
            while REFUSED not in await ask(http, base, iris, user):
                pass
            return time.perf_counter()

        for user in users:
            assert REFUSED not in await ask(http, base, iris, user)
            asking = asyncio.create_task(refused_at(user))
            cli.append(
                await loop.run_in_executor(None, kbot, workdir, env, "admin", "deactivate", user)
            )
            done = time.perf_counter()
            reach.append(max(0.0, await asking - done))
    print(f"rounds {len(users)}, database {env['KBOT_DATABASE__URL'].split(':')[0]}")
    print(
        f"reach     median {statistics.median(reach) * 1000:6.0f} ms   "
        f"max {max(reach) * 1000:6.0f} ms   (bound 2000 ms)"
    )
    print(f"cli run   median {statistics.median(cli) * 1000:6.0f} ms   (process start included)")


async def wait_served(base: str, server: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if server.returncode is not None:
                raise SystemExit(f"kbot serve exited with {server.returncode}")
            try:
                async with http.get(f"{base}/healthz") as resp:
                    if resp.status in (200, 503):  # it listens
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("kbot serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()

    async def run(workdir: Path) -> None:
        iris = Iris()
        runner, iris_url = await iris.serve()
        database = args.database or f"sqlite+aiosqlite:///{workdir}/kbot.db"
        port = free_port()
        env = server_env(workdir, database, port, iris_url)
        users = [str(int(ADMIN) + n) for n in range(args.rounds)]
        prepare(workdir, env, users)
        server = await asyncio.create_subprocess_exec(str(KBOT), "serve", cwd=workdir, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_served(base, server)
            await rounds(workdir, env, base, iris, users)
        finally:
            server.send_signal(signal.SIGTERM)
            await asyncio.wait_for(server.wait(), 60)
            await runner.cleanup()

    with tempfile.TemporaryDirectory(prefix="kbot-bench-") as tmp:
        asyncio.run(run(Path(tmp)))


if __name__ == "__main__":
    main()
