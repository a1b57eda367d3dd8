"""``POST /webhook/iris`` and ``POST /webhook/kakao-skill``: admit the request
(``web.webhooks.guard``), parse it into a ``ChatEvent`` and ask the command handler
(``keys.COMMAND_HANDLER``, a ``CommandHandler``) what to answer.

Iris ignores the HTTP answer, so ``/webhook/iris`` answers ``{"ok": true}`` at once and
works in a tracked background task that sends each reply text to the event's room with
``PRIORITY_REPLY``. It ignores the bot's own messages (``isMine``, or the sender is the bot's
user id: ``bot.iris.bot_id``, else Iris ``GET /config`` at start-up), feed events, and events
whose Iris ``_id`` it saw recently in the same room (Iris re-delivery: logged at INFO once per
event, further repeats at DEBUG). Before that filter, every parsed Iris event goes to the
``WebhookState.observers`` (delivery receipts, which devices see which rooms, replies and room
activity) in a background task, with the URL's optional ``device`` parameter; that task is not
counted against the commands' limit below (every member message is observed: room chatter must
never make a command wait or be refused).

Kakao's answer is the HTTP body and must come within 5 s, so ``/webhook/kakao-skill`` waits
for the handler up to ``WebhookState.skill_timeout_s`` of clock time; then, when the request
has a usable ``callbackUrl`` (``bot.kakao_skill.callback``), it answers ``useCallback`` and
POSTs the reply there once ready; otherwise it answers ``processing_reply()`` and lets the work
finish in the background.

A handler that raises is logged with the event's request id (``core.request_id``) and
answered with a short apology naming that id. When ``WebhookState.tasks`` is full
(``webhook_state.MAX_IN_FLIGHT``), a new event waits for room (Iris: up to
``webhook_state.BUSY_WAIT_S``; Kakao: within the skill time limit), and is refused with 503
``{"error": {"code": "busy", ...}}`` only when none came.
Shutdown waits up to ``kbot.bootstrap.DRAIN_TIMEOUT_S`` for background work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.events import ChatEvent, EventError, parse_iris, parse_skill
from bot.kakao_skill.callback import call_back, callback_url
from bot.kakao_skill.reply import callback_reply, processing_reply, skill_reply
from bot.sender import PRIORITY_REPLY, BotSender, SendError
from core import request_id
from core.config import BotConfig
from web import keys
from web.doors import claim, door
from web.json_out import json_response
from web.webhooks.guard import Refused, admit
from web.webhooks.state import BUSY_WAIT_S, CommandHandler, WebhookState

log = logging.getLogger("kbot.webhooks")

NOT_A_COMMAND = "명령어는 {prefix}도움말 을 입력해 보세요."
DONE = "처리되었습니다."
APOLOGY = "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요. (오류 번호: {cid})"


def setup_webhooks(app: web.Application) -> None:
    """Add the routes; their state (``keys.WEBHOOKS``) is built by the composition root."""
    with door(app, "webhook"):
        app.router.add_post("/webhook/iris", iris_webhook)
        app.router.add_post("/webhook/kakao-skill", skill_webhook)
    claim(app, "/webhook/", "webhook")  # unknown webhook URLs are timed too


async def iris_webhook(request: web.Request) -> web.Response:
    app = request.app
    state = app[keys.WEBHOOKS]
    try:
        event = await _event(request, app[keys.CONFIG].bot, parse_iris)
    except Refused as refused:
        return refused.response()
    if state.observers:
        device = request.query.get("device")
        observe = _observe(state, event, device)  # never takes a command's room
        state.tasks.spawn(observe, name=f"iris-observe-{event.event_id}", counted=False)
    ignored = _ignored_because(event, state)
    if ignored is not None:
        level, reason = ignored
        log.log(
            level, "iris event %s in room %s ignored: %s", event.event_id, event.room_id, reason
        )
        return json_response({"ok": True})
    if state.tasks.full() and not await _room(state, app[keys.CLOCK].sleep(BUSY_WAIT_S)):
        if event.event_id is not None:
            state.recent.forget((event.room_id, event.event_id))  # refused: not seen
        return _busy()
    cid = request_id.current()  # the event's id (``web.ops.routes``): in logs and replies
    answer = _answer_in_room(app[keys.SENDER], app[keys.COMMAND_HANDLER], event, cid)
    state.tasks.spawn(answer, name=f"iris-{cid}")
    return json_response({"ok": True})


async def skill_webhook(request: web.Request) -> web.Response:
    app = request.app
    bot = app[keys.CONFIG].bot
    state = app[keys.WEBHOOKS]
    try:
        event = await _event(request, bot, parse_skill)
    except Refused as refused:
        return refused.response()
    cid = request_id.current()  # the event's id (``web.ops.routes``): in logs and replies
    timer = asyncio.ensure_future(app[keys.CLOCK].sleep(state.skill_timeout_s))
    try:
        if not await state.tasks.room(timer):
            return _busy()
        work = state.tasks.spawn(
            _decide(app[keys.COMMAND_HANDLER], event, cid), name=f"skill-{cid}"
        )
        await asyncio.wait({timer, work}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
    if work.done():
        return json_response(_skill_body(work.result(), bot.command_prefix))
    url = callback_url(event, bot.skill_callback_hosts)
    if url is None:
        log.warning(
            "[%s] skill answer not ready in %s s: answered 'processing'", cid, state.skill_timeout_s
        )
        return json_response(processing_reply())
    log.info("[%s] skill answer not ready in %s s: will call back", cid, state.skill_timeout_s)
    finish = call_back(
        app[keys.HTTP], url, work, lambda replies: _skill_body(replies, bot.command_prefix), cid
    )
    state.tasks.spawn(finish, name=f"skill-callback-{cid}")  # one per skill task: not capped
    return json_response(callback_reply())


async def _room(state: WebhookState, give_up: Awaitable[None]) -> bool:
    """Wait for room for one more background task until ``give_up`` ends."""
    deadline = asyncio.ensure_future(give_up)
    try:
        return await state.tasks.room(deadline)
    finally:
        deadline.cancel()


def _busy() -> web.Response:
    return Refused(503, "busy", "too many events in progress; try again shortly").response()


async def _event(
    request: web.Request, bot: BotConfig, parse: Callable[[Mapping[str, Any]], ChatEvent]
) -> ChatEvent:
    body = await admit(request, bot)
    try:
        return parse(body)
    except EventError as exc:
        raise Refused(400, "bad_request", str(exc)) from None


def _ignored_because(event: ChatEvent, state: WebhookState) -> tuple[int, str] | None:
    """The log level and reason for dropping ``event``, or None to answer it. A re-delivery
    is told at INFO the first time it comes again, at DEBUG on further repeats."""
    if event.is_mine or event.user_id == state.bot_id:
        return logging.DEBUG, "the bot's own message"
    if event.is_feed:
        return logging.DEBUG, "a feed event"
    if event.event_id is not None:
        before = state.recent.record((event.room_id, event.event_id))
        if before == 1:
            return logging.INFO, "delivered before (Iris re-delivery; repeats logged at DEBUG)"
        if before > 1:
            return logging.DEBUG, f"delivered before ({before + 1} deliveries)"
    return None


async def _observe(state: WebhookState, event: ChatEvent, device: str | None) -> None:
    for observer in state.observers:
        try:
            await observer(event, device)
        except Exception:
            log.exception("observer %r failed on an event of room %s", observer, event.room_id)


async def _decide(handler: CommandHandler, event: ChatEvent, cid: str) -> list[str] | None:
    """The handler's answer, with blank texts dropped; an apology when it raises."""
    try:
        replies = await handler(event)
    except Exception:
        log.exception("[%s] command handler failed on a message in room %s", cid, event.room_id)
        return [APOLOGY.format(cid=cid)]
    return None if replies is None else [text for text in replies if text.strip()]


async def _answer_in_room(
    sender: BotSender, handler: CommandHandler, event: ChatEvent, cid: str
) -> None:
    for text in await _decide(handler, event, cid) or ():
        try:
            await sender.send_text(event.room_id, text, priority=PRIORITY_REPLY)
        except SendError as exc:
            log.warning("[%s] reply to room %s failed: %r", cid, event.room_id, exc)
            return
        except Exception:
            log.exception("[%s] reply to room %s failed", cid, event.room_id)
            return


def _skill_body(replies: list[str] | None, prefix: str) -> dict[str, Any]:
    quick = [("목록", f"{prefix}스케줄 목록"), ("도움말", f"{prefix}도움말")]
    if replies is None:
        return skill_reply(NOT_A_COMMAND.format(prefix=prefix), quick)
    return skill_reply("\n\n".join(replies) or DONE, quick)
