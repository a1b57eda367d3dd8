"""A scheduler worker process for the multi-process tests: the real ``Scheduler`` on the real
clock, with a sender that appends every send to a file (one line per part, flushed at once).

    python -m tests.support.sched_worker URL OUT EXPECTED_LOGS [--hang-on N] [--send-delay S]
        [--lease-s S]

It runs until ``kb_schedule_logs`` holds EXPECTED_LOGS rows, then stops. It may read images
(``tests.support.sched_support.image_file``) from the folder of OUT and writes their names. With
``--hang-on N`` the N-th send never returns (the test then kills the process with SIGKILL). With
``--send-delay S`` the sends go one at a time and each takes S seconds before it is confirmed
(as on the one Iris device), so a kill lands at varied points of a send. ``--lease-s`` may be
shorter than the configured minimum so that tests take over a killed worker's leases quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.sender import PRIORITY_SCHEDULED, SendResult
from core.clock import SystemClock
from core.config import load_config
from scheduler.service import Scheduler
from storage.engine import create_engine, is_mysql, session_factory
from storage.models import ScheduleLog
from tests.support.sched_support import PNG_MAGIC, with_settings


class FileSender:
    def __init__(self, path: str, hang_on: int | None, delay: float) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._hang_on = hang_on
        self._delay = delay
        self._one_at_a_time = asyncio.Lock()
        self._calls = 0

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return await self._send(f"{room_id}\t{text}")

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return await self._send(f"{room_id}\t{b''.join(images).removeprefix(PNG_MAGIC).decode()}")

    async def close(self) -> None:
        os.close(self._fd)

    async def _send(self, line: str) -> SendResult:
        self._calls += 1
        if self._calls == self._hang_on:
            os.write(self._fd, b"HANG\n")
            await asyncio.Event().wait()
        async with self._one_at_a_time:
            if self._delay:
                await asyncio.sleep(self._delay)
            os.write(self._fd, f"{line}\n".encode())
        return SendResult(ok=True, raw={"pid": os.getpid()})


async def main(args: argparse.Namespace) -> None:
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": args.url,
            "KBOT_DATABASE__POOL_SIZE": "20",
            "KBOT_SCHEDULER__RECHECK_INTERVAL_S": "0.3",
            "KBOT_SCHEDULER__CLAIM_BATCH": "50",
            "KBOT_SCHEDULER__MAX_CONCURRENT_SENDS": "20",
            "KBOT_WEB__IMAGE_DIRS": json.dumps([str(Path(args.out).parent)]),
        }
    )
    # room_min_interval_s=0; lease_s unvalidated, so it may be below the minimum of 5
    cfg = with_settings(cfg, lease_s=args.lease_s)
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    sender = FileSender(args.out, args.hang_on, args.send_delay)
    scheduler = Scheduler(cfg, sessions, sender, SystemClock(), mysql=is_mysql(engine))
    scheduler.start()
    try:
        while True:
            async with sessions() as s:
                done = await s.scalar(select(func.count()).select_from(ScheduleLog))
            if (done or 0) >= args.expected:
                break
            await asyncio.sleep(0.2)
    finally:
        await scheduler.stop()
        await sender.close()
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("expected", type=int)
    parser.add_argument("--hang-on", type=int)
    parser.add_argument("--send-delay", type=float, default=0.0)
    parser.add_argument("--lease-s", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
