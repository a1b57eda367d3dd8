"""The parts of one send, in the seed's send orders (section 5.4): a text part and one part per
image, in the order ``send_order`` names. Pure, except ``load_image`` which reads a file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scheduler.held import SendColumns


class PartError(Exception):
    """The schedule's content cannot be sent as it is (a permanent failure)."""


@dataclass(frozen=True, slots=True)
class Part:
    kind: Literal["text", "image"]
    text: str = ""
    image: dict[str, Any] | None = None  # one entry of message_images["images"]

    def describe(self) -> str:
        if self.kind == "text":
            return "text"
        assert self.image is not None
        return f"image {self.image.get('id', '?')}"


def images_of(row: SendColumns) -> list[dict[str, Any]]:
    data = row.message_images
    if not data:
        return []
    images = data.get("images") if isinstance(data, dict) else None
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise PartError('message_images must look like {"images": [{"id": ..., "file_path": ...}]}')
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
        raise PartError(f"nothing to send: send_order {order} but no text or images")
    return parts


async def load_image(image: dict[str, Any]) -> bytes:
    """The image's bytes from its ``file_path``; ``PartError`` when it cannot be read."""
    path = image.get("file_path")
    if not isinstance(path, str) or not path:
        raise PartError(f"image {image.get('id', '?')} has no file_path")
    try:
        data = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        raise PartError(
            f"image {image.get('id', '?')} file {path} cannot be read: {exc.strerror}"
        ) from None
    if not data:
        raise PartError(f"image {image.get('id', '?')} file {path} is empty")
    return data
