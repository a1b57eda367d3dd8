"""``human_size``: byte counts in the units a person reads (the images page, upload errors)."""

from __future__ import annotations

import pytest

from storage.image_check import ImageRejected, check_image, human_size


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0 B"),
        (874, "874 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (12_595, "12.3 KB"),
        (1024 * 1024 - 1, "1 MB"),  # 1023.999 KB rounds up to the next unit, not "1024 KB"
        (1_258_291, "1.2 MB"),
        (10_485_760, "10 MB"),
        (3 * 1024**3, "3 GB"),
    ],
)
def test_human_size(n: int, shown: str) -> None:
    assert human_size(n) == shown


def test_the_size_limit_error_reads_like_a_person_wrote_it() -> None:
    with pytest.raises(ImageRejected) as info:
        check_image(b"x" * 3000, max_bytes=2048, max_pixels=10_000)
    assert "최대 2 KB까지" in str(info.value)
