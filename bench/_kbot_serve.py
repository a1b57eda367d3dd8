"""What the benchmarks that drive a real ``kbot serve`` share: a free port, and waiting until
the server answers ``/healthz`` (or stopping when it died). Run the benchmarks as scripts
(``python bench/NAME.py``, as ``make bench`` does): this folder is then on ``sys.path``."""

from __future__ import annotations

import asyncio
import socket
import subprocess

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_healthy(
    session: aiohttp.ClientSession, base: str, server: subprocess.Popen[bytes]
) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"kbot serve exited with {server.returncode}")
        try:
            async with session.get(f"{base}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("kbot serve did not become healthy")
