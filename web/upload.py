"""Reading one uploaded file from a multipart body with its size limit enforced while
streaming, shared by ``POST /api/images`` and the web page's upload form.

Failures raise ``UploadRejected`` with a status, a stable code and a Korean message; each
caller turns it into its own kind of response (JSON or an HTML page).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from storage.image_check import human_size

FILE_FIELD = "file"
CHUNK_BYTES = 64 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # headers and other small form fields


class UploadRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = FILE_FIELD


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str | None
    fields: dict[str, str] = field(default_factory=dict)  # small fields sent before the file


async def read_file_field(request: web.Request, limit: int) -> Upload:
    """The bytes and file name of the multipart field ``file``, reading at most ``limit``
    bytes of it (413 beyond) and a small budget for the other fields before it."""
    too_large = UploadRejected(
        413, "too_large", f"파일이 너무 큽니다. 최대 {human_size(limit)}까지 올릴 수 있습니다."
    )
    if (
        request.content_length is not None
        and request.content_length > limit + MULTIPART_OVERHEAD_BYTES
    ):
        raise too_large
    if request.content_type != "multipart/form-data":
        raise UploadRejected(
            400,
            "multipart_required",
            "multipart/form-data 형식으로 'file' 필드에 이미지를 담아 보내 주세요.",
        )
    other_budget = MULTIPART_OVERHEAD_BYTES
    fields: dict[str, str] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise UploadRejected(400, "bad_multipart", "중첩된 multipart는 받지 않습니다.")
            if part.name == FILE_FIELD:
                data = await _read_limited(part, limit, too_large)
                return Upload(data, _uploaded_name(part), fields)
            value = await _read_limited(part, other_budget, too_large)
            other_budget -= len(value)
            if part.name:
                fields[part.name] = value.decode("utf-8", errors="replace")
    except HttpProcessingError:  # a part's headers: control bytes, a line too long
        raise UploadRejected(
            400,
            "bad_multipart_header",
            "multipart 파트의 헤더가 올바르지 않습니다. 헤더에는 제어 문자(NUL 등)를 쓸 수 없고 "
            "한 줄이 너무 길어도 안 됩니다.",
        ) from None
    except (ValueError, KeyError, RuntimeError, AssertionError):
        raise UploadRejected(400, "bad_multipart", "multipart 본문을 해석할 수 없습니다.") from None
    raise UploadRejected(400, "file_required", "'file' 필드에 이미지 파일이 없습니다.")


async def _read_limited(part: BodyPartReader, limit: int, too_large: UploadRejected) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK_BYTES):
        data += chunk
        if len(data) > limit:
            raise too_large
    return bytes(data)


def _uploaded_name(part: BodyPartReader) -> str | None:
    """The part's file name; clients such as aiohttp percent-encode non-ASCII names. aiohttp
    keeps header bytes that are not UTF-8 as lone surrogates, which no database column takes:
    they become U+FFFD."""
    name = part.filename
    if name is None:
        return None
    try:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        name = name.encode("utf-8", "replace").decode("utf-8")
    if "%" in name:
        with contextlib.suppress(UnicodeDecodeError):
            return unquote(name, errors="strict")
    return name
