"""What a kbot backup holds: the format's name and version, its members, the tables it
carries (parents first), its error and the summary ``kbot backup`` / ``kbot restore`` print."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from storage.errors import StorageError
from storage.kbot_models import Admin, ApiToken, Image, Org, Room, ScheduleMeta
from storage.models import Schedule

FORMAT = "kbot-backup"
VERSION = 1
DOCUMENT = "backup.json"
IMAGES_PREFIX = "images/"
INSERT_BATCH = 500

# Parents before children: the order rows are inserted in on restore.
TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (Org, Admin, Room, Image, ApiToken, Schedule, ScheduleMeta)
)


class BackupError(StorageError):
    pass


@dataclass
class BackupSummary:
    rows: dict[str, int]
    images: list[str] = field(default_factory=list)
    missing_images: list[str] = field(default_factory=list)
    created_at: str = ""
    schema_revision: str = ""

    def describe(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        text = f"{counts}; images {len(self.images)}"
        if self.missing_images:
            text += f" ({len(self.missing_images)} missing: {', '.join(self.missing_images)})"
        return text
