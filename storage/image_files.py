"""Writing stored image files: atomically (a temporary file in the same folder, fsynced, then
renamed), so a reader never sees half a file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path


async def restore_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless a file is there (an earlier upload's file removed)."""
    if not await asyncio.to_thread(path.is_file):
        await asyncio.to_thread(write_atomically, path, data)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
