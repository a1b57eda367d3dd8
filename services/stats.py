"""Send statistics for the REST API's ``/api/stats`` and the ``/stats`` page: one aggregation
of the log rows ``services.logs`` shows the actor (its visibility rule), per target room, local
day and status over a closed date window. Test sends are left out: they say nothing about
delivery to customers; ``partial`` counts as not successful."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.logs import DateWindow, LogFilter, TargetRoom, matching
from storage.models import ScheduleLog
from storage.send_kinds import COUNTED


@dataclass(slots=True)
class RoomStats:
    room_id: str
    room_name: str | None  # None: the room is not registered
    by_day: dict[date, dict[str, int]] = field(default_factory=dict)  # day -> status -> sends

    def on(self, day: date) -> dict[str, int]:
        return self.by_day.get(day, {})

    def count(self, status: str) -> int:
        return sum(counts.get(status, 0) for counts in self.by_day.values())

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.by_day.values())

    @property
    def success(self) -> int:
        return self.count("success")

    @property
    def failed(self) -> int:  # failed and partial
        return self.total - self.success

    @property
    def rate(self) -> float:
        return self.success / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Stats:
    window: DateWindow
    rooms: list[RoomStats]  # the rooms sent to, in the order the database gave them

    def busiest(self) -> list[RoomStats]:
        """The rooms by sends, most first, then by name."""
        return sorted(self.rooms, key=lambda s: (-s.total, s.room_name or s.room_id))

    def per_day(self) -> dict[date, tuple[int, int]]:
        """(successes, failures) per day of the window, every day present."""
        days = {day: [0, 0] for day in self.window.dates()}
        for room in self.rooms:
            for day, counts in room.by_day.items():
                slot = days.get(day)
                if slot is not None:
                    slot[0] += counts.get("success", 0)
                    slot[1] += sum(counts.values()) - counts.get("success", 0)
        return {day: (ok, bad) for day, (ok, bad) in days.items()}


async def send_stats(session: AsyncSession, org_ids: set[int] | None, window: DateWindow) -> Stats:
    """The visible non-test sends on the days of ``window`` (closed), per room, day and status."""
    day = func.date(ScheduleLog.scheduled_at)
    columns = select(ScheduleLog.target_room_id, TargetRoom.name, day, ScheduleLog.status)
    query = matching(
        columns.add_columns(func.count()), org_ids, LogFilter(kinds=COUNTED, window=window)
    )
    query = query.outerjoin(TargetRoom, TargetRoom.chat_id == ScheduleLog.target_room_id)
    query = query.group_by(ScheduleLog.target_room_id, TargetRoom.name, day, ScheduleLog.status)
    rooms: dict[str, RoomStats] = {}
    for room_id, name, when, status, n in await session.execute(query):
        room = rooms.setdefault(room_id, RoomStats(room_id, name))
        counts = room.by_day.setdefault(date.fromisoformat(str(when)[:10]), {})
        counts[status] = counts.get(status, 0) + int(n)
    return Stats(window, list(rooms.values()))
