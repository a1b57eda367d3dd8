"""A scheduler worker process for the multi-process tests: the real ``Scheduler`` on the real
clock, with a sender that appends every send to a file (one line per part, flushed at once).

    python -m tests.sched_worker URL OUT EXPECTED_LOGS [--hang-on N]

It runs until ``kb_schedule_logs`` holds EXPECTED_LOGS rows, then stops. With ``--hang-on N``
the N-th send never returns (the test then kills the process with SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence

from sqlalchemy import func, select

from bot.sender import PRIORITY_SCHEDULED, SendResult
from kbot.clock import SystemClock
from kbot.config import load_config
from scheduler.service import Scheduler
from storage.engine import create_engine, is_mysql, session_factory
from storage.models import ScheduleLog


class FileSender:
    def __init__(self, path: str, hang_on: int | None) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._hang_on = hang_on
        self._calls = 0

    async def send_text(
        self, room_id: str, text: str, *, priority: int = PRIORITY_SCHEDULED
    ) -> SendResult:
        return await self._send(f"{room_id}\t{text}")

    async def send_images(
        self, room_id: str, images: Sequence[bytes], *, priority: int = PRIORITY_SCHEDULED
    ) -> SendResult:
        return await self._send(f"{room_id}\t{b''.join(images).decode()}")

    async def close(self) -> None:
        os.close(self._fd)

    async def _send(self, line: str) -> SendResult:
        self._calls += 1
        if self._calls == self._hang_on:
            os.write(self._fd, b"HANG\n")
            await asyncio.Event().wait()
        os.write(self._fd, f"{line}\n".encode())
        return SendResult(ok=True, raw={"pid": os.getpid()})


async def main(url: str, out: str, expected: int, hang_on: int | None) -> None:
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": url,
            "KBOT_DATABASE__POOL_SIZE": "20",
            "KBOT_SCHEDULER__ROOM_MIN_INTERVAL_S": "0",
            "KBOT_SCHEDULER__RECHECK_INTERVAL_S": "0.3",
            "KBOT_SCHEDULER__LEASE_S": "5",
            "KBOT_SCHEDULER__CLAIM_BATCH": "50",
            "KBOT_SCHEDULER__MAX_CONCURRENT_SENDS": "20",
        }
    )
    engine = create_engine(cfg.database)
    sessions = session_factory(engine)
    sender = FileSender(out, hang_on)
    scheduler = Scheduler(cfg, sessions, sender, SystemClock(), mysql=is_mysql(engine))
    scheduler.start()
    try:
        while True:
            async with sessions() as s:
                done = await s.scalar(select(func.count()).select_from(ScheduleLog))
            if (done or 0) >= expected:
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
    args = parser.parse_args()
    asyncio.run(main(args.url, args.out, args.expected, args.hang_on))
