"""Validation of uploaded image bytes (seed 7.1): the type is decided by the content, never by
the file name or the declared MIME type.

Accepted: JPEG, PNG, GIF and WEBP. Refused, each with a code and a Korean message:
``empty``, ``too_large`` (bytes), ``unsupported_type`` (magic or decoder disagree),
``too_many_pixels`` (dimensions, checked from the header before any pixel is decoded),
``corrupt`` (does not decode) and ``polyglot`` (bytes after the image's end, or markup such
as ``<script`` hidden inside it).

Pure and blocking (Pillow decodes); async callers run ``check_image`` in a worker thread.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from storage.errors import Invalid

MAX_NAME_LENGTH = 255
MARKUP = (b"<script", b"<?php", b"<html", b"<svg", b"<iframe", b"<body", b"javascript:")


class ImageRejected(Invalid):
    """An upload that is not an acceptable image; ``code`` is stable, ``str()`` is Korean."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.field = "file"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ImageKind:
    pillow_format: str
    mime_type: str
    ext: str


JPEG = ImageKind("JPEG", "image/jpeg", "jpg")
PNG = ImageKind("PNG", "image/png", "png")
GIF = ImageKind("GIF", "image/gif", "gif")
WEBP = ImageKind("WEBP", "image/webp", "webp")
KINDS = (JPEG, PNG, GIF, WEBP)


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
    end = _image_end(kind, data)
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
    width, height = _decode(kind, data, max_pixels)
    return CheckedImage(kind, width, height)


def sniff(data: bytes) -> ImageKind | None:
    """The image kind named by the leading magic bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def display_name(uploaded: str | None, ext: str) -> str:
    """The uploaded file name made safe to show: last path component only, Unicode NFC,
    without control or format characters (e.g. right-to-left overrides), at most 255."""
    name = unicodedata.normalize("NFC", uploaded or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    return name[:MAX_NAME_LENGTH] or f"image.{ext}"


def _decode(kind: ImageKind, data: bytes, max_pixels: int) -> tuple[int, int]:
    too_many = ImageRejected(
        "too_many_pixels",
        f"이미지 해상도가 너무 큽니다. 가로×세로 {max_pixels:,} 픽셀 이하만 올릴 수 있습니다.",
    )
    corrupt = ImageRejected("corrupt", "이미지 파일이 손상되어 읽을 수 없습니다.")
    formats = [kind.pillow_format]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=formats) as img:  # header only
                width, height = img.size
                if width < 1 or height < 1:
                    raise corrupt
                if width * height > max_pixels:
                    raise too_many
                img.verify()
            with Image.open(io.BytesIO(data), formats=formats) as img:
                img.load()
                if img.format != kind.pillow_format:
                    raise ImageRejected(
                        "unsupported_type", "파일 내용과 이미지 형식이 일치하지 않습니다."
                    )
        except Image.DecompressionBombError:
            raise too_many from None
        except ImageRejected:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise corrupt from None
    return width, height


def _image_end(kind: ImageKind, data: bytes) -> int | None:
    """Offset just past the image's last structure, or None when the structure is broken."""
    try:
        if kind is JPEG:
            return _jpeg_end(data)
        if kind is PNG:
            return _png_end(data)
        if kind is GIF:
            return _gif_end(data)
        return _webp_end(data)
    except (IndexError, ValueError, struct.error):
        return None


def _png_end(data: bytes) -> int | None:
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        pos += 12 + length
        if ctype == b"IEND":
            return pos if pos <= len(data) else None
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Walk the marker segments; entropy-coded data after SOS runs to the next marker that is
    not a stuffed 0xFF00 or a restart marker."""
    pos, n = 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            continue
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # SOS: skip entropy-coded data
            while True:
                pos = data.index(b"\xff", pos)
                nxt = data[pos + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                    pos += 2
                    continue
                if nxt == 0xFF:
                    pos += 1
                    continue
                break
    return None


def _gif_end(data: bytes) -> int | None:
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 ** ((flags & 0x07) + 1))
    while True:
        block = data[pos]
        if block == 0x3B:  # trailer
            return pos + 1
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor, optional local table, LZW size, sub-blocks
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 ** ((local & 0x07) + 1))
            pos = _skip_sub_blocks(data, pos + 1)
        else:
            return None


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _webp_end(data: bytes) -> int | None:
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size + (riff_size & 1)
    return end if end <= len(data) else None


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g}MB"
    return f"{n / 1024:g}KB"
