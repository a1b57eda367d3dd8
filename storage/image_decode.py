"""Does an upload decode? Its pixel count is read from the header and refused above the limit
before anything is decoded; the pixels are then decoded with as little memory as each format
allows, since a small file can describe a huge picture:

- JPEG: decoded at 1/8 scale (``draft``): every coefficient is still decoded and checked,
  but only 1/64 of the pixels are produced (a progressive JPEG still needs its coefficient
  buffer: 2 bytes per sample);
- PNG: chunk CRCs checked (``verify``), then the compressed image data is inflated in small
  pieces and counted, with every row's filter byte checked, without keeping the pixels;
- GIF: the first frame is decoded (1 byte per pixel);
- WEBP: libwebp and Pillow offer no scaled or streamed decoding, so the first frame is decoded
  whole (about 16 bytes per pixel at the peak). This is the costliest check: callers bound
  how many run at once.

Pure and blocking; raises ``ImageRejected`` (``too_many_pixels``, ``corrupt``,
``unsupported_type``).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image, UnidentifiedImageError

from storage.image_structure import PNG_SIGNATURE, Malformed, png_chunks
from storage.image_types import JPEG, PNG, ImageKind, ImageRejected, corrupt, too_many_pixels

DRAFT_SCALE = 8
INFLATE_PIECE = 256 * 1024  # largest piece of inflated PNG data held at once
PNG_FILTERS = bytes(range(5))  # None, Sub, Up, Average, Paeth
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type
# Adam7 passes: (first column, first row, column step, row step)
ADAM7: tuple[tuple[int, int, int, int], ...] = (
    *((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2)),
    (0, 1, 1, 2),
)
BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, KeyError)


def verify_pixels(kind: ImageKind, data: bytes, max_pixels: int) -> tuple[int, int]:
    """The picture's (width, height) once its pixels decode, or ``ImageRejected``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as img:  # header
                width, height = img.size
                if width < 1 or height < 1:
                    raise corrupt()
                if width * height > max_pixels:
                    raise too_many_pixels(max_pixels)
                if img.format != kind.pillow_format:
                    raise ImageRejected(
                        "unsupported_type", "파일 내용과 이미지 형식이 일치하지 않습니다."
                    )
                if kind is PNG:
                    img.verify()
                    check_png_data(data)
                    return width, height
                if kind is JPEG:
                    small = (max(1, width // DRAFT_SCALE), max(1, height // DRAFT_SCALE))
                    img.draft(None, small)
                img.load()
        except Image.DecompressionBombError:
            raise too_many_pixels(max_pixels) from None
        except ImageRejected:
            raise
        except (*BROKEN, zlib.error, struct.error):
            raise corrupt() from None
    return width, height


def check_png_data(data: bytes) -> None:
    """Inflate the IDAT data piece by piece: it must hold every row the header promises, each
    starting with a valid filter byte. Raises ``Malformed`` or ``zlib.error``."""
    offset = len(PNG_SIGNATURE) + 8  # IHDR is the first chunk (Pillow checked)
    width, height, depth, colour, _, _, interlace = struct.unpack_from(">IIBBBBB", data, offset)
    rows = _Rows(_passes(width, height, PNG_CHANNELS[colour] * depth, interlace))
    inflater = zlib.decompressobj()
    view = memoryview(data)
    for span in png_chunks(data):
        if span.tag != b"IDAT":
            continue
        pending: bytes | memoryview = view[span.start + 8 : span.end - 4]
        while pending and not rows.done:
            rows.feed(inflater.decompress(pending, INFLATE_PIECE))
            pending = inflater.unconsumed_tail
        if rows.done:
            return
    while not rows.done and not inflater.eof:  # output still held back by the piece size
        piece = inflater.decompress(b"", INFLATE_PIECE)
        if not piece:
            break
        rows.feed(piece)
    if not rows.done:
        raise Malformed("image data ends early")


def _passes(width: int, height: int, bits: int, interlace: int) -> list[tuple[int, int]]:
    """(rows, bytes per row with its filter byte) of each pass: one, or Adam7's seven."""
    grid = ADAM7 if interlace else ((0, 0, 1, 1),)
    passes = []
    for x0, y0, dx, dy in grid:
        cols = (width - x0 + dx - 1) // dx if width > x0 else 0
        rows = (height - y0 + dy - 1) // dy if height > y0 else 0
        if cols and rows:
            passes.append((rows, 1 + (cols * bits + 7) // 8))
    return passes


class _Rows:
    """Counts inflated bytes against the expected rows and checks each row's filter byte."""

    def __init__(self, passes: list[tuple[int, int]]) -> None:
        self._left = [(rows * stride, stride) for rows, stride in passes]
        self._at = 0  # bytes of the current pass seen so far

    @property
    def done(self) -> bool:
        return not self._left

    def feed(self, piece: bytes) -> None:
        pos = 0
        while pos < len(piece) and self._left:
            size, stride = self._left[0]
            take = min(len(piece) - pos, size - self._at)
            first = -self._at % stride  # the next row start within this piece
            if piece[pos + first : pos + take : stride].translate(None, PNG_FILTERS):
                raise Malformed("unknown PNG filter type")
            pos += take
            self._at += take
            if self._at == size:
                self._left.pop(0)
                self._at = 0
