"""The breaker: pause an Iris device whose sends stop being confirmed (or keep failing), or
whose account got a KakaoTalk restriction notice (``bot.iris.notices``), with ONE alert to the
ops room and ONE recovery message when the pause ends.

Rule: a device with ``breaker_unconfirmed`` = N > 0 whose last N settled parts (its
``kbot_receipts`` rows in 'confirmed', 'unconfirmed' or 'failed', by ``sent_at``, sent after
its last pause ended) are all 'unconfirmed' or 'failed' is paused for ``breaker_pause_s``.
N = 0 turns the breaker off for that device (notices included). The state lives in
``kbot_devices`` (``storage.device_states``): a trip and the recovery claim are conditional
UPDATEs, so with several processes exactly one of them alerts.

``PauseView`` is the pause ``Gate`` (checked before the budgets): it answers the seconds left
of the device's pause from an in-memory copy of ``kbot_devices``, which ``Breaker.check``
reloads every couple of seconds (``bot.iris.safety``, injected clock) and a trip in this
process updates at once.

The alert goes through another device that is not paused, preferring one that sends to the
ops room or is known to be in it (``kbot_room_devices``); with none, through the paused
device itself, which sends it when it resumes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.devices import IrisDevice
from bot.sender import PRIORITY_REPLY, SendError, SendResult
from core.clock import Clock
from core.human import duration, local_stamp
from storage import device_states
from storage.device_states import BAD, DeviceRow

log = logging.getLogger("kbot.iris.breaker")


class AlertPath(Protocol):
    """What the breaker needs of the sender (``bot.iris.client.IrisSender`` fits)."""

    def device_for(self, room_id: str) -> str: ...

    async def send_text_via(
        self, device: str, room_id: str, text: str, *, priority: int
    ) -> SendResult: ...


class PauseView:
    """The pause ``Gate``: the breaker rows as last seen by this process."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.rows: dict[str, DeviceRow] = {}

    async def hold_s(self, device: str) -> float:
        return self.left_s(device)

    def left_s(self, device: str) -> float:
        row = self.rows.get(device)
        if row is None or row.paused_until is None:
            return 0.0
        return max(0.0, (row.paused_until - self._clock.now()).total_seconds())

    def row(self, device: str) -> DeviceRow:
        return self.rows.get(device) or DeviceRow(device)


class Breaker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        devices: Sequence[IrisDevice],
        clock: Clock,
        view: PauseView,
        *,
        ops_room_id: str,
        tz: ZoneInfo,
    ) -> None:
        self._sessions = sessions
        self._devices = {d.name: d for d in devices}
        self._clock = clock
        self.view = view
        self._ops_room = ops_room_id
        self._tz = tz
        self._path: AlertPath | None = None
        self._telling: set[asyncio.Task[None]] = set()

    @property
    def default_device(self) -> str:
        return next(iter(self._devices))

    def watches(self, device: str) -> bool:
        known = self._devices.get(device)
        return known is not None and known.breaker_unconfirmed > 0

    def attach(self, path: AlertPath) -> None:
        """Alerts go through ``path`` from now on."""
        self._path = path

    async def close(self) -> None:
        """Stop the alerts still being sent."""
        for task in list(self._telling):
            task.cancel()
        if self._telling:
            await asyncio.wait(set(self._telling))

    async def check(self) -> None:
        """Reload the rows; announce pauses that ended; trip devices that qualify."""
        async with self._sessions() as session:
            self.view.rows = await device_states.load(session)
        for name, device in self._devices.items():
            row = self.view.row(name)
            now = self._clock.now()
            if row.ended_untold(now):
                await self._resume(row, now)
                row = self.view.row(name)
            if device.breaker_unconfirmed <= 0 or row.paused(now) or not row.recovery_told:
                continue
            async with self._sessions() as session:
                states = await device_states.last_parts(
                    session, name, row.resumed_at, device.breaker_unconfirmed
                )
            if len(states) == device.breaker_unconfirmed and BAD.issuperset(states):
                reason = f"최근 {len(states)}건의 발송이 연달아 확인되지 않았거나 실패했습니다"
                await self.trip(name, reason, seen_trips=row.trips)

    async def trip(self, name: str, reason: str, *, seen_trips: int | None = None) -> bool:
        """Pause ``name`` for its ``breaker_pause_s`` unless paused already (or, with
        ``seen_trips``, tripped since); True when this call did, and then alerts once."""
        if not self.watches(name):
            return False
        now = self._clock.now()
        until = now + timedelta(seconds=self._devices[name].breaker_pause_s)
        async with self._sessions() as session, session.begin():
            won = await device_states.trip(session, name, now, until, reason, seen_trips=seen_trips)
        if not won:
            return False
        old = self.view.row(name)
        self.view.rows[name] = replace(
            old,
            paused_until=until,
            paused_at=now,
            pause_reason=reason,
            recovery_told=False,
            trips=old.trips + 1,
        )
        log.warning("Iris device %s paused until %s: %s", name, until.isoformat(), reason)
        pause = duration(self._devices[name].breaker_pause_s * 1000)
        text = (
            f"⚠️ 봇 기기 '{name}' 발송 일시정지 ({pause}): {reason}. "
            f"{local_stamp(until, self._tz)}까지 이 기기로는 보내지 않으며, 기다리는 발송은 "
            "그 뒤에 나갑니다 (허용 시간이 지나면 건너뜀)."
        )
        self._tell(text, exclude=name)
        return True

    async def _resume(self, row: DeviceRow, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            won = await device_states.claim_recovery(session, row.name, now)
        resumed = device_states.resumed_at(row)
        self.view.rows[row.name] = replace(row, recovery_told=True, resumed_at=resumed)
        if won:
            log.warning("Iris device %s resumed", row.name)
            self._tell(f"✅ 봇 기기 '{row.name}'의 일시정지가 끝나 발송을 다시 시작합니다.")

    def _tell(self, text: str, *, exclude: str | None = None) -> None:
        if not self._ops_room:
            log.warning("no alerts.ops_room_id: not told: %s", text)
            return
        task = asyncio.create_task(self._send(text, exclude), name="breaker-alert")
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _send(self, text: str, exclude: str | None) -> None:
        path = self._path
        if path is None:
            log.warning("breaker alert not sent (no sender yet): %s", text)
            return
        try:
            device = await self._alert_device(path, exclude)
            await path.send_text_via(device, self._ops_room, text, priority=PRIORITY_REPLY)
        except SendError as exc:
            log.warning("breaker alert to the ops room failed: %s", exc)
        except Exception:
            log.exception("breaker alert to the ops room failed")

    async def _alert_device(self, path: AlertPath, exclude: str | None) -> str:
        """A device that is not paused, preferring one that reaches the ops room; else the
        excluded (paused) device itself."""
        async with self._sessions() as session:
            known = await device_states.devices_in_room(session, self._ops_room)
        known.add(path.device_for(self._ops_room))
        free = [n for n in self._devices if n != exclude and self.view.left_s(n) == 0]
        preferred = [n for n in free if n in known]
        return (preferred or free or [exclude or self.default_device])[0]

    async def wait_told(self) -> None:
        """Wait for the alerts being sent (for an orderly stop and for tests)."""
        while self._telling:
            await asyncio.wait(set(self._telling))
