"""The schedule wizard: the seed's registration form (section 4.2) in four steps, 대상, 내용,
일정, 확인, each a plain form that works without JavaScript.

| route | |
|---|---|
| ``GET /schedules/new`` (``?copy=ID``: filled from a schedule the viewer may see) | step 1 |
| ``POST /schedules`` | a step of a new schedule (or campaign); 등록 saves it |
| ``GET /schedules/{id}/edit`` | step 1 filled from the schedule (one room) |
| ``POST /schedules/{id}`` | a step of the edit; 저장 saves it |

Every step posts all the values (the other steps' as hidden inputs) with ``step`` and the
button pressed (``go``, or ``move`` for an image's ↑ ↓ 빼기). Step 2 is a multipart form (its
upload), so every POST is read here and its CSRF token checked before anything is done. The
save goes through ``ScheduleService`` like the chat and the API; its ``ServiceError`` is shown
on the step that holds the field.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from core.message_template import VARIABLES
from services.errors import ServiceError
from services.permissions import Operation
from services.schedule_form import seed_name
from services.schedule_preview import Preview
from services.schedule_queries import Found
from storage.image_check import human_size
from web import keys
from web.pages import wizard_choices as choices
from web.pages.core import PageError, Viewer, page, render, secret_of
from web.pages.csrf import FIELD
from web.pages.images import UploadBatch, store_upload
from web.pages.wizard_form import to_form
from web.pages.wizard_state import (
    FIELD_STEP,
    HOLIDAY_POLICIES,
    LABELS,
    MONTH_DAYS,
    NOTIFY_CHOICES,
    NTH_LABELS,
    ROOM_TYPES,
    SCHEDULE_TYPES,
    SEND_ORDERS,
    STATUSES,
    WEEKDAY_LABELS,
    WizardState,
)
from web.upload import UploadRejected, read_form

COPY_PREFIX = "(복사) "
NO_NOTIFY_ROOM = ""  # like the API: a web-made schedule reports to no chat room


def setup(app: web.Application) -> None:
    app.router.add_get("/schedules/new", page(new))
    app.router.add_post("/schedules", page(step_post, multipart=True))
    app.router.add_get(r"/schedules/{schedule_id:\d+}/edit", page(edit))
    app.router.add_post(r"/schedules/{schedule_id:\d+}", page(step_post, multipart=True))


async def new(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    state = WizardState()
    copy = request.query.get("copy", "")
    if copy.isdigit() and len(copy) <= 18:
        found = await request.app[keys.SCHEDULES].get(int(copy), viewer.admin, Operation.VIEW)
        state = WizardState.from_row(found.schedule, found.rule, _notify(found))
        state.title = (COPY_PREFIX + state.title)[:255]
    elif copy:
        raise PageError(400, "잘못된 요청", "복사할 스케줄 번호가 올바르지 않습니다.")
    return await _render(request, viewer, state, 1, None)


async def edit(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    schedule_id = int(request.match_info["schedule_id"])
    found = await request.app[keys.SCHEDULES].get(schedule_id, viewer.admin, Operation.EDIT)
    return await _render(
        request,
        viewer,
        WizardState.from_row(found.schedule, found.rule, _notify(found)),
        1,
        schedule_id,
    )


def _notify(found: Found) -> str | None:
    """The schedule's stored ``알림`` (read as input by ``WizardState.from_row``)."""
    return found.meta.notify if found.meta else None


