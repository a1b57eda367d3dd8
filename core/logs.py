"""Process-wide logging: timestamps, levels and logger names on every line."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format=FORMAT, force=True)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
