"""Restored images live under the restoring host's upload directory: their rows, and the
schedules' ``message_images`` entries naming them, are pointed there."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from storage.kbot_models import Image
from storage.models import Schedule


def repoint_images(
    rows: dict[str, list[dict[str, Any]]], staged: Mapping[str, Path], upload_dir: Path
) -> None:
    """Point each image whose file this restore brings, and the schedules' ``message_images``
    entries naming it, at the file's place under ``upload_dir`` (which may differ from the
    directory the backup was taken from)."""
    moved: dict[int, str] = {}
    for image in rows[Image.__tablename__]:
        if image["filename"] in staged:
            image["file_path"] = str(upload_dir / image["filename"])
            moved[image["id"]] = image["file_path"]
    for schedule in rows[Schedule.__tablename__]:
        stored = schedule["message_images"]  # JSON text, copied verbatim unless changed here
        try:
            data = json.loads(stored) if stored is not None else None
        except ValueError:
            continue
        entries = data.get("images") if isinstance(data, dict) else None
        changed = False
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and entry.get("id") in moved:
                entry["file_path"], changed = moved[entry["id"]], True
        if changed:
            schedule["message_images"] = json.dumps(data)
