"""Delivery receipts: confirmation latency and what receipts cost the database. N schedules
due at once over N rooms are sent over real HTTP to a fake Iris in its own process, which
answers each ``/reply`` at once and, ``--echo-delay-ms`` later, posts the bot's own echo back
to a webhook in the bot's process; run twice on a fresh database, without receipts (as with
the dry run) and with them (the iris transport).

    python bench/confirm_latency.py [--parts 2000] [--devices 8] [--echo-delay-ms 200]
        [--db-url sqlite+aiosqlite:////tmp/kbot_confirm.db | mysql+aiomysql://root@127.0.0.1/bench]

The database is created from scratch each run (SQLite file removed; a MySQL database is
emptied). Prints, per run, parts/s until Iris had every part, SQL statements and bot CPU per
part; with receipts also the confirmation latency p50/p95/max (Iris's answer to the
committed confirmation, both timed in the bot's process, so it includes the echo delay).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from scheduler_bench import _cpu_s, device_of, make_due, seed
from sqlalchemy import event
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import parse_iris
from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from bot.sender import SendResult
from core.clock import SystemClock
from core.config import load_config
from scheduler.receipt_book import ReceiptBook
from scheduler.service import Scheduler
from storage.engine import create_engine, is_mysql, session_factory

BOT_ID = "9900112233"


class EchoingIris:
    """Answers every ``POST /reply`` at once and echoes it to ``webhook`` after ``delay_s``."""

    def __init__(self, expected: int, delay_s: float, webhook: str) -> None:
        self.arrived = 0
        self.all_arrived = asyncio.Event()
        self._expected, self._delay_s, self._webhook = expected, delay_s, webhook
        self._ids = itertools.count(3530028521861085185)
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    async def reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.arrived += 1
        if self.arrived >= self._expected:
            self.all_arrived.set()
        if self._webhook:
            task = asyncio.create_task(self._echo(str(body["room"]), str(body["data"])))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response({"success": True, "message": "success"})

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._http is not None:
            await self._http.close()

    async def _echo(self, room: str, message: str) -> None:
        await asyncio.sleep(self._delay_s)
        log_id = str(next(self._ids))
        v = {"origin": "MSG", "isMine": True, "enc": 31}
        body = {
            "msg": message,
            "room": room,
            "sender": "bot",
            "json": {
                "_id": log_id[-9:],
                "id": log_id,
                "type": "1",
                "chat_id": room,
                "user_id": BOT_ID,
                "message": message,
                "attachment": "{}",
                "created_at": str(int(time.time())),
                "v": json.dumps(v),
            },
        }
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.post(self._webhook, json=body) as response:
            await response.read()


def serve_iris(expected: int, delay_s: float, webhook: str, conn: Connection) -> None:
    """The fake Iris's own process: sends its URL, then True once every part arrived."""

    async def run() -> None:
        iris = EchoingIris(expected, delay_s, webhook)
        app = web.Application()
        app.router.add_post("/reply", iris.reply)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        conn.send(f"http://{host}:{port}")
        await iris.all_arrived.wait()
        conn.send(True)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await iris.close()
        await runner.cleanup()

    asyncio.run(run())


class Timed:
    """The Iris sender, noting when Iris accepted each room's part."""

    def __init__(self, sender: IrisSender) -> None:
        self.sender = sender
        self.accepted: dict[str, float] = {}

    async def send_text(self, room_id: str, text: str, **kw: Any) -> SendResult:
        result = await self.sender.send_text(room_id, text, **kw)
        self.accepted[room_id] = time.time()
        return result

    async def send_images(self, room_id: str, images: Sequence[bytes], **kw: Any) -> SendResult:
        return await self.sender.send_images(room_id, images, **kw)

    async def close(self) -> None:
        await self.sender.close()


class Webhook:
    """``POST /webhook/iris`` in the bot's process: each echo goes to the receipt book; when
    it confirmed a part, the time is noted per room."""

    def __init__(self, book: ReceiptBook, expected: int) -> None:
        self.book = book
        self.confirmed: dict[str, float] = {}
        self.all_confirmed = asyncio.Event()
        self._expected = expected

    async def handle(self, request: web.Request) -> web.Response:
        parsed = parse_iris(await request.json())
        if await self.book.on_event(parsed, BOT_ID) == "confirmed":
            self.confirmed[parsed.room_id] = time.time()
            if len(self.confirmed) >= self._expected:
                self.all_confirmed.set()
        return web.json_response({"ok": True})


