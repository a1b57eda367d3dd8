"""Webhook load: concurrent clients post Iris command webhooks (``!도움말`` and ``!스케줄
목록`` from a registered admin) to a real ``kbot serve`` (dry-run transport, SQLite or
MariaDB) running as a subprocess on 127.0.0.1, bounded by a request count and a time limit.

    python bench/webhook_load.py [--requests 5000] [--concurrency 50] [--max-seconds 60]
        [--messages commands|chatter]
        [--database sqlite+aiosqlite:///tmp/x.db | mysql+aiomysql://root@127.0.0.1/bench]

``/webhook/iris`` answers at once and handles the command in the background, so two rates
are printed: HTTP answers (req/s, p50/p99 latency of the answer, measured by the client) and
commands handled (from the server's ``kbot_command_seconds_count`` on ``GET /metrics``, until
every posted command was handled). ``--messages chatter`` posts ordinary member messages: no
command, but each is counted in the room's hour by the engagement capture (one upsert in a
background task), so it measures the HTTP path plus that write.

The set-up uses the CLI (``kbot db upgrade``, ``org add``, ``admin add``, ``room add``) in a
temporary directory; a SQLite database is created there unless ``--database`` is given (a
MySQL database must exist and be empty or upgradable).
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
from _kbot_serve import free_port, wait_healthy
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "bench-token"  # a throwaway token for a local benchmark server
ADMIN = "252507685"
ROOM = "257378349297847"
MESSAGES = {
    "commands": ("!도움말", "!스케줄 목록"),
    "chatter": ("안녕하세요", "오늘 공지 확인했습니다"),  # no command: the HTTP path alone
}
KBOT = Path(sys.executable).with_name("kbot")


def server_env(workdir: Path, database: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBOT_")}
    env.update(
        KBOT_DATABASE__URL=database,
        KBOT_DATA_DIR=str(workdir / "data"),
        KBOT_WEB__UPLOAD_DIR=str(workdir / "data" / "images"),
        KBOT_WEB__SECRET_KEY="bench-secret-key-0123456789",
        KBOT_SERVER__PORT=str(port),
        KBOT_BOT__TRANSPORT="dryrun",
        KBOT_BOT__WEBHOOK_TOKEN=TOKEN,
        KBOT_LOGGING__LEVEL="WARNING",
    )
    return env


def prepare(workdir: Path, env: dict[str, str]) -> None:
    for args in (
        ["db", "upgrade"],
        ["org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"],
        ["admin", "add", "--kakao-user-id", ADMIN, "--org", "HQ", "--name", "벤치"],
        ["room", "add", "--room-id", ROOM, "--name", "벤치방", "--org", "HQ"],
    ):
        subprocess.run([str(KBOT), *args], cwd=workdir, env=env, check=True, capture_output=True)


def event(text: str, n: int) -> dict[str, Any]:
    """An Iris message event (docs/iris.md) from the admin in the room."""
    return {
        "msg": text,
        "room": "벤치방",
        "sender": "벤치",
        "json": {
            "_id": f"bench-{n}",
            "id": str(3530028521861085185 + n),  # KakaoTalk's message id
            "chat_id": ROOM,
            "user_id": ADMIN,
            "message": text,
            "type": "1",
            "created_at": str(int(time.time())),
            "v": '{"origin":"MSG","isMine":false}',
        },
    }


async def handled(session: aiohttp.ClientSession, base: str) -> float:
    async with session.get(f"{base}/metrics") as resp:
        text = await resp.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "kbot_command_seconds_count":
                return sample.value
    return 0.0


async def load(
    base: str, texts: tuple[str, ...], requests: int, concurrency: int, max_seconds: float
) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        numbers = itertools.count()
        latencies: list[float] = []
        busy = errors = 0
        deadline = time.perf_counter() + max_seconds
        url = f"{base}/webhook/iris?token={TOKEN}"
        before = await handled(session, base)

        async def client() -> None:
            nonlocal busy, errors
            while time.perf_counter() < deadline:
                n = next(numbers)
                if n >= requests:
                    return
                started = time.perf_counter()
                async with session.post(url, json=event(texts[n % len(texts)], n)) as resp:
                    await resp.read()
                    if resp.status == 503:
                        busy += 1
                    elif resp.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        answered_s = time.perf_counter() - started
        sent = len(latencies)
        accepted = sent - busy - errors  # a refused event is never handled
        for _ in range(600):  # the background work finishes shortly after the last answer
            if await handled(session, base) - before >= accepted:
                break
            await asyncio.sleep(0.05)
        handled_s = time.perf_counter() - started
        done = await handled(session, base) - before

    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"requests {sent}, concurrency {concurrency}: {accepted} accepted, {busy} refused as "
        f"busy (503: over the cap of events in flight), {errors} other errors"
    )
    print(f"answered  {sent / answered_s:8.0f} req/s   over {answered_s:.2f} s")
    print(f"latency   p50 {cuts[49] * 1000:6.1f} ms   p99 {cuts[98] * 1000:6.1f} ms")
    print(
        f"handled   {done / handled_s:8.0f} cmd/s   ({done:.0f} of {accepted} accepted "
        f"in {handled_s:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--messages", choices=sorted(MESSAGES), default="commands")
    parser.add_argument("--database", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kbot-bench-") as tmp:
        workdir = Path(tmp)
        database = args.database or f"sqlite+aiosqlite:///{workdir}/kbot.db"
        port = free_port()
        env = server_env(workdir, database, port)
        prepare(workdir, env)
        server = subprocess.Popen([str(KBOT), "serve"], cwd=workdir, env=env)
        base = f"http://127.0.0.1:{port}"
        try:

            async def run() -> None:
                async with aiohttp.ClientSession() as session:
                    await wait_healthy(session, base, server)
                await load(
                    base, MESSAGES[args.messages], args.requests, args.concurrency, args.max_seconds
                )

            asyncio.run(run())
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
