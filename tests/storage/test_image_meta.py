"""Metadata stripping and upright turning of uploads, on pictures built with Pillow that carry
what phones and editors write (EXIF with GPS, XMP, IPTC, comments, PNG text, ICC)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import GifImagePlugin, Image, ImageChops, ImageOps, ImageStat

from storage.image_check import check_image
from storage.image_meta import orientation, strip_metadata
from storage.image_prepare import prepare_image
from storage.image_types import JPEG, PNG, WEBP, sniff
from tests.support.image_samples import (
    GPS_IFD,
    ORIENTATION,
    SECRET,
    animated,
    frames,
    gif_with_xmp,
    icc_profile,
    jpeg_with_metadata,
    png_with_metadata,
    quadrants,
    webp_with_metadata,
)

LIMITS: dict[str, Any] = {"max_bytes": 10**7, "max_pixels": 10**7}
METADATA_KEYS = {"exif", "xmp", "comment", "photoshop", "Comment", "Author", "Title"}
SAMPLES = {
    "jpeg": jpeg_with_metadata,
    "progressive jpeg": lambda: jpeg_with_metadata(progressive=True),
    "png": png_with_metadata,
    "webp": webp_with_metadata,
    "animated gif with xmp": lambda: gif_with_xmp(animated("GIF")),
    "animated webp": lambda: animated("WEBP"),
    "animated png": lambda: animated("PNG"),
}


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize("name", SAMPLES)
def test_metadata_goes_and_the_picture_stays(name: str) -> None:
    data = SAMPLES[name]()
    kind = sniff(data)
    assert kind is not None and SECRET in data
    stripped = strip_metadata(kind, data)

    assert SECRET not in stripped and b"Exif" not in stripped and b"xmpmeta" not in stripped
    with opened(data) as before, opened(stripped) as after:
        assert dict(after.getexif()) == {}
        assert not METADATA_KEYS & set(after.info), after.info.keys()
        assert after.info.get("icc_profile") == before.info.get("icc_profile")
        assert after.info.get("transparency") == before.info.get("transparency")
        assert after.info.get("loop") == before.info.get("loop")
        assert (after.size, after.mode) == (before.size, before.mode)
    assert frames(stripped) == frames(data)  # lossless: the same pixels, every frame
    if kind is WEBP:
        assert stripped[20] & 0x0C == 0  # VP8X flags: no EXIF, no XMP
    check_image(stripped, **LIMITS)
    assert strip_metadata(kind, stripped) == stripped


def test_gif_keeps_its_timing_and_loop() -> None:
    data = gif_with_xmp(animated("GIF", frames=4))
    stripped = strip_metadata(sniff(data) or JPEG, data)
    with opened(stripped) as img:
        assert isinstance(img, GifImagePlugin.GifImageFile)
        assert img.n_frames == 4 and img.info["loop"] == 0
        durations = []
        for n in range(img.n_frames):
            img.seek(n)
            durations.append(img.info["duration"])
    assert durations == [100] * 4


@pytest.mark.parametrize("make", [jpeg_with_metadata, png_with_metadata, webp_with_metadata])
def test_orientation_is_read_from_the_exif(make: Any) -> None:
    for turn in (1, 3, 6, 8):
        data = make(turn)
        assert orientation(sniff(data) or JPEG, data) == turn


def test_unreadable_exif_means_no_turn() -> None:
    jpeg = jpeg_with_metadata()
    broken = jpeg[:2] + b"\xff\xe1\x00\x0cExif\x00\x00MM\x00" + jpeg[2:]
    assert orientation(JPEG, broken) == 1
    assert orientation(JPEG, b"\xff\xd8" + jpeg_with_metadata(6)[2:]) == 6


@pytest.mark.parametrize("make", [png_with_metadata, webp_with_metadata])
def test_png_and_webp_keep_only_their_orientation(make: Any) -> None:
    data = make(6)
    kind = sniff(data) or PNG
    stripped = strip_metadata(kind, data, orientation=orientation(kind, data))
    assert SECRET not in stripped
    with opened(stripped) as img:
        exif = img.getexif()
        assert dict(exif) == {ORIENTATION: 6}
        assert exif.get_ifd(GPS_IFD) == {}
    assert frames(stripped) == frames(data)


@pytest.mark.parametrize("turn", range(1, 9))
def test_a_jpeg_is_stored_upright_without_exif(turn: int) -> None:
    data = jpeg_with_metadata(turn)
    prepared = prepare_image(data, **LIMITS)
    with opened(data) as original:
        expected = ImageOps.exif_transpose(original)  # what a viewer shows
    with opened(prepared.data) as stored:
        assert stored.size == expected.size == (prepared.width, prepared.height)
        assert dict(stored.getexif()) == {} and SECRET not in prepared.data
        assert stored.info["icc_profile"] == icc_profile()
        diff = ImageStat.Stat(ImageChops.difference(stored.convert("RGB"), expected))
        assert max(diff.mean) < 8, diff.mean  # one re-encoding; a wrong turn is > 90


def test_turning_keeps_the_original_quality() -> None:
    """Re-encoded with the original's tables (mirrored, as the picture is) and subsampling."""
    data = jpeg_with_metadata(6, progressive=True)
    stored = prepare_image(data, **LIMITS).data
    with opened(data) as before, opened(stored) as after:
        assert isinstance(before, Image.Image) and isinstance(after, Image.Image)
        mirrored = {
            key: [table[(i % 8) * 8 + i // 8] for i in range(64)]
            for key, table in before.quantization.items()  # type: ignore[attr-defined]
        }
        assert after.quantization == mirrored  # type: ignore[attr-defined]
        assert before.layer == after.layer  # type: ignore[attr-defined]  # same subsampling


def test_the_digest_is_of_the_stored_bytes() -> None:
    """The same picture with other metadata is the same stored file (one image per org)."""
    plain, tagged = io.BytesIO(), io.BytesIO()
    quadrants().save(plain, "JPEG", quality=90)
    quadrants().save(tagged, "JPEG", quality=90, comment=SECRET, xmp=b"<x>" + SECRET + b"</x>")
    first = prepare_image(plain.getvalue(), **LIMITS)
    second = prepare_image(tagged.getvalue(), **LIMITS)
    assert first.data == second.data and first.sha256 == second.sha256
    assert prepare_image(jpeg_with_metadata(6), **LIMITS) == prepare_image(
        jpeg_with_metadata(6), **LIMITS
    )
