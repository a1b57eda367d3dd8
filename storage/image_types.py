"""The image formats kbot accepts, told apart by their leading bytes, and the error an upload
that is not an acceptable image raises (a stable ``code`` and a Korean message)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.errors import Invalid


class ImageRejected(Invalid):
    """An upload that is not an acceptable image; ``code`` is stable, ``str()`` is Korean."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.field = "file"
        super().__init__(message)


def corrupt() -> ImageRejected:
    return ImageRejected("corrupt", "이미지 파일이 손상되어 읽을 수 없습니다.")


def too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        f"이미지 해상도가 너무 큽니다. 가로×세로 {max_pixels:,} 픽셀 이하만 올릴 수 있습니다.",
    )


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
