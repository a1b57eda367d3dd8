"""Upload memory: several decompression-bomb-like images (tiny files, one colour, at the
server's pixel limit) uploaded at once over real HTTP to ``POST /api/images`` of a real
``kbot serve`` (dry-run transport, SQLite or MariaDB) running as a subprocess on 127.0.0.1;
prints the server process's resident memory before the uploads and its peak (``VmHWM`` in
``/proc/<pid>/status``, which includes start-up).

    python -m bench.upload_memory [--kind png|webp|jpeg] [--uploads 5] [--pixels N]
        [--checks N] [--database mysql+aiomysql://root@127.0.0.1:3306/kbot_bench_upload]

``--kind``: ``png`` (RGBA, 4 bytes per pixel when decoded), ``webp`` (lossless RGBA: libwebp
and Pillow need ~16 bytes per pixel) or ``jpeg`` (progressive, EXIF Orientation 6: kbot
turns it upright, decoding it whole). ``--pixels`` defaults to the server's default
``web.max_image_pixels``; ``--checks`` sets ``web.max_concurrent_image_checks`` (default:
the server's default). The set-up uses the CLI (``kbot db upgrade``, ``org add``, ``admin
add``, ``token create``) in a temporary directory, with a SQLite database there unless
``--database`` names a MySQL/MariaDB database, which is created (it must not exist) and
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pymysql
from PIL import Image
from sqlalchemy.engine import make_url

from core.config import WebConfig

try:  # run as a script (make bench): bench/ is on sys.path
    from _kbot_serve import free_port, wait_healthy
except ModuleNotFoundError:  # imported as bench.upload_memory (tests use png_bomb)
    from bench._kbot_serve import free_port, wait_healthy

ADMIN = "252507685"
KBOT = Path(sys.executable).with_name("kbot")
MB = 1024 * 1024


def png_bomb(side: int, shade: int) -> bytes:
    """A one-colour RGBA PNG, written row by row (the picture is never held in memory)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")

    row = b"\x00" + bytes([shade, 0, 0, 255]) * side
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pillow_bomb(kind: str, side: int, shade: int) -> bytes:
    buf = io.BytesIO()
    if kind == "webp":
        Image.new("RGBA", (side, side), (shade, 0, 0, 128)).save(buf, "WEBP", lossless=True)
    else:
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
        picture = Image.new("RGB", (side, side), (shade, 0, 0))
        picture.save(buf, "JPEG", progressive=True, exif=exif.tobytes())
    return buf.getvalue()


def bombs(kind: str, side: int, count: int) -> list[bytes]:
    """``count`` different images (one shade each, so none is a repeat of another)."""
    if kind == "png":
        return [png_bomb(side, 10 + 40 * n) for n in range(count)]
    return [pillow_bomb(kind, side, 10 + 40 * n) for n in range(count)]


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[str]:
    """The database URL to use: a SQLite file in ``workdir``, or a MySQL database created
    for the run and dropped afterwards."""
    if url is None:
        yield f"sqlite+aiosqlite:///{workdir}/kbot.db"
        return
    parsed = make_url(url)
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit("--database: name a database (letters, digits, _) to create")
    server = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        autocommit=True,
    )
    with server, server.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        try:
            yield url
        finally:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def server_env(workdir: Path, database: str, port: int, checks: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBOT_")}
    env.update(
        KBOT_DATABASE__URL=database,
        KBOT_DATA_DIR=str(workdir / "data"),
        KBOT_WEB__UPLOAD_DIR=str(workdir / "data" / "images"),
        KBOT_WEB__SECRET_KEY="bench-secret-key-0123456789",
        KBOT_SERVER__PORT=str(port),
        KBOT_BOT__TRANSPORT="dryrun",
        KBOT_SCHEDULER__ENABLED="false",
        KBOT_LOGGING__LEVEL="WARNING",
    )
    if checks is not None:
        env["KBOT_WEB__MAX_CONCURRENT_IMAGE_CHECKS"] = str(checks)
    return env


def prepare(workdir: Path, env: dict[str, str]) -> str:
    """Schema, an org and an admin; returns the admin's API token."""
    for args in (
        ["db", "upgrade"],
        ["org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사"],
        ["admin", "add", "--kakao-user-id", ADMIN, "--org", "HQ", "--name", "벤치"],
    ):
        subprocess.run([str(KBOT), *args], cwd=workdir, env=env, check=True, capture_output=True)
    created = subprocess.run(
        [str(KBOT), "token", "create", "--admin", ADMIN, "--name", "bench"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return created.stdout.strip().splitlines()[-1]


async def upload_all(base: str, token: str, images: list[bytes], ext: str) -> list[int]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:

        async def upload(n: int, data: bytes) -> int:
            form = aiohttp.FormData()
            form.add_field("file", data, filename=f"bomb{n}.{ext}")
            async with session.post(f"{base}/api/images", data=form) as resp:
                await resp.read()
                return resp.status

        return list(await asyncio.gather(*(upload(n, d) for n, d in enumerate(images))))


async def _healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, base, server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("png", "webp", "jpeg"), default="png")
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--pixels", type=int, default=WebConfig().max_image_pixels)
    parser.add_argument("--checks", type=int, help="web.max_concurrent_image_checks")
    parser.add_argument("--database", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()
    side = math.isqrt(args.pixels)
    images = bombs(args.kind, side, args.uploads)
    ext = "jpg" if args.kind == "jpeg" else args.kind
    with (
        tempfile.TemporaryDirectory(prefix="kbot-bench-") as tmp,
        database(args.database, Path(tmp)) as url,
    ):
        workdir = Path(tmp)
        port = free_port()
        env = server_env(workdir, url, port, args.checks)
        token = prepare(workdir, env)
        server = subprocess.Popen([str(KBOT), "serve"], cwd=workdir, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_healthy(base, server))
            before = memory(server.pid)
            started = time.perf_counter()
            statuses = asyncio.run(upload_all(base, token, images, ext))
            took = time.perf_counter() - started
            after = memory(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    backend = make_url(url).get_backend_name()
    checks = args.checks if args.checks is not None else "server default"
    print(f"kbot serve on {backend}, web.max_concurrent_image_checks: {checks}")
    sizes = ", ".join(f"{len(d) / 1024:.1f}" for d in images)
    print(
        f"{args.uploads} x {args.kind} {side}x{side} ({side * side:,} pixels; {sizes} KB) "
        f"uploaded at once: HTTP {' '.join(map(str, statuses))} in {took:.2f} s"
    )
    print(
        f"server RSS before the uploads {before['VmRSS'] / MB:.0f} MB, "
        f"peak (VmHWM) {after['VmHWM'] / MB:.0f} MB"
    )


if __name__ == "__main__":
    main()
