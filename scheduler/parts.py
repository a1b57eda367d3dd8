"""The parts of one send, in the seed's send orders (section 5.4): a text part and one part per
image, in the order ``send_order`` names. Pure, except ``load_image`` which reads a file
(``scheduler.image_files`` decides which files may be read)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from scheduler.held import SendColumns
from scheduler.image_files import ImageFiles, UnsafeImage, label


class PartError(Exception):
    """The schedule's content cannot be sent as it is (a permanent failure)."""


@dataclass(frozen=True, slots=True)
class Part:
    kind: Literal["text", "image"]
    text: str = ""
    image: dict[str, Any] | None = None  # one entry of message_images["images"]

    def describe(self) -> str:
        if self.kind == "text":
            return "텍스트"
        assert self.image is not None
        return label(self.image)


def images_of(row: SendColumns) -> list[dict[str, Any]]:
    data = row.message_images
    if not data:
        return []
    images = data.get("images") if isinstance(data, dict) else None
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise PartError(
            'message_images 형식이 올바르지 않습니다 ({"images": [{"id": ..., "file_path": ...}]}).'
        )
    return images


def build_parts(row: SendColumns) -> list[Part]:
    """The parts to send for ``row``; ``PartError`` when there is nothing valid to send."""
    order = row.send_order or "text_first"
    text = row.message_text or ""
    images = [Part("image", image=image) for image in images_of(row)]
    text_parts = [Part("text", text=text)] if text.strip() else []
    if order == "text_only":
        parts = text_parts
    elif order == "images_only":
        parts = images
    elif order == "images_first":
        parts = images + text_parts
    else:
        parts = text_parts + images
    if not parts:
        raise PartError(f"보낼 내용이 없습니다: 순서가 {order}인데 텍스트도 이미지도 없습니다.")
    return parts


async def load_image(files: ImageFiles, image: dict[str, Any]) -> bytes:
    """The image's bytes, read as ``ImageFiles`` allows; ``PartError`` when it may not be
    read or is not an image."""
    try:
        return await asyncio.to_thread(files.read, image)
    except UnsafeImage as exc:
        raise PartError(str(exc)) from None
