"""Watches whether each Iris device still answers ``GET /config`` (the transport asks every
30 s and records ``IrisSender.last_config_ok``) and tells the ops room once per outage.

A device without a good answer for ``alerts.iris_down_after_s`` is down: logged at ERROR and
ONE alert is sent to ``alerts.ops_room_id``. When it answers again, ONE recovery message is
sent. The ops room is itself reached through Iris, so the outage alert often cannot be
delivered; then the recovery message carries the whole outage (from, until, how long), and
an undelivered recovery message is tried again at the next check.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.sender import SendError
from core.alerts import Alert, AlertKind, Notify
from core.clock import Clock
from core.human import duration, local_iso
from core.redact import redact

log = logging.getLogger("kbot.iris_monitor")

CHECK_INTERVAL_S = 10.0
DOWN = (
    "[Iris 알림] 장치 '{device}'가 {since}부터 응답하지 않습니다. "
    "예약 발송과 명령어 답장이 실패할 수 있습니다."
)
RECOVERED = "[Iris 알림] 장치 '{device}'가 다시 응답합니다. (중단: {since} ~ {until}, 약 {length})"
OUTAGE = (
    "[Iris 알림] 장치 '{device}'가 {since}부터 {until}까지 약 {length} 동안 응답하지 "
    "않았고, 지금은 복구되었습니다. 그동안 실패한 발송은 발송 기록에서 확인해 주세요."
)


@dataclass
class _Outage:
    since: datetime  # the last good answer (or when watching began)
    alert_delivered: bool = False


class IrisMonitor:
    """``check()`` compares each device's last good answer with the clock; ``run()`` checks
    every ``CHECK_INTERVAL_S``. With no ops room the outages are only logged."""

    def __init__(
        self,
        last_ok: Mapping[str, datetime | None],
        notify: Notify,
        clock: Clock,
        *,
        ops_room_id: str,
        down_after_s: float,
        tz: ZoneInfo,
    ) -> None:
        self._last_ok = last_ok
        self._notify = notify
        self._clock = clock
        self._ops_room = ops_room_id
        self._down_after_s = down_after_s
        self._tz = tz
        self._watching_since = clock.now()
        self._outages: dict[str, _Outage] = {}

    @property
    def down(self) -> list[str]:
        """The devices now considered down (or whose recovery is not yet told)."""
        return sorted(self._outages)

    async def run(self) -> None:
        while True:
            await self._clock.sleep(CHECK_INTERVAL_S)
            try:
                await self.check()
            except Exception:
                log.exception("Iris monitor check failed")

    async def check(self) -> None:
        now = self._clock.now()
        for device, last_ok in list(self._last_ok.items()):
            outage = self._outages.get(device)
            if outage is None:
                seen = max(last_ok or self._watching_since, self._watching_since)
                if (now - seen).total_seconds() >= self._down_after_s:
                    await self._went_down(device, seen)
            elif last_ok is not None and last_ok > outage.since:
                await self._came_back(device, outage, last_ok)

    async def _went_down(self, device: str, since: datetime) -> None:
        outage = self._outages[device] = _Outage(since)
        log.error(
            "Iris device %s has not answered GET /config since %s (alerts.iris_down_after_s=%s)",
            device,
            local_iso(since, self._tz),
            self._down_after_s,
        )
        text = DOWN.format(device=device, since=self._local(since))
        outage.alert_delivered = await self._tell(AlertKind.IRIS_DOWN, device, text)

    async def _came_back(self, device: str, outage: _Outage, at: datetime) -> None:
        minutes = max(1, round((at - outage.since).total_seconds() / 60))
        length = duration(minutes * 60_000)  # whole minutes: "약 10분", "약 2시간 5분"
        log.warning(
            "Iris device %s answers again after about %s (down since %s)",
            device,
            length,
            local_iso(outage.since, self._tz),
        )
        template = RECOVERED if outage.alert_delivered else OUTAGE
        text = template.format(
            device=device, since=self._local(outage.since), until=self._local(at), length=length
        )
        if await self._tell(AlertKind.IRIS_BACK, device, text):
            del self._outages[device]

    async def _tell(self, kind: AlertKind, device: str, text: str) -> bool:
        """Send to the ops room; ``True`` when delivered (or there is no ops room)."""
        if not self._ops_room:
            return True
        try:
            await self._notify(Alert(kind, self._ops_room, text, device=device))
        except SendError as exc:
            log.error(
                "Iris alert to ops room %s not delivered (%s): %s",
                self._ops_room,
                exc,
                redact(text),
            )
            return False
        return True

    def _local(self, at: datetime) -> str:
        return at.astimezone(self._tz).strftime("%m/%d %H:%M")
