"""The alert gate (one alert per key and interval, repeats summarised) and the Iris monitor
(one outage alert, one recovery message, the outage told once Iris is back)."""

from __future__ import annotations

import itertools
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iris.monitor import IrisMonitor
from bot.sender import SendError
from core.alerts import Alert, AlertKind
from scheduler.alerts import HELD_BACK, AlertGate
from scheduler.held import Held
from scheduler.logbook import Closed, Result
from scheduler.send_alerts import send_alerts
from storage.models import Schedule
from tests.support.fakes import FakeClock

SEOUL = ZoneInfo("Asia/Seoul")
OPS = "999"


class Inbox:
    """A ``notify`` that records what it delivered; ``failing`` makes it raise like Iris."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.alerts: list[Alert] = []
        self.failing = False

    async def __call__(self, alert: Alert) -> None:
        if self.failing:
            raise SendError("Iris answered HTTP 503", retryable=True, status=503)
        self.delivered.append((alert.room_id, alert.text))
        self.alerts.append(alert)

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.delivered]


def send_alert(
    schedule_id: int,
    *,
    room: str = OPS,
    status: str = "failed",
    now_error: bool = False,
    campaign_id: int | None = None,
) -> Alert:
    row = Schedule(id=schedule_id, title="주간 특가")
    occ = Held(1, row.id, "scheduled", datetime(2026, 12, 1, 9, 30), "1001", "sending")
    result = Result(status=status, error="text: Iris answered HTTP 500")
    [alert] = send_alerts(row, occ, result, Closed(1, (room,), now_error, campaign_id))
    return alert


def test_the_key_names_room_kind_and_schedule_of_the_schedulers_alerts() -> None:
    assert send_alert(7).key == (OPS, "failed", "7")
    assert send_alert(7, status="partial").key == (OPS, "partial", "7")
    assert send_alert(7, now_error=True).key == (OPS, "error", "7")
    iris = Alert(AlertKind.IRIS_DOWN, "777", "[Iris 알림] 장치 'default'...", device="default")
    assert iris.key == ("777", "iris_down", "default")


def test_a_failed_send_alerts_each_room_to_tell_with_one_text() -> None:
    row = Schedule(id=7, title="주간 특가")
    occ = Held(1, row.id, "scheduled", datetime(2026, 12, 1, 9, 30), "1001", "sending")
    result = Result(status="failed", error="text: Iris answered HTTP 500")
    alerts = send_alerts(row, occ, result, Closed(1, ("777", OPS), False))
    assert [(a.room_id, a.kind, a.schedule_id) for a in alerts] == [
        ("777", AlertKind.SEND_FAILED, 7),
        (OPS, AlertKind.SEND_FAILED, 7),
    ]
    assert (
        alerts[0].text
        == alerts[1].text
        == (
            "[발송 알림] 스케줄 #7 '주간 특가' 발송 실패\n"
            "예정 시각: 2026-12-01 09:30\n"
            "대상 방: 1001\n"
            "사유: text: Iris answered HTTP 500"
        )
    )
    assert send_alerts(row, occ, result, Closed(1, (), False)) == []


def test_the_kind_comes_from_the_outcome_not_from_the_words_of_the_alert() -> None:
    """A title or reason that reads like another kind of alert does not change the key."""
    row = Schedule(id=7, title="일부만 발송됨 '오류' 상태")
    occ = Held(1, row.id, "scheduled", datetime(2026, 12, 1, 9, 30), "1001", "sending")
    result = Result(status="failed", error="'오류' 상태")
    [alert] = send_alerts(row, occ, result, Closed(1, (OPS,), False))
    assert alert.key == (OPS, "failed", "7")


async def test_repeats_within_the_interval_are_held_back_and_summarised() -> None:
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=600)
    await gate(send_alert(7))
    for _ in range(3):
        await clock.advance(60)
        await gate(send_alert(7))
    assert inbox.texts == [send_alert(7).text]
    await clock.advance(600)
    await gate(send_alert(7))
    assert inbox.texts[1] == f"{send_alert(7).text}\n{HELD_BACK.format(n=3)}"
    await clock.advance(600)
    await gate(send_alert(7))
    assert inbox.texts[2] == send_alert(7).text  # nothing held back since the last one


async def test_other_rooms_schedules_and_the_error_state_are_not_held_back() -> None:
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=600)
    for alert in (
        send_alert(7),
        send_alert(7, room="777"),
        send_alert(8),
        send_alert(7, status="partial"),
        send_alert(7, now_error=True),
        send_alert(7),  # the only repeat
    ):
        await gate(alert)
    assert len(inbox.delivered) == 5
    assert inbox.delivered[-1] == (OPS, send_alert(7, now_error=True).text)


async def test_the_rooms_of_one_campaign_failing_together_are_one_alert() -> None:
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=600)
    assert send_alert(7, campaign_id=3).key == (OPS, "failed", "C3")
    for schedule_id in range(10, 60):  # 50 rooms of campaign C3
        await gate(send_alert(schedule_id, campaign_id=3))
    await gate(send_alert(99, campaign_id=4))  # another campaign is told on its own
    assert [alert.schedule_id for alert in inbox.alerts] == [10, 99]
    await clock.advance(600)
    await gate(send_alert(60, campaign_id=3))
    assert inbox.texts[-1].endswith(HELD_BACK.format(n=49))


async def test_without_an_interval_every_alert_goes_out() -> None:
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=0)
    for _ in range(3):
        await gate(send_alert(7))
    assert inbox.texts == [send_alert(7).text] * 3


async def test_an_undelivered_alert_is_logged_and_does_not_use_up_the_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=600)
    inbox.failing = True
    with caplog.at_level(logging.ERROR, logger="kbot.alerts"):
        await gate(send_alert(7))
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "주간 특가" in caplog.records[0].getMessage()
    inbox.failing = False
    await clock.advance(5)
    await gate(send_alert(7))
    assert inbox.texts == [f"{send_alert(7).text}\n{HELD_BACK.format(n=1)}"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 400)), max_size=40))
async def test_per_key_at_most_one_alert_per_interval_and_every_alert_accounted_for(
    events: list[tuple[int, int]],
) -> None:
    interval = 300
    clock, inbox = FakeClock(), Inbox()
    gate = AlertGate(inbox, clock, min_interval_s=interval)
    delivered_at: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for schedule, wait in events:
        await clock.advance(wait)
        before = len(inbox.delivered)
        await gate(send_alert(schedule))
        if len(inbox.delivered) > before:
            delivered_at[schedule].append(clock.monotonic())
    for times in delivered_at.values():
        assert all(b - a >= interval for a, b in itertools.pairwise(times))
    await clock.advance(interval)
    for schedule in delivered_at:  # one more each: reports whatever is still held back
        await gate(send_alert(schedule))
    summarised = 0
    for text in inbox.texts:
        tail = text.rpartition("\n")[2]
        for n in range(1, len(events) + 1):
            if tail == HELD_BACK.format(n=n):
                summarised += n
    assert len(inbox.delivered) + summarised == len(events) + 3


# --- the Iris monitor ---------------------------------------------------------------------


def monitor(
    clock: FakeClock, inbox: Inbox, last_ok: dict[str, datetime | None], ops: str = OPS
) -> IrisMonitor:
    return IrisMonitor(last_ok, inbox, clock, ops_room_id=ops, down_after_s=300, tz=SEOUL)


async def test_an_outage_is_alerted_once_and_its_end_once() -> None:
    clock, inbox = FakeClock(), Inbox()
    last_ok: dict[str, datetime | None] = {"default": clock.now()}
    watcher = monitor(clock, inbox, last_ok)
    for _ in range(29):  # 290 s without an answer: not yet down
        await clock.advance(10)
        await watcher.check()
    assert inbox.delivered == [] and watcher.down == []
    for _ in range(30):  # down from 300 s on, alerted once
        await clock.advance(10)
        await watcher.check()
    assert watcher.down == ["default"]
    assert len(inbox.delivered) == 1
    assert inbox.delivered[0][0] == OPS and "'default'가 12/01 09:00부터 응답하지" in inbox.texts[0]
    last_ok["default"] = clock.now()
    for _ in range(3):
        await clock.advance(10)
        await watcher.check()
    assert watcher.down == []
    assert len(inbox.delivered) == 2
    assert "다시 응답합니다. (중단: 12/01 09:00 ~ 12/01 09:09, 약 10분)" in inbox.texts[1]
    assert [(a.kind, a.device) for a in inbox.alerts] == [
        (AlertKind.IRIS_DOWN, "default"),
        (AlertKind.IRIS_BACK, "default"),
    ]


async def test_a_long_outage_is_told_in_hours_and_logged_in_local_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, inbox = FakeClock(), Inbox()
    last_ok: dict[str, datetime | None] = {"default": clock.now()}
    watcher = monitor(clock, inbox, last_ok)
    with caplog.at_level(logging.WARNING, logger="kbot.iris_monitor"):
        await clock.advance(300)
        await watcher.check()
        await clock.advance(2 * 3600 + 5 * 60 - 300)
        last_ok["default"] = clock.now()
        await watcher.check()
    assert "(중단: 12/01 09:00 ~ 12/01 11:05, 약 2시간 5분)" in inbox.texts[1]
    logged = [r.getMessage() for r in caplog.records]
    assert "since 2026-12-01T09:00:00+09:00" in logged[0]
    assert "after about 2시간 5분 (down since 2026-12-01T09:00:00+09:00)" in logged[1]


async def test_an_outage_that_could_not_be_told_is_logged_and_told_when_iris_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, inbox = FakeClock(), Inbox()
    last_ok: dict[str, datetime | None] = {"default": None}  # never answered since start
    watcher = monitor(clock, inbox, last_ok)
    inbox.failing = True  # the ops room is reached through the Iris that is down
    with caplog.at_level(logging.ERROR, logger="kbot.iris_monitor"):
        for _ in range(60):
            await clock.advance(10)
            await watcher.check()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2  # the outage, and the alert it could not deliver
    assert "has not answered GET /config" in errors[0]
    last_ok["default"] = clock.now()
    await clock.advance(10)
    await watcher.check()  # Iris answers /config but /reply still fails: tried again later
    assert watcher.down == ["default"]
    inbox.failing = False
    await clock.advance(10)
    await watcher.check()
    await clock.advance(10)
    await watcher.check()
    assert len(inbox.delivered) == 1
    assert "12/01 09:00부터 12/01 09:10까지 약 10분 동안 응답하지 않았고" in inbox.texts[0]
    assert watcher.down == []


async def test_without_an_ops_room_outages_are_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, inbox = FakeClock(), Inbox()
    last_ok: dict[str, datetime | None] = {"default": clock.now(), "second": clock.now()}
    watcher = monitor(clock, inbox, last_ok, ops="")
    last_ok["second"] = clock.now() + timedelta(seconds=400)  # this device keeps answering
    with caplog.at_level(logging.WARNING, logger="kbot.iris_monitor"):
        await clock.advance(400)
        await watcher.check()
        assert watcher.down == ["default"]
        last_ok["default"] = clock.now()
        await clock.advance(10)
        await watcher.check()
    assert watcher.down == [] and inbox.delivered == []
    levels = [(r.levelno, r.args[0]) for r in caplog.records]  # type: ignore[index]
    assert levels == [(logging.ERROR, "default"), (logging.WARNING, "default")]


def test_an_alert_stays_short_whatever_the_row_holds() -> None:
    """A title or reason written by another system (SQL, the PHP site) cannot make an alert
    long or carry control characters into the ops room."""
    row = Schedule(id=9, title="특가\u202e" + "가" * 5000)
    occ = Held(1, row.id, "scheduled", datetime(2026, 12, 1, 9, 30), "1001", "sending")
    result = Result(status="failed", error="x" * 10_000)
    [alert] = send_alerts(row, occ, result, Closed(1, (OPS,), False))
    assert len(alert.text) < 500 and "\u202e" not in alert.text
    assert alert.key == (OPS, "failed", "9")
