"""Process-wide logging: timestamps, levels, logger names and the event's request id
(``core.request_id``) on every line."""

from __future__ import annotations

import logging

from core.request_id import RequestIdFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(request_tag)s%(message)s"


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format=FORMAT, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
