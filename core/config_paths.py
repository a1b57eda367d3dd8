"""Relative paths written in a config file are relative to that file's folder, so that
``kbot --config /etc/kbot/config.toml ...`` finds the same files from any current directory
(cron, systemd). Built-in defaults and environment variables are left as they are: they are
relative to the current directory, like any command-line path.

The path keys: ``data_dir``, ``web.upload_dir``, ``web.image_dirs`` and the file of a SQLite
``database.url`` (``sqlite+aiosqlite:///data/kbot.db``; an in-memory database and SQLite
``file:`` URIs are left alone).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PATH_KEYS = (("data_dir",), ("web", "upload_dir"))
PATH_LIST_KEYS = (("web", "image_dirs"),)
SQLITE_URL_KEY = ("database", "url")


def resolve_file_paths(raw: dict[str, Any], base: Path) -> None:
    """Make the relative paths in ``raw`` (a config file's TOML) absolute under ``base`` (the
    file's folder), in place. Values of the wrong type are left for validation to report."""
    for keys in PATH_KEYS:
        _update(raw, keys, lambda v: _under(base, v) if isinstance(v, str) else v)
    for keys in PATH_LIST_KEYS:
        _update(raw, keys, lambda v: _each_under(base, v))
    _update(raw, SQLITE_URL_KEY, lambda v: _sqlite_under(base, v) if isinstance(v, str) else v)


def _update(raw: dict[str, Any], keys: tuple[str, ...], change: Any) -> None:
    node: Any = raw
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and keys[-1] in node:
        node[keys[-1]] = change(node[keys[-1]])


def _under(base: Path, value: str) -> str:
    if not value or os.path.isabs(value):
        return value
    return os.path.normpath(base / value)


def _each_under(base: Path, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [_under(base, item) if isinstance(item, str) else item for item in value]


def _sqlite_under(base: Path, value: str) -> str:
    if not value.startswith("sqlite"):
        return value
    try:
        url = make_url(value)
    except ArgumentError:
        return value  # validation (or the engine) reports it
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return value
    resolved = _under(base, database)
    if resolved == database:
        return value
    return url.set(database=resolved).render_as_string(hide_password=False)
