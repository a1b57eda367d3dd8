"""``GET /schedules/{id}``: everything about one schedule (its room, message and images in send
order, rule, validity, next send times, last sends) with the actions that apply to it.

Reading goes through ``ScheduleService.get`` (VIEW), so another org's schedule is the same
404 page as one that does not exist. ``message_images`` is read as untrusted input (see
``pictures``). The outcome of an action arrives as a short
code in the query (``?done=test&status=success``), mapped here to Korean; the query's text
itself is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select

from core.timeutil import to_local_naive
from services.schedule_labels import ROOM_TYPE_LABELS, SEND_ORDER_LABELS
from services.schedule_queries import Found
from storage import image_uses
from storage.kbot_models import Image, Room
from storage.models import Schedule
from storage.notices import notify_mode
from web import keys
from web.pages import schedule_actions
from web.pages.core import Viewer, page, render
from web.pages.logs import STATUS_LABELS as LOG_STATUS_LABELS
from web.pages.query import int_param
from web.pages.schedule_actions import room_usable, schedule_id_of
from web.pages.schedules import STATUS_LABELS
from web.pages.wizard_state import NOTIFY_CHOICES

RECENT_SENDS = 10
NEXT_TIMES = 5


def setup(app: web.Application) -> None:
    app.router.add_get(r"/schedules/{schedule_id:\d+}", page(schedule_page))
    schedule_actions.setup(app)


@dataclass(frozen=True, slots=True)
class Pictures:
    shown: list[Image]  # in send order
    missing: int  # entries of message_images that name no stored image


async def pictures(request: web.Request, row: Schedule) -> Pictures:
    """The stored images ``message_images`` names, in send order. The column is read as
    untrusted input (the PHP site or SQL may have written it): only ids of stored images
    count, and file names come from ``kbot_images``, never from the JSON. An image of an org
    above the viewer's is shown too: the schedule the viewer may see sends it."""
    ids = image_uses.image_ids(row.message_images)
    if not ids:
        return Pictures([], 0)
    async with request.app[keys.SESSIONS]() as s:
        found = {i.id: i for i in await s.scalars(select(Image).where(Image.id.in_(set(ids))))}
    shown = [found[i] for i in ids if i in found]
    return Pictures(shown, len(ids) - len(shown))


async def test_room_of(request: web.Request, found: Found) -> Room | None:
    chat_id = found.meta.test_room_id if found.meta else None
    if not chat_id:
        return None
    async with request.app[keys.SESSIONS]() as s:
        return await s.scalar(select(Room).where(Room.chat_id == chat_id))


def result_text(query: object) -> tuple[str, str] | None:
    """The notice for an action's outcome code (kind ``ok`` or ``error``), or None."""
    get = getattr(query, "get", None)
    if get is None:
        return None
    if get("saved") == "1":
        return "ok", "저장했습니다."
    done, status = get("done"), get("status")
    if done == "toggle":
        return {
            "on": ("ok", "스케줄을 켰습니다."),
            "off": ("ok", "스케줄을 껐습니다."),
        }.get(status)
    if done not in schedule_actions.ACTION_LABELS:
        return None
    what = schedule_actions.ACTION_LABELS[done]
    wait = int_param(get("wait"), high=86400)
    texts = {
        "success": ("ok", f"{what}을 보냈습니다. 다음 발송 시각은 그대로입니다."),
        "pending": ("ok", f"{what}을 아직 보내는 중입니다. 결과는 아래 최근 발송에 나옵니다."),
        "queued": ("ok", f"{what}을 {wait or 0}초 뒤에 보냅니다."),
        "partial": (
            "error",
            f"{what}을 일부만 보냈습니다. 아래 최근 발송에서 오류를 확인해 주세요.",
        ),
        "failed": ("error", f"{what}에 실패했습니다. 아래 최근 발송에서 오류를 확인해 주세요."),
        "interrupted": ("error", f"{what}이 kbot 종료로 중단되었습니다."),
        "no_test_room": (
            "error",
            "테스트방이 없어 테스트 발송을 하지 않았습니다. 수정에서 테스트방을 정해 주세요.",
        ),
    }
    return texts.get(status) if isinstance(status, str) else None


async def schedule_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    app = request.app
    service = app[keys.SCHEDULES]
    schedule_id = schedule_id_of(request)
    found = await service.get(schedule_id, viewer.admin)
    row = found.schedule
    campaign = (await service.campaigns.campaign_ids([schedule_id])).get(schedule_id)
    tz = app[keys.CONFIG].tz
    return render(
        request,
        "schedule.html",
        viewer,
        row=row,
        room=found.room,
        room_usable=room_usable(found.room),
        test_room=await test_room_of(request, found),
        campaign=campaign,
        pictures=await pictures(request, row),
        next_times=[to_local_naive(t, tz) for t in service.upcoming(row, NEXT_TIMES, found.rule)],
        sends=await service.logs(schedule_id, viewer.admin, limit=RECENT_SENDS),
        resumable=service.resumable(row, found.rule),
        extra=found.rule,
        notify=NOTIFY_CHOICES[notify_mode(found.meta.notify if found.meta else None)],
        result=result_text(request.query),
        statuses=STATUS_LABELS,
        room_types=ROOM_TYPE_LABELS,
        send_orders=SEND_ORDER_LABELS,
        log_statuses=LOG_STATUS_LABELS,
    )
