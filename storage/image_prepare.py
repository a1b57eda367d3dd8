"""What an upload becomes before it is stored: checked (``check_image``), turned upright when a
JPEG's EXIF says so, stripped of its metadata (``strip_metadata``) and hashed. The digest,
size and dimensions describe the stored bytes, so the same upload gives the same file.

Pure and blocking; async callers run ``prepare_image`` in a worker thread, a bounded number
at once (decoding can need hundreds of MB, see ``storage.image_decode``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.image_check import check_image
from storage.image_meta import orientation, strip_metadata
from storage.image_types import JPEG, ImageKind
from storage.image_upright import SWAPS_AXES, upright_jpeg


@dataclass(frozen=True, slots=True)
class PreparedImage:
    kind: ImageKind
    data: bytes  # the bytes to store
    width: int
    height: int
    sha256: str


def prepare_image(data: bytes, *, max_bytes: int, max_pixels: int) -> PreparedImage:
    """Raises ``ImageRejected`` for anything ``check_image`` refuses."""
    checked = check_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    kind, width, height = checked.kind, checked.width, checked.height
    turn = orientation(kind, data)
    if kind is JPEG and turn != 1:
        data = upright_jpeg(data, turn)
        if turn in SWAPS_AXES:
            width, height = height, width
        turn = 1
    stored = strip_metadata(kind, data, orientation=turn)
    return PreparedImage(kind, stored, width, height, hashlib.sha256(stored).hexdigest())
