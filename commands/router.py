"""Chat event -> replies: identity, parsing, dispatch to a handler, and the error path.

Help needs no database (its text is the same for everyone); every other command starts with
the sender's ``Identity`` from the context's identity cache.

User mistakes become the Korean ``CommandError`` text (a service's ``ServiceError`` is worded
the same way, by ``commands.service_errors``), refusals the ``PermissionDenied`` text,
and anything unexpected a log line plus a short apology quoting the event's request id
(``core.request_id``).
Whatever the answer, it leaves cut to chat size and within the reply limits
(``commands.reply_gate``): nobody can make the bot flood a room.
"""

from __future__ import annotations

import logging
from typing import assert_never

from bot.events import ChatEvent
from bot.text_chunks import fit
from commands.context import CommandContext
from commands.grammar.errors import CommandError
from commands.grammar.parse import (
    AdminDeactivate,
    AdminInvite,
    AdminList,
    AdminVerify,
    Command,
    Help,
    Report,
    RoomRegister,
    ScheduleCreate,
    ScheduleDelete,
    ScheduleEdit,
    ScheduleList,
    ScheduleLogs,
    SchedulePause,
    SchedulePreview,
    ScheduleSend,
    ScheduleShow,
    ScheduleSkip,
    ScheduleTest,
    ScheduleToggle,
    TemplateDelete,
    TemplateList,
    TemplateSave,
    WebLogin,
    WhoAmI,
    parse,
)
from commands.handlers import (
    account,
    admins,
    campaign,
    preview,
    reports,
    rules,
    schedule,
    templates,
)
from commands.identity import Identity
from commands.service_errors import service_error_text
from core import request_id
from core.plain_text import clean
from services.errors import ServiceError
from services.permissions import PermissionDenied

log = logging.getLogger(__name__)

# characters per chat message: KakaoTalk folds long messages behind "전체보기" and cuts
# them at about 3,900 characters
MESSAGE_LIMIT = 1500
MAX_REPLY_MESSAGES = 5  # messages one command may answer with; the rest is left to the web

NOT_ADMIN = (
    "🔒 등록된 관리자만 쓸 수 있는 명령입니다 (권한 없음). 관리자 등록은 본사 담당자에게 "
    "인증 코드를 받아 '{prefix}관리자 인증 코드' 로 해 주세요."
)
_UNKNOWN_VERB_FIELD = "명령"
_VERIFY_FIELD = "인증코드"


async def handle_event(ctx: CommandContext, event: ChatEvent) -> list[str] | None:
    """The replies to ``event`` in order, or None to stay silent (chatter, own messages, or
    nothing more may be said in that room now). Every reply is cut into chat-sized messages,
    at most ``MAX_REPLY_MESSAGES`` of them, and metered by ``ctx.replies``."""
    replies = await _answer(ctx, event)
    if not replies:
        return replies
    messages = fit(
        (clean(text, multiline=True) for text in replies), MESSAGE_LIMIT, MAX_REPLY_MESSAGES
    )
    return messages[: ctx.replies.allow(event.room_id, event.user_id, len(messages))] or None


async def _answer(ctx: CommandContext, event: ChatEvent) -> list[str] | None:
    if event.is_mine or event.is_feed:
        return None
    today = ctx.today()
    mistake: CommandError | None = None
    command: Command | None = None
    try:
        command = parse(event.text, prefix=ctx.prefix, today=today)
    except CommandError as exc:
        mistake = exc
    if command is None and mistake is None:
        return None
    if isinstance(command, Help):
        return [ctx.help_reply]
    try:
        who = await ctx.identities.find(event.user_id)
        if who is None:
            return await _stranger(ctx, event, command, mistake)
        if mistake is not None:
            return [mistake.reply_text()]
        assert command is not None
        return await _dispatch(ctx, who, event, command)
    except CommandError as exc:
        return [exc.reply_text()]
    except ServiceError as exc:
        return [service_error_text(exc, prefix=ctx.prefix, today=ctx.today())]
    except PermissionDenied as exc:
        return [exc.message]
    except Exception:
        ref = request_id.current()  # the event's id: on its log lines too
        log.exception("command failed [ref %s] room=%s user=%s", ref, event.room_id, event.user_id)
        return [f"😥 처리 중 문제가 생겼습니다. 잠시 후 다시 시도해 주세요. (오류 번호 {ref})"]


