"""``kbot backup`` / ``kbot restore``: the configuration and schedules in one file.

The file is a gzip'd tar archive. Its first member is ``backup.json``::

    {"format": "kbot-backup", "version": 1, "schema_revision": "0001",
     "created_at": "2026-11-26T14:00:00+00:00",
     "tables": {"kbot_orgs": [{"id": 1, ...}, ...], ...},
     "images": ["img_20261126_0123456789abcdef_o1.jpg", ...]}

followed, when images were asked for, by ``images/<filename>`` for every file listed in
``images``. Rows keep every column: datetimes, dates and times as ISO strings, weekday sets as
lists, JSON columns as the JSON text stored in the database (so SQL NULL and JSON ``null`` stay
apart). The tables are ``format.TABLES``: orgs, admins, rooms, images, API tokens (their
hashes only), campaigns, templates, schedules with their meta and rules rows, and the days
off of ``kbot holiday``. One-time codes, the audit trail, send logs (see ``storage.archive``),
per-occurrence and device bookkeeping and the counts behind reports (``format.NOT_BACKED_UP``)
are not part of a backup.

A restore goes only into an empty, freshly upgraded database at the same schema revision. It
inserts every row with its id, parents first, in one transaction, so ids the PHP site refers to
stay valid and both backends continue their id sequences after the largest restored id.
"""

from __future__ import annotations

from storage.backup.format import TABLES, BackupError, BackupSummary
from storage.backup.restore import restore_backup
from storage.backup.write import write_backup

__all__ = ["TABLES", "BackupError", "BackupSummary", "restore_backup", "write_backup"]
