"""The claim's side of ``kbot_schedule_rules``: one read for a batch of due schedules, the
count of scheduled sends (``sends_done``), and the PHP-edit check.

The PHP site knows only the seed's columns. When it edits them on a schedule that has a
richer rule, the rule no longer describes what its users see: the rules row is dropped (an
audit entry keeps it), the schedule's people are told, and the seed columns are followed from
then on, so nothing is sent at a time nobody set. A rules row whose ``seed_fingerprint`` is
NULL (written by hand, without one) is adopted: the seed columns it was found with become its
fingerprint.

Everything here runs inside the claim's transaction, on schedule rows it has locked
(MySQL ``FOR UPDATE``, SQLite's write lock), so two workers never count or drop one row twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import Alert, AlertKind
from core.plain_text import clean
from scheduler.context import Deps, log
from scheduler.failures import alert_rooms
from scheduler.schedule_rule import RuleColumns, fingerprint
from storage import audit
from storage.kbot_models import AuditEntry, ScheduleRule

_RULES = cast(Table, ScheduleRule.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
ACTOR = "scheduler"
Extra = Any  # a Core row of kbot_schedule_rules' columns (satisfies ExtraColumns)


async def load(session: AsyncSession, ids: Collection[int]) -> dict[int, Extra]:
    """The rules rows of the schedules ``ids`` (those that have one), by schedule id."""
    if not ids:
        return {}
    found = await session.execute(select(_RULES).where(_RULES.c.schedule_id.in_(set(ids))))
    return {row.schedule_id: row for row in found.all()}


def edited(row: RuleColumns, extra: Extra) -> bool:
    """Whether the seed columns changed since kbot wrote ``extra`` (the PHP site edited them)."""
    return extra.seed_fingerprint is not None and extra.seed_fingerprint != fingerprint(row)


async def count_sends(session: AsyncSession, sends: Counter[int]) -> None:
    """``sends_done += n`` for each schedule's ``n`` scheduled sends just claimed; one
    statement per distinct ``n`` (nearly always one)."""
    by_count: dict[int, list[int]] = {}
    for schedule_id, n in sends.items():
        by_count.setdefault(n, []).append(schedule_id)
    for n, ids in by_count.items():
        await session.execute(
            update(_RULES)
            .where(_RULES.c.schedule_id.in_(ids))
            .values(sends_done=_RULES.c.sends_done + n)
        )


async def adopt(session: AsyncSession, stamps: Mapping[int, str]) -> None:
    """Give rules rows written without a fingerprint the one of the seed columns found now."""
    for schedule_id, stamp in stamps.items():
        await session.execute(
            update(_RULES)
            .where(_RULES.c.schedule_id == schedule_id, _RULES.c.seed_fingerprint.is_(None))
            .values(seed_fingerprint=stamp)
        )


async def drop(session: AsyncSession, deps: Deps, dropped: list[tuple[Any, Extra]]) -> list[Alert]:
    """Delete the rules rows of schedules the PHP site edited, each with an audit entry; the
    notices to send once the transaction has committed."""
    if not dropped:
        return []
    entries = []
    notices: list[Alert] = []
    for row, extra in dropped:
        await session.execute(
            delete(_RULES).where(
                _RULES.c.schedule_id == row.id,
                _RULES.c.seed_fingerprint == extra.seed_fingerprint,
            )
        )
        log.warning(
            "schedule %d: its seed columns were edited outside kbot; its richer rule is "
            "dropped and the seed columns are followed",
            row.id,
        )
        entries.append(
            audit.values(
                at=deps.clock.now(),
                actor=ACTOR,
                action="drop_rule",
                entity="schedule_rule",
                entity_id=row.id,
                before=_plain(extra._asdict()),
                after=None,
            )
        )
        told = await alert_rooms(session, deps, row.id)
        text = notice_text(row)
        notices += [
            Alert(AlertKind.RULE_DROPPED, room, text, schedule_id=row.id) for room in told.rooms
        ]
    await session.execute(insert(_AUDIT), entries)
    return notices


def notice_text(row: Any) -> str:
    """The Korean notice: what happened, what is followed now, how to set the rule again."""
    title = clean(row.title)[:80]
    return "\n".join(
        [
            f"[스케줄 알림] 스케줄 #{row.id} '{title}'의 발송 일정이 다른 곳(PHP 관리 화면)에서 "
            "수정되었습니다.",
            "매월·여러 시각·횟수·공휴일·건너뛰기·일시정지 설정은 없어지고, 이제 수정된 "
            "유형·날짜·요일·시간대로 발송합니다.",
            "그 설정이 필요하면 !스케줄 수정으로 다시 지정해 주세요.",
        ]
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of a row's values for the audit trail."""
    return {
        key: value.isoformat() if isinstance(value, datetime | date) else value
        for key, value in values.items()
    }


async def tell(deps: Deps, notices: list[Alert]) -> None:
    """Send the notices (after the claim committed); a failure is logged, never raised."""
    if deps.notify is None:
        return
    for notice in notices:
        try:
            await deps.notify(notice)
        except Exception:
            log.exception("notice to room %s failed", notice.room_id)
