"""The schedules of a report as CSV for ``GET /api/reports?format=csv`` and ``/reports.csv``:
the CONTRACT's columns first, then the rest; UTF-8 with a BOM so that Excel opens Korean
titles correctly; a text cell starting with ``= + - @``, a tab or a CR gets a leading ``'``
(a title comes from the PHP site or any admin: it must not run as a spreadsheet formula)."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.reports import Report, ScheduleReport

CONTRACT_COLUMNS = (
    "schedule_id",
    "campaign_id",
    "title",
    "target_room_id",
    "sends",
    "success",
    "failed",
    "unconfirmed",
    "on_time_rate",
    "replies",
)
EXTRA_COLUMNS = (
    "room_name",
    "confirmed",
    "pending",
    "missed",
    "lateness_p50_s",
    "lateness_p95_s",
    "clicks",
    "activity_after",
    "activity_baseline",
)
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS
CONTENT_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet must show it: text that could start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def schedule_cells(row: ScheduleReport) -> list[Any]:
    return [safe_cell(getattr(row, column)) for column in COLUMNS]


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(schedule_cells(row) for row in report.schedules)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_filename(report: Report) -> str:
    return f"kbot-report-{report.window.first}-{report.window.last}.csv"


def csv_headers(report: Report) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "Content-Disposition": f'attachment; filename="{csv_filename(report)}"',
    }
