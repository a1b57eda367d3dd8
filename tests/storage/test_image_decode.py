"""Decoding checks with bounded memory: PNG image data inflated piece by piece (every shape a
PNG can have, broken data refused as Pillow refuses it) and JPEG decoded at 1/8 scale; a
picture at the pixel limit is checked in a child process whose peak memory is read."""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bench.upload_memory import png_bomb
from storage.image_check import check_image
from storage.image_types import ImageRejected

LIMITS = {"max_bytes": 10**7, "max_pixels": 10**7}
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(width: int, height: int, depth: int, colour: int, rows: bytes) -> bytes:
    """An interlaced PNG whose (uncompressed) image data is ``rows``."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1)
    plte = chunk(b"PLTE", bytes(range(48))) if colour == 3 else b""
    idat = chunk(b"IDAT", zlib.compress(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + plte + idat + chunk(b"IEND", b"")


# the seven Adam7 passes: first column, first row, column step, row step (PNG spec 8.2)
PASSES: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def adam7_rows(width: int, height: int, bits: int) -> Iterator[int]:
    """Bytes per row (filter byte included) of every row of the seven Adam7 passes."""
    for x0, y0, dx, dy in PASSES:
        columns, rows = len(range(x0, width, dx)), len(range(y0, height, dy))
        if columns and rows:
            yield from [1 + (columns * bits + 7) // 8] * rows


def pillow_decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except (OSError, ValueError, SyntaxError):
        return False
    return True


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (33, 17), (300, 1), (1, 300)])
def test_every_png_shape_decodes(mode: str, size: tuple[int, int]) -> None:
    noise = random.Random(f"{mode}{size}").randbytes(size[0] * size[1])
    img = Image.frombytes("L", size, noise).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    checked = check_image(buf.getvalue(), **LIMITS)
    assert (checked.width, checked.height) == size


@pytest.mark.parametrize(("depth", "colour"), [(1, 0), (4, 3), (8, 2), (16, 6), (8, 4)])
@pytest.mark.parametrize("size", [(1, 1), (5, 5), (9, 13), (33, 2)])
def test_interlaced_png_rows_are_counted_and_their_filters_checked(
    depth: int, colour: int, size: tuple[int, int]
) -> None:
    noise = random.Random(f"{depth}{colour}{size}")
    strides = list(adam7_rows(*size, CHANNELS[colour] * depth))
    rows = b"".join(bytes([noise.randrange(5)]) + noise.randbytes(n - 1) for n in strides)
    good = raw_png(*size, depth, colour, rows)
    assert pillow_decodes(good)
    assert (check_image(good, **LIMITS).width, check_image(good, **LIMITS).height) == size

    middle = sum(strides[: len(strides) // 2])  # a row start
    broken = {
        "one byte short": rows[:-1],
        "unknown filter type": rows[:middle] + b"\x05" + rows[middle + 1 :],
    }
    for case, data in broken.items():
        bad = raw_png(*size, depth, colour, data)
        assert not pillow_decodes(bad), case
        with pytest.raises(ImageRejected) as err:
            check_image(bad, **LIMITS)
        assert err.value.code == "corrupt", case


CHILD = """
import json, sys
from pathlib import Path
from PIL import Image
from storage.image_check import check_image

def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

data = Path(sys.argv[1]).read_bytes()
Image.init()  # every format plug-in loaded before measuring
before = peak()
checked = check_image(data, max_bytes=10**8, max_pixels=4096 * 4096)
print(json.dumps({"grew": peak() - before, "size": [checked.width, checked.height]}))
"""


def uniform_jpeg(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (90, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("make", [lambda: png_bomb(4096, 9), lambda: uniform_jpeg(4096)])
def test_a_picture_at_the_pixel_limit_is_checked_without_decoding_it_whole(
    make: Callable[[], bytes], tmp_path: Path
) -> None:
    """4096 x 4096 decoded whole is 64 MB (Pillow keeps 4 bytes per RGB(A) pixel)."""
    path = tmp_path / "bomb"
    path.write_bytes(make())
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    measured = json.loads(child.stdout)
    assert measured["size"] == [4096, 4096]
    assert measured["grew"] < 24 * 1024 * 1024, measured
