"""The pool both upload doors (``POST /api/images`` and the web page's form) check uploads on:
``web.max_concurrent_image_checks`` at once, on threads of its own (``storage.image_pool``),
for the application's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from storage.image_pool import ImageCheckPool
from web import keys


async def image_checks_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = ImageCheckPool(app[keys.CONFIG].web.max_concurrent_image_checks)
    app[keys.IMAGE_CHECKS] = pool
    try:
        yield
    finally:
        pool.close()
