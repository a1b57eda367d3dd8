"""What a kbot backup holds: the format's name and version, its members, the tables it
carries (parents first), its error and the summary ``kbot backup`` / ``kbot restore`` print."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from storage.engagement_models import ShortLink
from storage.errors import StorageError
from storage.kbot_models import (
    Admin,
    ApiToken,
    Campaign,
    HolidayDay,
    Image,
    MessageTemplate,
    Org,
    Room,
    ScheduleMeta,
    ScheduleRule,
)
from storage.models import Schedule

FORMAT = "kbot-backup"
VERSION = 1
DOCUMENT = "backup.json"
IMAGES_PREFIX = "images/"
INSERT_BATCH = 500

# Parents before children: the order rows are inserted in on restore.
TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (
        Org,
        Admin,
        Room,
        Image,
        ApiToken,
        Campaign,
        MessageTemplate,
        Schedule,
        ScheduleMeta,
        ScheduleRule,
        HolidayDay,
        ShortLink,  # the short links already sent into rooms keep working after a restore
    )
)
# kbot's tables a backup leaves out: logs and bookkeeping of sends (``storage.archive`` keeps
# the logs), audit, one-time codes, device state, and the counts behind reports (the short
# links themselves are kept: they are in messages people may still click)
NOT_BACKED_UP = frozenset(
    {
        "kb_schedule_logs",
        "kbot_audit_log",
        "kbot_one_time_codes",
        "kbot_occurrences",
        "kbot_room_sends",
        "kbot_receipts",
        "kbot_devices",
        "kbot_device_sends",
        "kbot_room_devices",
        "kbot_replies",
        "kbot_room_activity",
        "kbot_link_clicks",
        "kbot_notices",
    }
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
