"""Validation of uploaded image bytes (seed 7.1): the type is decided by the content, never by
the file name or the declared MIME type.

Accepted: JPEG, PNG, GIF and WEBP. Refused, each with a code and a Korean message:
``empty``, ``too_large`` (bytes), ``unsupported_type`` (magic or decoder disagree),
``too_many_pixels`` (dimensions, checked from the header before any pixel is decoded),
``corrupt`` (does not decode) and ``polyglot`` (bytes after the image's end, or markup such
as ``<script`` hidden inside it). How the pixels are decoded with bounded memory:
``storage.image_decode``.

Pure and blocking (Pillow decodes); async callers run ``check_image`` in a worker thread.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from storage.image_decode import verify_pixels
from storage.image_structure import image_end
from storage.image_types import ImageKind, ImageRejected, sniff

# ImageRejected and sniff live in image_types; importing them from here keeps working
__all__ = ["CheckedImage", "ImageRejected", "check_image", "display_name", "human_size", "sniff"]

MAX_NAME_LENGTH = 255
MARKUP = (b"<script", b"<?php", b"<html", b"<svg", b"<iframe", b"<body", b"javascript:")


@dataclass(frozen=True, slots=True)
class CheckedImage:
    kind: ImageKind
    width: int
    height: int


def check_image(data: bytes, *, max_bytes: int, max_pixels: int) -> CheckedImage:
    """Return what ``data`` is, or raise ``ImageRejected``."""
    if not data:
        raise ImageRejected("empty", "빈 파일입니다. 이미지 파일을 선택해 주세요.")
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_large", f"파일이 너무 큽니다. 최대 {human_size(max_bytes)}까지 올릴 수 있습니다."
        )
    kind = sniff(data)
    if kind is None:
        raise ImageRejected(
            "unsupported_type",
            "지원하지 않는 파일 형식입니다. JPEG, PNG, GIF, WEBP 이미지만 올릴 수 있습니다.",
        )
    end = image_end(kind, data)
    if end is None:
        raise ImageRejected("corrupt", "이미지 파일이 손상되었거나 끝이 잘렸습니다.")
    if data[end:].strip(b"\x00"):
        raise ImageRejected(
            "polyglot",
            "이미지 끝 뒤에 다른 데이터가 붙어 있습니다. "
            "이미지 편집기에서 다시 저장해 올려 주세요.",
        )
    lowered = data.lower()
    if any(marker in lowered for marker in MARKUP):
        raise ImageRejected(
            "polyglot", "이미지 안에 스크립트나 HTML로 보이는 내용이 있어 올릴 수 없습니다."
        )
    width, height = verify_pixels(kind, data, max_pixels)
    return CheckedImage(kind, width, height)


def display_name(uploaded: str | None, ext: str) -> str:
    """The uploaded file name made safe to show: last path component only, Unicode NFC,
    without control or format characters (e.g. right-to-left overrides), at most 255."""
    name = unicodedata.normalize("NFC", uploaded or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    return name[:MAX_NAME_LENGTH] or f"image.{ext}"


def human_size(n: int) -> str:
    """A byte count as a person reads it: ``874 B``, ``12.3 KB``, ``1.2 MB``, ``10 MB`` (one
    decimal, dropped when zero; 1024 per step)."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KB", "MB"):
        if round(value, 1) < 1024:
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
        value /= 1024
    return f"{value:.1f}".removesuffix(".0") + " GB"
