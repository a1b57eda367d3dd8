"""Which image files a send may read: rows in ``kb_schedule`` are input (the PHP site and
anyone with SQL access write them), so an image entry's ``file_path`` is checked like a
request before a byte of it is read.

A file is readable only when its real path (symlinks resolved) lies inside ``web.upload_dir``
or one of ``web.image_dirs``. Inside the upload folder it must be one of kbot's own uploads
(a generated name); whether its org may use it is the admission's check
(``scheduler.room_access``). When read, it must be a regular file of at most
``web.max_image_bytes`` whose bytes start like a JPEG, PNG, GIF or WEBP image. Refusals are
Korean, for the log row, and never quote the path (a log must not reveal which files exist).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import WebConfig
from storage.image_check import sniff
from storage.images import FILENAME_RE

MAX_PATH_LENGTH = 500  # kbot_images.file_path is varchar(500)


class UnsafeImage(Exception):
    """An image entry whose file must not be read; ``str()`` is the Korean reason."""


@dataclass(frozen=True, slots=True)
class Located:
    path: Path  # the real path
    upload: str | None  # its file name when it is one of kbot's uploads


@dataclass(frozen=True, slots=True)
class ImageFiles:
    uploads: Path  # resolved web.upload_dir
    extra: tuple[Path, ...] = ()  # resolved web.image_dirs
    max_bytes: int = 10_485_760

    @classmethod
    def of(cls, web: WebConfig) -> ImageFiles:
        return cls(
            Path(os.path.realpath(web.upload_dir)),
            tuple(Path(os.path.realpath(folder)) for folder in web.image_dirs),
            web.max_image_bytes,
        )

    def locate(self, entry: Mapping[str, Any]) -> Located:
        """Where ``entry``'s file really is, when a send may read it; ``UnsafeImage`` when not."""
        raw = entry.get("file_path")
        if not isinstance(raw, str) or not raw or len(raw) > MAX_PATH_LENGTH or "\0" in raw:
            raise UnsafeImage(f"{label(entry)}: 파일 경로가 없거나 올바르지 않습니다.")
        real = Path(os.path.realpath(raw))
        if real.is_relative_to(self.uploads):
            if real.parent != self.uploads or not FILENAME_RE.fullmatch(real.name):
                raise UnsafeImage(f"{label(entry)}: kbot에 올린 이미지 파일이 아닙니다.")
            return Located(real, real.name)
        if any(real.is_relative_to(folder) for folder in self.extra):
            return Located(real, None)
        raise UnsafeImage(
            f"{label(entry)}: 허용된 이미지 폴더(web.upload_dir, web.image_dirs) 밖의 파일이라 "
            "보내지 않았습니다."
        )

    def read(self, entry: Mapping[str, Any]) -> bytes:
        """The file's bytes (blocking: run it in a thread); ``UnsafeImage`` when the file may
        not be read or is not an image. The path is checked again: the row may have changed."""
        path = self.locate(entry).path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            raise UnsafeImage(
                f"{label(entry)}: 파일을 읽을 수 없습니다 (없거나 권한 없음)."
            ) from None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UnsafeImage(f"{label(entry)}: 일반 파일이 아닙니다.")
            if info.st_size > self.max_bytes:
                raise UnsafeImage(f"{label(entry)}: 파일이 web.max_image_bytes보다 큽니다.")
            data = fh.read(self.max_bytes + 1)
        if not data:
            raise UnsafeImage(f"{label(entry)}: 빈 파일입니다.")
        if len(data) > self.max_bytes or sniff(data) is None:
            raise UnsafeImage(f"{label(entry)}: JPEG, PNG, GIF, WEBP 이미지 파일이 아닙니다.")
        return data


def label(entry: Mapping[str, Any]) -> str:
    """``이미지 #12`` for an entry, showing its id only when it is a plain number."""
    raw = entry.get("id")
    shown = str(raw) if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()) else "?"
    return f"이미지 #{shown[:12]}"