async def _stranger(
    ctx: CommandContext, event: ChatEvent, command: Command | None, mistake: CommandError | None
) -> list[str] | None:
    """Someone who is not an active admin: pairing works (help was answered already), the
    rest is refused once."""
    if mistake is not None:
        if mistake.field == _UNKNOWN_VERB_FIELD:
            return None  # "!something" from a non-admin is chatter
        if mistake.field == _VERIFY_FIELD:
            return [mistake.reply_text()]
    if isinstance(command, AdminVerify):
        return await account.admin_verify(ctx, None, event, command)
    if not ctx.replies.stranger_may_hear(event.user_id):
        return None
    return [NOT_ADMIN.format(prefix=ctx.prefix)]


async def _dispatch(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: Command
) -> list[str]:
    match command:
        case Help():
            return [ctx.help_reply]
        case ScheduleList():
            return await schedule.schedule_list(ctx, who, event)
        case ScheduleShow(campaign=True):
            return await campaign.campaign_show(ctx, who, command)
        case ScheduleCreate(form=form) if campaign.is_campaign(form) and form is not None:
            return await campaign.campaign_create(ctx, who, event, form)
        case ScheduleEdit(campaign=True):
            return await campaign.campaign_edit(ctx, who, event, command)
        case ScheduleDelete(campaign=True):
            return await campaign.campaign_delete(ctx, who, command)
        case ScheduleToggle(campaign=True):
            return await campaign.campaign_toggle(ctx, who, command)
        case ScheduleTest(campaign=True):
            return await campaign.campaign_test(ctx, who, event, command)
        case ScheduleLogs(campaign=True):
            return await campaign.campaign_logs(ctx, who, command)
        case ScheduleShow():
            return await schedule.schedule_show(ctx, who, command)
        case ScheduleCreate():
            return await schedule.schedule_create(ctx, who, event, command)
        case ScheduleEdit():
            return await schedule.schedule_edit(ctx, who, event, command)
        case ScheduleDelete():
            return await schedule.schedule_delete(ctx, who, command)
        case ScheduleToggle():
            return await schedule.schedule_toggle(ctx, who, command)
        case ScheduleSkip():
            return await rules.schedule_skip(ctx, who, command)
        case SchedulePause():
            return await rules.schedule_pause(ctx, who, command)
        case ScheduleTest():
            return await schedule.schedule_test(ctx, who, event, command)
        case ScheduleSend():
            return await schedule.schedule_send(ctx, who, event, command)
        case ScheduleLogs():
            return await schedule.schedule_logs(ctx, who, command)
        case SchedulePreview():
            return await preview.schedule_preview(ctx, who, command)
        case TemplateSave():
            return await templates.template_save(ctx, who, command)
        case TemplateList():
            return await templates.template_list(ctx, who)
        case TemplateDelete():
            return await templates.template_delete(ctx, who, command)
        case RoomRegister():
            return await account.room_register(ctx, who, event, command)
        case WebLogin():
            return await account.web_login(ctx, who, event)
        case WhoAmI():
            return await account.who_am_i(ctx, who, event)
        case AdminVerify():
            return await account.admin_verify(ctx, who.admin, event, command)
        case AdminList():
            return await admins.admin_list(ctx, who, event)
        case AdminDeactivate():
            return await admins.admin_deactivate(ctx, who, command)
        case AdminInvite():
            return await admins.admin_invite(ctx, who, event, command)
        case Report():
            return await reports.report(ctx, who, command)
        case _:
            assert_never(command)
