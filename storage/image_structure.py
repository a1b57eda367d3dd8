"""The byte structure of JPEG, PNG, GIF and WEBP files, walked without decoding a pixel: the
segments, chunks and blocks a file is made of, and where the image ends.

Each walker yields ``Span(tag, start, end)`` (``data[start:end]`` is the whole piece, header
included) up to and including the format's last structure, and raises ``Malformed`` (or the
``IndexError`` / ``struct.error`` of a read past the end) when the structure is broken.
Tags: JPEG ``bytes([marker])``; PNG the chunk type; GIF ``b"GIF"`` for the header with the
screen descriptor and global colour table, ``bytes([0x21, label])`` for an extension,
``b","`` for an image, ``b";"`` for the trailer; WEBP the RIFF chunk's FourCC.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from storage.image_types import GIF, JPEG, PNG, WEBP, ImageKind

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RIFF_HEADER = 12  # "RIFF", size, "WEBP"


class Malformed(ValueError):
    pass


class Span(NamedTuple):
    tag: bytes
    start: int
    end: int


def image_end(kind: ImageKind, data: bytes) -> int | None:
    """Offset just past the image's last structure, or None when the structure is broken."""
    try:
        if kind is WEBP:
            (riff_size,) = struct.unpack_from("<I", data, 4)
            end = 8 + riff_size + (riff_size & 1)
            return end if end <= len(data) else None
        walker = {JPEG: jpeg_segments, PNG: png_chunks, GIF: gif_blocks}[kind]
        last = deque(walker(data), maxlen=1)
        return last[0].end if last else None
    except (IndexError, ValueError, struct.error):
        return None


def jpeg_segments(data: bytes) -> Iterator[Span]:
    """The marker segments after SOI up to EOI; a scan (SOS) includes its entropy-coded data,
    which runs to the next marker that is not a stuffed 0xFF00 or a restart marker."""
    pos, n = 2, len(data)
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise Malformed("marker expected")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:  # EOI
            yield Span(b"\xd9", start, pos)
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            yield Span(bytes([marker]), start, pos)
            continue
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > n:
            raise Malformed("bad segment length")
        pos += length
        if marker == 0xDA:  # SOS: skip entropy-coded data
            pos = _entropy_end(data, pos)
        yield Span(bytes([marker]), start, pos)


def _entropy_end(data: bytes, pos: int) -> int:
    while True:
        pos = data.index(b"\xff", pos)
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            pos += 2
        elif nxt == 0xFF:
            pos += 1
        else:
            return pos


def png_chunks(data: bytes) -> Iterator[Span]:
    """The chunks after the signature, up to IEND."""
    pos, n = len(PNG_SIGNATURE), len(data)
    while pos + 12 <= n:
        (length,) = struct.unpack_from(">I", data, pos)
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > n:
            raise Malformed("chunk runs past the end")
        yield Span(ctype, pos, end)
        if ctype == b"IEND":
            return
        pos = end
    raise Malformed("no IEND")


def gif_blocks(data: bytes) -> Iterator[Span]:
    """The header (with the screen descriptor and global colour table), then every extension
    and image block, up to the trailer."""
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 ** ((flags & 0x07) + 1))
    yield Span(b"GIF", 0, pos)
    while True:
        block = data[pos]
        if block == 0x3B:  # trailer
            yield Span(b";", pos, pos + 1)
            return
        if block == 0x21:  # extension: label, then sub-blocks
            end = _skip_sub_blocks(data, pos + 2)
            yield Span(data[pos : pos + 2], pos, end)
        elif block == 0x2C:  # image descriptor, optional local table, LZW size, sub-blocks
            local = data[pos + 9]
            end = pos + 10
            if local & 0x80:
                end += 3 * (2 ** ((local & 0x07) + 1))
            end = _skip_sub_blocks(data, end + 1)
            yield Span(b",", pos, end)
        else:
            raise Malformed("unknown GIF block")
        pos = end


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def riff_chunks(data: bytes) -> Iterator[Span]:
    """The chunks of a WEBP's RIFF container (each with its padding byte)."""
    (riff_size,) = struct.unpack_from("<I", data, 4)
    pos, end = RIFF_HEADER, min(8 + riff_size, len(data))
    while pos < end:
        if pos + 8 > end:
            raise Malformed("chunk header runs past the end")
        (size,) = struct.unpack_from("<I", data, pos + 4)
        stop = pos + 8 + size
        if stop > end:
            raise Malformed("chunk runs past the end")
        stop = min(stop + (size & 1), end)
        yield Span(data[pos : pos + 4], pos, stop)
        pos = stop
