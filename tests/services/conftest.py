"""Fixtures of the service tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.config import Config
from tests.services.test_images import Api, make_api


@pytest.fixture
async def api(aiohttp_client: Any, cfg: Config, sessions: Any) -> Api:
    """The image API's app (``tests.services.test_images.make_api``)."""
    return await make_api(aiohttp_client, cfg, sessions)
