"""The weekly digest (``alerts.weekly_digest``, seed 10.3): at the configured local day and
time the ops room gets last week's (Monday to Sunday, local) summary from the report service
(``services.reports``, every org): sends, failures, unconfirmed and missed sends, and the top
campaigns by replies.

Sent once per week across kbot processes: claimed in ``kbot_notices`` as
``digest:<reported week's Monday>``. A kbot that was down at the time sends it when it next
runs within the same week; once that week is over the digest of the week before is never
sent (the next one is due then)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import Alert, AlertKind, Notify
from core.clock import Clock
from core.plain_text import clean
from core.timeutil import to_local_naive, to_utc_naive
from core.weekly import due_in_week, week_start
from services.logs import DateWindow
from services.reports import CampaignReport, Report, build_report
from storage import notices

log = logging.getLogger("kbot.digest")
TOP_CAMPAIGNS = 3
TITLE_MAX = 40
_DAY = "월화수목금토일"


def _day(day: date) -> str:
    return f"{day.month}/{day.day}({_DAY[day.weekday()]})"


def _title(text: str | None) -> str:
    value = clean(text or "")
    return value if len(value) <= TITLE_MAX else value[: TITLE_MAX - 1] + "…"


def top_campaigns(campaigns: Sequence[CampaignReport]) -> list[CampaignReport]:
    """The campaigns with the most replies (those with any), most first, then by id."""
    replied = [c for c in campaigns if c.replies > 0]
    return sorted(replied, key=lambda c: (-c.replies, c.campaign_id))[:TOP_CAMPAIGNS]


def digest_text(report: Report, first: date) -> str:
    """The Korean digest of ``report`` (the week starting ``first``)."""
    rows = report.schedules
    sends = sum(r.sends for r in rows)
    lines = [
        f"[주간 요약] {_day(first)}~{_day(first + timedelta(days=6))}",
        f"발송 {sends}건 · 실패 {sum(r.failed for r in rows)}건 · "
        f"미확인 {sum(r.unconfirmed for r in rows)}건 · 건너뜀 {sum(r.missed for r in rows)}건",
    ]
    top = top_campaigns(report.campaigns)
    if top:
        lines.append("답장 많은 캠페인:")
        lines += [
            f"{n}. C{c.campaign_id} '{_title(c.title)}' 답장 {c.replies}건 ({c.rooms}개 방)"
            for n, c in enumerate(top, 1)
        ]
    else:
        lines.append("답장을 받은 캠페인이 없습니다.")
    return "\n".join(lines)


class WeeklyDigest:
    """Sends the digest when it is due (``run_due``, called by the notice sweep)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        tz: ZoneInfo,
        ops_room_id: str,
        at: tuple[int, time],
        notify: Notify,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tz = tz
        self._room = ops_room_id
        self._at = at
        self._notify = notify
        self._done: date | None = None  # the reported week this process saw claimed

    async def run_due(self) -> bool:
        """Send last week's digest if it is due and nobody sent it; whether this did."""
        now = to_local_naive(self._clock.now(), self._tz)
        if now < due_in_week(now, self._at):
            return False
        first = week_start(now.date()) - timedelta(days=7)
        if self._done == first:
            return False
        key = f"digest:{first.isoformat()}"
        async with self._sessions() as s:  # built before the claim: a failure loses nothing
            if await notices.claimed(s, [key]):
                self._done = first
                return False
            window = DateWindow(first, first + timedelta(days=6))
            report = await build_report(s, None, window, tz=self._tz)
        async with self._sessions.begin() as s:
            claimed = await notices.claim(s, key, to_utc_naive(self._clock.now()))
        self._done = first
        if not claimed:
            return False
        text = digest_text(report, first)
        await self._notify(Alert(AlertKind.WEEKLY_DIGEST, self._room, text, notice=key))
        log.info("weekly digest for the week of %s sent to the ops room", first)
        return True
