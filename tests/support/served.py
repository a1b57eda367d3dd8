"""``kbot`` run as people run it, in processes of their own: one-off CLI commands and
``kbot serve`` (started, then stopped with SIGTERM)."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

KBOT = Path(sys.executable).parent / "kbot"
STARTUP_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_kbot(env: dict[str, str], cwd: Path, *argv: str) -> tuple[int, str, str]:
    """``kbot ARGV`` in a process of its own: exit status, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(
        str(KBOT), *argv, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), STARTUP_S)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


class Served:
    """``kbot serve`` in a process of its own, as a person or systemd starts it."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None

    async def cli(self, *argv: str) -> tuple[int, str, str]:
        return await run_kbot(self.env, self.cwd, *argv)

    async def start(self) -> str:
        """Start serving; the first line it prints (once it listens)."""
        self.proc = await asyncio.create_subprocess_exec(
            str(KBOT), "serve", cwd=self.cwd, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), STARTUP_S)).decode()

    async def stop(self) -> tuple[int, str, str]:
        """SIGTERM; the exit status, the rest of stdout, and stderr."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(self.proc.communicate(), STARTUP_S)
        assert self.proc.returncode is not None
        return self.proc.returncode, out.decode(), err.decode()
