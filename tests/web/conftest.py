"""Fixtures of the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import chromium_path


@pytest.fixture
def chromium() -> Path:
    """Debian chromium for the browser tests (skipped where it is missing, failed on CI)."""
    return chromium_path()
