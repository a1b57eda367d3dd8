"""Times and durations as a person reads them: local time in the configured zone (with its
offset where a machine may read it too, as ISO 8601) and durations in Korean units. Used by
the chat, the web pages, the CLI, ``/healthz`` and the send logs' reasons, so one helper
decides how each looks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def duration(ms: float) -> str:
    """``0.4초``, ``12초``, ``8분 34초``, ``1시간 5분``, ``5일 22시간``."""
    seconds = ms / 1000
    if seconds < 10:
        return f"{seconds:.1f}초".replace(".0초", "초")
    whole = round(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}일 {hours}시간" if hours else f"{days}일"
    if hours:
        return f"{hours}시간 {minutes}분" if minutes else f"{hours}시간"
    if minutes:
        return f"{minutes}분 {secs}초" if secs else f"{minutes}분"
    return f"{secs}초"


def local_iso(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-11-27T09:12:00+09:00``: an aware ``moment`` in ``tz``, to the second."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def local_stamp(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-11-27 09:12 (Asia/Seoul, +09:00)``: an aware ``moment`` in ``tz``, to the
    minute, naming the zone."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} ({tz.key}, {offset[:3]}:{offset[3:]})"