async def step_post(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    schedule_id = _schedule_id(request)
    if schedule_id is not None:  # refused before anything is read or stored
        await request.app[keys.SCHEDULES].get(schedule_id, viewer.admin, Operation.EDIT)
    data, batch = await _read(request, viewer)
    state = WizardState.from_post(data)
    if schedule_id is not None:
        state.target_kind = "room"
    step = _step(data.get("step"))
    go = data.get("go") or "next"
    move = data.get("move")
    if isinstance(move, str) and move:
        _move(state, move)
        return await _render(request, viewer, state, 2, schedule_id)
    if go == "upload":
        state.image_ids = _joined(state.image_ids, [str(i) for i in batch.uploaded])
        status = batch.status if batch.statuses else 200
        return await _render(request, viewer, state, 2, schedule_id, batch=batch, status=status)
    if go == "add":
        added = [v for v in data.getall("add_image_ids", []) if isinstance(v, str)]
        state.image_ids = _joined(state.image_ids, [v for v in added if v.isdigit()])
        return await _render(request, viewer, state, 2, schedule_id)
    if go == "back":
        return await _render(request, viewer, state, max(1, step - 1), schedule_id)
    steps = (1, 2, 3) if go == "save" else (min(step, 3),)
    _, errors = to_form(state, steps)
    if errors:
        first = min(FIELD_STEP[name] for name in errors)
        return await _render(request, viewer, state, first, schedule_id, errors=errors)
    if go == "next" and step < 3:
        return await _render(request, viewer, state, step + 1, schedule_id, quiet=True)
    if go not in ("next", "refresh", "save"):
        raise PageError(400, "잘못된 요청", "알 수 없는 단계 동작입니다.")
    full, _ = to_form(state)
    operation = Operation.CREATE if schedule_id is None else Operation.EDIT
    service = request.app[keys.SCHEDULES]
    try:
        preview = await service.preview(full, viewer.admin, operation)
        if go == "save":
            return await _save(request, viewer, full, schedule_id)
    except ServiceError as exc:
        name = _field_of(exc, state)
        label = LABELS.get(name)
        errors = {name: f"{label}: {exc.message}" if label else exc.message}
        return await _render(
            request, viewer, state, FIELD_STEP.get(name, 3), schedule_id, errors=errors
        )
    next_step = 4 if go == "next" else 3
    return await _render(request, viewer, state, next_step, schedule_id, preview=preview)


async def _save(
    request: web.Request, viewer: Viewer, form: Any, schedule_id: int | None
) -> web.StreamResponse:
    service = request.app[keys.SCHEDULES]
    if schedule_id is not None:
        row = await service.edit(schedule_id, form, viewer.admin, current_room_id=NO_NOTIFY_ROOM)
        saved_id = row.id
    elif form.room is not None and form.room.single is not None:
        row = await service.create(form, viewer.admin, current_room_id=NO_NOTIFY_ROOM)
        saved_id = row.id
    else:
        saved = await service.campaigns.create(form, viewer.admin, current_room_id=NO_NOTIFY_ROOM)
        saved_id = saved.rows[0].id
    raise web.HTTPSeeOther(f"/schedules/{saved_id}?saved=1")


async def _read(
    request: web.Request, viewer: Viewer
) -> tuple[MultiDict[str] | MultiDictProxy[Any], UploadBatch]:
    """The posted fields (CSRF checked) and, for an upload, the files stored as the viewer's."""
    batch = UploadBatch()
    if request.content_type != "multipart/form-data":
        data = await request.post()
        viewer.check_csrf(data.get(FIELD), secret_of(request))
        return data, batch
    cfg = request.app[keys.CONFIG]
    try:
        fields, uploads = await read_form(
            request, cfg.web.max_image_bytes, max_files=cfg.web.max_images_per_schedule
        )
    except UploadRejected as exc:
        raise PageError(exc.status, "요청을 처리할 수 없습니다", exc.message) from None
    viewer.check_csrf(fields.get(FIELD), secret_of(request))
    if fields.get("go") == "upload":
        for upload in uploads:
            await store_upload(request, viewer, upload, batch)
        if not uploads:
            batch.fail("올릴 이미지 파일을 선택해 주세요.", 400)
    return fields, batch


def _schedule_id(request: web.Request) -> int | None:
    raw = request.match_info.get("schedule_id")
    return int(raw) if raw is not None else None


def _step(raw: object) -> int:
    return int(raw) if isinstance(raw, str) and raw in ("1", "2", "3", "4") else 1


def _joined(ids: list[str], more: list[str]) -> list[str]:
    return list(dict.fromkeys([*ids, *more]))


def _move(state: WizardState, move: str) -> None:
    """``up:ID`` / ``down:ID`` / ``remove:ID`` on the picked images."""
    action, _, image_id = move.partition(":")
    ids = state.image_ids
    if image_id not in ids:
        return
    at = ids.index(image_id)
    if action == "remove":
        ids.pop(at)
    elif action == "up" and at > 0:
        ids[at - 1], ids[at] = ids[at], ids[at - 1]
    elif action == "down" and at < len(ids) - 1:
        ids[at + 1], ids[at] = ids[at], ids[at + 1]


def _field_of(exc: ServiceError, state: WizardState) -> str:
    """The form field the error is shown by (one about no field: in the summary, step 3)."""
    name = seed_name(exc.field) if exc.field else "form"
    return state.room_field() if name == "target_room_id" else name


async def _render(
    request: web.Request,
    viewer: Viewer,
    state: WizardState,
    step: int,
    schedule_id: int | None,
    *,
    errors: dict[str, str] | None = None,
    preview: Preview | None = None,
    batch: UploadBatch | None = None,
    quiet: bool = False,
    status: int | None = None,
) -> web.Response:
    """Step ``step``; entering step 3 (``quiet``) shows the next times when the values allow."""
    app = request.app
    if quiet and step == 3:
        full, problems = to_form(state)
        operation = Operation.CREATE if schedule_id is None else Operation.EDIT
        if not problems:
            try:
                preview = await app[keys.SCHEDULES].preview(full, viewer.admin, operation)
            except ServiceError:
                preview = None
    async with app[keys.SESSIONS]() as session:
        offered = await choices.targets(session, viewer.org_ids)
        ids = [int(i) for i in state.image_ids if i.isdigit() and len(i) <= 18]
        pictures = await choices.pictures(session, viewer.org_ids, ids)
    cfg = app[keys.CONFIG]
    return render(
        request,
        "wizard.html",
        viewer,
        status=status or (422 if errors else 200),
        state=state,
        step=step,
        schedule_id=schedule_id,
        action="/schedules" if schedule_id is None else f"/schedules/{schedule_id}",
        errors=errors or {},
        preview=preview,
        batch=batch,
        offered=offered,
        pictures=pictures,
        variables=VARIABLES,
        room_types=ROOM_TYPES,
        send_orders=SEND_ORDERS,
        schedule_types=SCHEDULE_TYPES,
        weekday_labels=WEEKDAY_LABELS,
        statuses=STATUSES,
        month_days=MONTH_DAYS,
        nth_labels=NTH_LABELS,
        holiday_policies=HOLIDAY_POLICIES,
        notify_choices=NOTIFY_CHOICES,
        max_size=human_size(cfg.web.max_image_bytes),
        max_files=cfg.web.max_images_per_schedule,
        day_names="월화수목금토일",
    )
