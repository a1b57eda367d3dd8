"""Reading uploaded files from a multipart body with the size limits enforced while
streaming, shared by ``POST /api/images`` (one file) and the web page's upload form (several).

``file_parts`` yields the ``file`` parts one at a time, each read in full before the next is
read, so a caller can check and store one file before the next arrives. A file that is too
large, or one past ``max_files``, is yielded as refused (by its name) and the reading goes on:
the caller decides whether one bad file ends the request. The body as a whole is bounded
(``max_files`` files of ``limit`` bytes and a small budget for the other fields).

Failures of the whole request raise ``UploadRejected`` with a status, a stable code and a
Korean message; each caller turns it into its own kind of response (JSON or an HTML page).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field, replace
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict

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
    """One ``file`` part: its bytes, or (``data`` empty) why it was not read."""

    data: bytes
    filename: str | None
    fields: dict[str, str] = field(default_factory=dict)  # small fields sent before the file
    refused: UploadRejected | None = None


async def read_file_field(request: web.Request, limit: int) -> Upload:
    """The bytes and file name of the (first) multipart field ``file``, reading at most
    ``limit`` bytes of it (413 beyond) and a small budget for the other fields before it."""
    async with contextlib.aclosing(file_parts(request, limit, max_files=1)) as parts:
        async for upload in parts:
            if upload.refused is not None:
                raise upload.refused
            return upload
    raise UploadRejected(400, "file_required", "'file' 필드에 이미지 파일이 없습니다.")


async def file_parts(
    request: web.Request, limit: int, *, max_files: int
) -> AsyncGenerator[Upload, None]:
    """Each ``file`` part of the body in order: read in full when at most ``limit`` bytes and
    among the first ``max_files``, else refused (``too_large`` / ``too_many``) without its
    bytes. A part of a file input left empty (no name, no bytes) is skipped."""
    fields: dict[str, str] = {}
    async with contextlib.aclosing(_parts(request, limit, max_files)) as parts:
        async for part in parts:
            if isinstance(part, Upload):
                yield replace(part, fields=dict(fields))
            else:
                fields[part[0]] = part[1]


async def read_form(
    request: web.Request, limit: int, *, max_files: int
) -> tuple[MultiDict[str], list[Upload]]:
    """The whole multipart form at once: its other fields (repeated names kept, in order) and
    its ``file`` parts as ``file_parts`` reads them, for a form that posts fields and files
    together (the schedule wizard's step 2)."""
    fields: MultiDict[str] = MultiDict()
    uploads: list[Upload] = []
    async with contextlib.aclosing(_parts(request, limit, max_files)) as parts:
        async for part in parts:
            if isinstance(part, Upload):
                uploads.append(part)
            else:
                fields.add(*part)
    return fields, uploads


async def _parts(
    request: web.Request, limit: int, max_files: int
) -> AsyncGenerator[Upload | tuple[str, str], None]:
    """The body's parts in order: each other field as (name, value), each file as an
    ``Upload`` (without ``fields``)."""
    too_large = _too_large(limit)
    budget = max_files * limit + MULTIPART_OVERHEAD_BYTES
    if request.content_length is not None and request.content_length > budget:
        raise too_large
    if request.content_type != "multipart/form-data":
        raise UploadRejected(
            400,
            "multipart_required",
            "multipart/form-data 형식으로 'file' 필드에 이미지를 담아 보내 주세요.",
        )
    reader = _Reader(budget)
    files = 0
    try:
        parts = await request.multipart()
        while (part := await parts.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise UploadRejected(400, "bad_multipart", "중첩된 multipart는 받지 않습니다.")
            if part.name != FILE_FIELD:
                value = await reader.read(part, MULTIPART_OVERHEAD_BYTES)
                if value is None:
                    raise too_large
                if part.name:
                    yield part.name, value.decode("utf-8", errors="replace")
                continue
            name = _uploaded_name(part)
            if files >= max_files:
                yield Upload(b"", name, refused=_too_many(max_files))
                await reader.skip(part)  # only when the caller reads on
                continue
            data = await reader.read(part, limit)
            if data is None:
                files += 1
                yield Upload(b"", name, refused=too_large)
                await reader.skip(part)
            elif data or name:
                files += 1
                yield Upload(data, name)
    except HttpProcessingError:  # a part's headers: control bytes, a line too long
        raise UploadRejected(
            400,
            "bad_multipart_header",
            "multipart 파트의 헤더가 올바르지 않습니다. 헤더에는 제어 문자(NUL 등)를 쓸 수 없고 "
            "한 줄이 너무 길어도 안 됩니다.",
        ) from None
    except (ValueError, KeyError, RuntimeError, AssertionError):
        raise UploadRejected(400, "bad_multipart", "multipart 본문을 해석할 수 없습니다.") from None


class _Reader:
    """Reads parts while counting every byte against the body's budget (``too_large`` for
    the whole request beyond it, whatever the Content-Length said)."""

    def __init__(self, budget: int) -> None:
        self._left = budget

    async def read(self, part: BodyPartReader, limit: int) -> bytes | None:
        """The part's bytes, or None when it has more than ``limit`` (the rest unread)."""
        data = bytearray()
        while chunk := await self._chunk(part):
            data += chunk
            if len(data) > limit:
                return None
        return bytes(data)

    async def skip(self, part: BodyPartReader) -> None:
        while await self._chunk(part):
            pass

    async def _chunk(self, part: BodyPartReader) -> bytes:
        chunk = await part.read_chunk(CHUNK_BYTES)
        self._left -= len(chunk)
        if self._left < 0:
            raise UploadRejected(413, "too_large", "한 번에 보낸 내용이 너무 큽니다.")
        return chunk


def _too_large(limit: int) -> UploadRejected:
    return UploadRejected(
        413, "too_large", f"파일이 너무 큽니다. 최대 {human_size(limit)}까지 올릴 수 있습니다."
    )


def _too_many(max_files: int) -> UploadRejected:
    return UploadRejected(
        413, "too_many", f"한 번에 {max_files}개까지 올릴 수 있어 이 파일은 올리지 않았습니다."
    )


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
