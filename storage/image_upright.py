"""A JPEG whose EXIF Orientation is not 1, turned upright so that it looks the same without
its EXIF: decoded, transposed, and encoded again (baseline) with the original's quantization
tables and chroma subsampling, so at the original's quality; its ICC profile is kept.

Pure and blocking. Needs the whole picture twice at the peak (decoded and transposed, 4 bytes
per pixel each, plus the coefficient buffer of a progressive original while it decodes):
callers bound how many run at once.
"""

from __future__ import annotations

import io

from PIL import Image, JpegImagePlugin

TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SWAPS_AXES = frozenset({5, 6, 7, 8})  # these turn a W x H picture into H x W
SUBSAMPLING_422, SUBSAMPLING_444 = 1, 0


def upright_jpeg(data: bytes, orientation: int) -> bytes:
    """``data`` (a checked JPEG) with ``orientation`` (2-8) applied to its pixels."""
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
        assert isinstance(img, JpegImagePlugin.JpegImageFile)  # formats=["JPEG"]
        tables = dict(img.quantization)
        sampling = JpegImagePlugin.get_sampling(img)
        icc = img.info.get("icc_profile")
        img.load()
        turned = img.transpose(TURNS[orientation])
    if orientation in SWAPS_AXES:  # vertical frequencies become horizontal ones
        tables = {key: _transposed(table) for key, table in tables.items()}
        if sampling == SUBSAMPLING_422:  # halved columns would become halved rows: keep all
            sampling = SUBSAMPLING_444
    out = io.BytesIO()
    turned.save(out, "JPEG", qtables=tables, subsampling=sampling, icc_profile=icc)
    return out.getvalue()


def _transposed(table: list[int]) -> list[int]:
    """An 8x8 quantization table (natural order) mirrored over its diagonal."""
    return [table[(i % 8) * 8 + i // 8] for i in range(64)]
