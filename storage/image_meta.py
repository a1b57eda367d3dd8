"""Metadata removed from an upload before it is stored, losslessly: the file is rebuilt from
its own segments, chunks and blocks, keeping what a viewer needs to draw the picture the same
way (coded data, palettes, transparency, colour profile and colour space, animation) and
dropping everything else (an allow-list, so unknown metadata goes too):

- JPEG: EXIF and XMP (APP1), IPTC/Photoshop (APP13), comments (COM), every other APPn except
  the ICC profile (APP2 ``ICC_PROFILE``) and Adobe's colour transform (APP14); a JFIF header
  (APP0) is kept without its thumbnail;
- PNG: tEXt, zTXt, iTXt, eXIf, tIME and private chunks;
- GIF: comment extensions and application extensions other than looping and ICC (e.g. XMP);
- WEBP: the EXIF and XMP chunks (and their VP8X flags), unknown chunks.

``orientation`` other than 1 is written back as a minimal EXIF holding only that tag (JPEGs
are normally turned upright instead, see ``storage.image_upright``). Pure: bytes in, bytes
out; the input must have passed ``check_image``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from PIL import Image

from storage.image_structure import (
    PNG_SIGNATURE,
    gif_blocks,
    jpeg_segments,
    png_chunks,
    riff_chunks,
)
from storage.image_types import GIF, JPEG, PNG, ImageKind

ORIENTATION_TAG = 0x0112
EXIF_PREFIX = b"Exif\x00\x00"
JPEG_CODING = {*range(0xC0, 0xD0), *range(0xD0, 0xE0), 0x01}  # SOFn, DHT, DAC, RSTn, SOS, DQT...
JPEG_APP_KEEP = {0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
PNG_KEEP = {
    *(b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP"),
    *(b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"sBIT", b"bKGD", b"pHYs"),
    *(b"acTL", b"fcTL", b"fdAT"),  # APNG animation
}
GIF_APPS_KEEP = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")  # looping, colour profile
WEBP_KEEP = {b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def orientation(kind: ImageKind, data: bytes) -> int:
    """The EXIF Orientation (1-8) a viewer would apply; 1 when absent or unreadable."""
    block = _exif_block(kind, data)
    if not block:
        return 1
    exif = Image.Exif()
    try:
        exif.load(block)
        value = exif.get(ORIENTATION_TAG, 1)
    except (ValueError, TypeError, KeyError, IndexError, OSError, SyntaxError, struct.error):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def strip_metadata(kind: ImageKind, data: bytes, *, orientation: int = 1) -> bytes:
    """``data`` without its metadata (see the module docstring)."""
    exif = minimal_exif(orientation) if orientation != 1 else None
    if kind is JPEG:
        return b"".join(_jpeg(data, exif))
    if kind is PNG:
        return b"".join(_png(data, exif))
    if kind is GIF:
        return b"".join(data[s:e] for tag, s, e in gif_blocks(data) if _gif_keep(data, tag, s))
    body = b"".join(_webp(data, exif))
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def minimal_exif(orientation: int) -> bytes:
    """A big-endian TIFF structure with one IFD holding only the Orientation tag."""
    entry = struct.pack(">HHIHH", ORIENTATION_TAG, 3, 1, orientation, 0)
    return b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + entry + bytes(4)


def _exif_block(kind: ImageKind, data: bytes) -> bytes | None:
    """The first EXIF block, as the viewers read it (JPEG: before the first scan)."""
    if kind is JPEG:
        for tag, start, end in jpeg_segments(data):
            if tag == b"\xda":
                return None
            if tag == b"\xe1" and data[start + 4 : end].startswith(EXIF_PREFIX):
                return data[start + 4 : end]
    elif kind is PNG:
        for tag, start, end in png_chunks(data):
            if tag == b"eXIf":
                return data[start + 8 : end - 4]
    elif kind is not GIF:
        for tag, start, end in riff_chunks(data):
            if tag == b"EXIF":
                return data[start + 8 : end]
    return None


def _jpeg(data: bytes, exif: bytes | None) -> Iterator[bytes]:
    yield b"\xff\xd8"
    for tag, start, end in jpeg_segments(data):
        marker, payload = tag[0], data[start + 4 : end]
        if marker == 0xE0:
            if payload.startswith(b"JFIF\x00") and len(payload) >= 14:
                yield b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00"  # no thumbnail
            continue
        if exif is not None:  # after JFIF, before everything else
            payload_exif = EXIF_PREFIX + exif
            yield b"\xff\xe1" + struct.pack(">H", 2 + len(payload_exif)) + payload_exif
            exif = None
        if marker in JPEG_CODING or payload.startswith(JPEG_APP_KEEP.get(marker, b"-")):
            yield data[start:end]


def _png(data: bytes, exif: bytes | None) -> Iterator[bytes]:
    yield PNG_SIGNATURE
    for tag, start, end in png_chunks(data):
        if tag in PNG_KEEP:
            yield data[start:end]
        if tag == b"IHDR" and exif is not None:  # viewers read eXIf only before the image data
            crc = zlib.crc32(b"eXIf" + exif) & 0xFFFFFFFF
            yield struct.pack(">I", len(exif)) + b"eXIf" + exif + struct.pack(">I", crc)


def _gif_keep(data: bytes, tag: bytes, start: int) -> bool:
    if tag in (b"GIF", b",", b";", b"\x21\xf9", b"\x21\x01"):  # graphic control, plain text
        return True
    return (
        tag == b"\x21\xff"
        and data[start + 2] == 11
        and data[start + 3 : start + 14] in (GIF_APPS_KEEP)
    )


def _webp(data: bytes, exif: bytes | None) -> Iterator[bytes]:
    extended = False
    for tag, start, end in riff_chunks(data):
        if tag == b"VP8X":
            extended = True
            flags = data[start + 8] & ~(VP8X_EXIF | VP8X_XMP)
            if exif is not None:
                flags |= VP8X_EXIF
            yield data[start : start + 8] + bytes([flags]) + data[start + 9 : end]
        elif tag in WEBP_KEEP:
            yield data[start:end]
    if exif is not None and extended:
        pad = b"\x00" if len(exif) & 1 else b""
        yield b"EXIF" + struct.pack("<I", len(exif)) + exif + pad
