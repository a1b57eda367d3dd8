"""Turning a chat/API schedule form into valid ``kb_schedule`` values.

Every problem is an ``Invalid`` naming the form attribute it is about, raised before anything
is written. Room and image lookups need the database; the rest is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.particles import attach
from core.plain_text import clean
from services import images, rooms
from services.errors import Invalid, quote
from services.schedule_form import ScheduleForm
from services.schedule_values import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from storage.image_uses import image_ids
from storage.images import image_json
from storage.kbot_models import Room
from storage.models import Schedule


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_length: int
    max_images: int
    public_url: str = ""  # server.public_url: what a {링크:URL} becomes (its length counts)


async def find_room(
    session: AsyncSession, raw: str, visible: set[int] | None, *, prefix: str
) -> Room:
    """The registered, active room called ``raw`` (its chat_id, else its unique name) among
    the rooms of the ``visible`` orgs (None: all); a room of another org is not found, like
    one that does not exist. ``prefix`` is the chat commands' (the error names one)."""
    raw = raw.strip()
    found = await rooms.named(session, raw, visible)
    if found.ambiguous:
        raise Invalid("room", f"{quote(raw)} 이름의 방이 여러 개입니다. chat_id로 적어 주세요.")
    room = found.room
    if room is None:
        raise Invalid(
            "room",
            f"{attach(quote(raw), '은')} 등록된 방이 아니거나 다룰 권한이 없는 방입니다. 그 방에서 "
            f"'{prefix}방 등록 조직코드'로 먼저 등록하거나, 등록된 방의 chat_id나 이름을 적어 "
            "주세요.",
        )
    if not room.active:
        raise Invalid("room", f"{quote(room.name)} 방은 비활성 상태라 보낼 수 없습니다.")
    return room


async def images_json(
    session: AsyncSession,
    ids: tuple[int, ...],
    visible: set[int] | None,
    limits: Limits,
) -> dict[str, Any] | None:
    """The seed's section 3.3 JSON for the uploaded images ``ids``, in the order given."""
    if not ids:
        return None
    if len(ids) > limits.max_images:
        raise Invalid("image_ids", f"이미지는 {limits.max_images}개까지 넣을 수 있습니다.")
    usable = await images.usable(session, visible, ids)
    missing = [str(i) for i in ids if i not in usable]
    if missing:
        raise Invalid(
            "image_ids",
            f"{', '.join(missing)}번 이미지가 없습니다. "
            "웹 페이지에서 올린 이미지 번호를 적어 주세요.",
        )
    return image_json(usable[i] for i in ids)


def check_required(form: ScheduleForm) -> None:
    """The fields a new schedule cannot do without (the seed's section 4.2)."""
    for name, label in (("title", "제목"), ("schedule_type", "유형"), ("schedule_time", "시간")):
        if getattr(form, name) is None:
            raise Invalid(name, f"{attach(label, '을')} 적어 주세요.")


def apply(row: Schedule, form: ScheduleForm, *, now_local: datetime) -> None:
    """Copy the given fields onto ``row`` (texts without control or bidi characters, whatever
    door they came through) and fill the defaults a new row needs."""
    simple = {
        "title": _clean(form.title),
        "description": _clean(form.description),
        "target_room_type": form.room_type,
        "schedule_type": form.schedule_type,
        "schedule_time": form.schedule_time,
        "valid_from": form.valid_from,
        "valid_until": form.valid_until,
        "send_order": form.send_order,
        "send_interval_seconds": form.send_interval_seconds,
        "status": form.status,
        "message_text": _clean(form.message_text, multiline=True),
    }
    for column, value in simple.items():
        if value is not None:
            setattr(row, column, value)
    if form.schedule_date is not None:
        row.schedule_date = form.schedule_date
    if form.weekdays is not None:
        row.schedule_weekdays = form.weekdays
    if row.schedule_type != "once":
        row.schedule_date = None
    if row.schedule_type != "weekly":
        row.schedule_weekdays = None
    if row.valid_from is None:
        row.valid_from = now_local.replace(second=0, microsecond=0)
    once_at = once_moment(row)
    if once_at is not None and (row.valid_until is None or form.valid_until is None):
        # A once schedule's window ends at its send time unless 종료 says otherwise.
        row.valid_until = max(once_at, row.valid_from)
    elif row.valid_until is None:
        row.valid_until = _one_year_after(row.valid_from)


def _clean(text: str | None, *, multiline: bool = False) -> str | None:
    return None if text is None else clean(text, multiline=multiline).strip()


def once_moment(row: Schedule) -> datetime | None:
    if row.schedule_type != "once" or row.schedule_date is None:
        return None
    return datetime.combine(row.schedule_date, row.schedule_time)


def _one_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def check_row(row: Schedule, *, now_local: datetime, limits: Limits) -> None:
    """Rules across fields, checked on the row as it would be saved."""
    if row.schedule_type == "once":
        if row.schedule_date is None:
            raise Invalid("schedule_date", "1회 발송은 날짜가 필요합니다.")
        moment = once_moment(row)
        if moment is not None and moment <= now_local:
            shown = f"{moment:%Y-%m-%d %H:%M}"
            raise Invalid("schedule_date", f"{attach(shown, '은')} 이미 지난 시각입니다.")
    if row.schedule_type == "weekly" and not row.schedule_weekdays:
        raise Invalid("weekdays", "매주 발송은 요일이 필요합니다.")
    if row.valid_until < row.valid_from:
        raise Invalid("valid_until", "종료가 시작보다 앞설 수 없습니다.")
    if not (row.title or "").strip():
        raise Invalid("title", "제목을 적어 주세요.")
    if len(row.title) > TITLE_MAX_LENGTH:
        raise Invalid("title", f"제목은 {TITLE_MAX_LENGTH}자까지 쓸 수 있습니다.")
    if len(row.description or "") > DESCRIPTION_MAX_LENGTH:
        raise Invalid("description", f"설명은 {DESCRIPTION_MAX_LENGTH}자까지 쓸 수 있습니다.")
    text = row.message_text or ""
    if len(text) > limits.max_text_length:
        raise Invalid(
            "message_text",
            f"내용이 {len(text)}자입니다. {limits.max_text_length}자 이하로 줄여 주세요.",
        )
    has_images = bool(image_ids(row.message_images))
    order = row.send_order or "text_first"
    if order == "images_only" and not has_images:
        raise Invalid("image_ids", "순서가 이미지만인데 이미지가 없습니다.")
    if order != "images_only" and not text.strip():
        raise Invalid("message_text", "보낼 내용을 '내용:' 다음 줄부터 적어 주세요.")
    if order == "images_first" and not has_images:
        raise Invalid("image_ids", "순서가 이미지먼저인데 이미지가 없습니다.")


def no_send_left() -> Invalid:
    return Invalid(
        "valid_until", "유효기간 안에 남은 발송 시각이 없습니다. 날짜나 종료를 확인해 주세요."
    )