def count_statements(engine: AsyncEngine) -> list[int]:
    counter = [0]

    def executed(*_: Any) -> None:
        counter[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    return counter


async def fresh(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        await asyncio.to_thread(Path(parsed.database).unlink, missing_ok=True)
        return
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    async with engine.begin() as conn:
        names = (await conn.execute(sql("SHOW TABLES"))).scalars().all()
        await conn.execute(sql("SET FOREIGN_KEY_CHECKS = 0"))
        for name in names:
            await conn.execute(sql(f"DROP TABLE `{name}`"))
    await engine.dispose()


async def one_run(args: argparse.Namespace, receipts: bool) -> dict[str, Any]:
    url, parts = args.db_url, args.parts
    await fresh(url)
    await seed(url, parts, 0, parts, args.devices, datetime.now(UTC))
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    await make_due(url, parts, due)
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": url,
            "KBOT_SCHEDULER__ROOM_MIN_INTERVAL_S": "0",
            "KBOT_SCHEDULER__ROOM_DAILY_LIMIT": "100000",
            "KBOT_SCHEDULER__MISFIRE_GRACE_S": "3600",
            "KBOT_BOT__CONFIRM_TIMEOUT_S": "600",
        }
    )
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    clock = SystemClock()
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:
        devices = [
            IrisDevice(device_of(n, args.devices), "", 0, 0, 10) for n in range(args.devices)
        ]
        app = web.Application()
        runner = web.AppRunner(app, access_log=None)
        hook: Webhook | None = None

        async def webhook(request: web.Request) -> web.Response:
            assert hook is not None
            return await hook.handle(request)

        app.router.add_post("/webhook/iris", webhook)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        conn, child = multiprocessing.Pipe()
        hook_url = f"http://{host}:{port}/webhook/iris" if receipts else ""
        iris = multiprocessing.get_context("spawn").Process(
            target=serve_iris, args=(parts, args.echo_delay_ms / 1000, hook_url, child), daemon=True
        )
        iris.start()
        iris_url = await loop.run_in_executor(None, conn.recv)
        devices = [IrisDevice(d.name, iris_url, 0, 0, 10) for d in devices]
        sender = IrisSender(
            http,
            devices,
            clock,
            room_device=lambda room: device_of(int(room) - 10_000, args.devices),
        )
        await sender.start()
        timed = Timed(sender)
        scheduler = Scheduler(
            cfg,
            session_factory(engine),
            timed,
            clock,
            mysql=is_mysql(engine),
            device_for=sender.device_for if receipts else None,
        )
        if scheduler.receipts is not None:
            hook = Webhook(scheduler.receipts, parts)
        statements = count_statements(engine)
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        began, cpu_began = time.time(), _cpu_s()
        scheduler.start()
        await loop.run_in_executor(None, conn.recv)
        sent_s = time.time() - began
        if hook is not None:
            await asyncio.wait_for(hook.all_confirmed.wait(), 120)
        await scheduler.drain()
        elapsed, cpu = time.time() - began, _cpu_s() - cpu_began
        used = statements[0]
        await scheduler.stop()
        await sender.close()
        conn.send("stop")
        await loop.run_in_executor(None, iris.join)
        await runner.cleanup()
    await engine.dispose()
    result: dict[str, Any] = {
        "dialect": engine.dialect.name,
        "rate": parts / sent_s,
        "statements": used / parts,
        "cpu_ms": 1000 * cpu / parts,
        "elapsed": elapsed,
    }
    if hook is not None:
        latency = sorted(
            max(0.0, hook.confirmed[room] - timed.accepted[room]) for room in hook.confirmed
        )
        result["p50"] = statistics.median(latency)
        result["p95"] = latency[int(len(latency) * 0.95) - 1]
        result["max"] = latency[-1]
    return result


async def main(args: argparse.Namespace) -> None:
    plain = await one_run(args, receipts=False)
    confirmed = await one_run(args, receipts=True)
    name = plain["dialect"]
    print(
        f"{name}: {args.parts} parts over {args.devices} Iris devices, echo after "
        f"{args.echo_delay_ms} ms"
    )
    for label, run in (("without receipts", plain), ("with receipts   ", confirmed)):
        print(
            f"  {label}: {run['rate']:.0f} parts/s to Iris, {run['statements']:.1f} SQL "
            f"statements/part, bot CPU {run['cpu_ms']:.2f} ms/part"
        )
    print(
        f"  extra per part: {confirmed['statements'] - plain['statements']:.1f} SQL statements, "
        f"{confirmed['cpu_ms'] - plain['cpu_ms']:.2f} ms bot CPU (echo handling included)"
    )
    print(
        f"  confirmation latency (Iris's answer to the stored confirmation): "
        f"p50 {1000 * confirmed['p50']:.0f} ms, p95 {1000 * confirmed['p95']:.0f} ms, "
        f"max {1000 * confirmed['max']:.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=2_000)
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--echo-delay-ms", type=int, default=200)
    parser.add_argument("--db-url", default="sqlite+aiosqlite:////tmp/kbot_confirm.db")
    asyncio.run(main(parser.parse_args()))
