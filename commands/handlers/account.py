"""Handlers of the account and room commands: pairing, who am I, room registration, web link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat_kinds import ChatKind
from bot.events import ChatEvent
from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.errors import CommandError
from commands.grammar.parse import AdminVerify, RoomRegister
from commands.grammar.verbs import Action, verb_of
from commands.identity import Identity
from core.plain_text import clean
from services import rooms as room_access
from services.errors import quote
from services.permissions import Operation, allows, require_acting, visible
from storage import one_time_codes, orgs, rooms
from storage.audit import actor_label
from storage.errors import Conflict, NotFound
from storage.kbot_models import Admin, Org, Room

_ROOMS_SHOWN = 20
_NO_LINK_BECAUSE = {
    ChatKind.SHARED: "🔒 여러 사람이 함께 보는 방이라 로그인 링크를 보내지 않았습니다.",
    ChatKind.UNKNOWN: "🔒 봇과의 1:1 채팅인지 확인할 수 없어 로그인 링크를 보내지 않았습니다.",
}
_HOW_TO_GET_A_LINK = (
    "링크는 봇과의 1:1 채팅에서 {prefix}웹 을 입력해 받거나, 운영 담당자에게 요청해 주세요 "
    "(서버에서 kbot web-login --admin 카카오ID)."
)


async def admin_verify(
    ctx: CommandContext, admin: Admin | None, event: ChatEvent, command: AdminVerify
) -> list[str]:
    if admin is not None:
        return [
            f"{admin.name}님은 이미 관리자로 인증되어 있습니다. {ctx.prefix}내정보 로 확인하세요."
        ]
    try:
        async with ctx.sessions.begin() as s:
            paired = await one_time_codes.accept_invite(
                s, code=command.code, kakao_user_id=event.user_id, at=ctx.clock.now()
            )
            if paired is None:
                raise CommandError(
                    "인증코드",
                    "코드가 맞지 않거나 만료되었거나 이미 쓰였습니다. 새 코드를 받아 주세요.",
                    f"{ctx.prefix}{verb_of(Action.ADMIN_VERIFY).example}",
                )
            org = await s.get(Org, paired.org_id)
    except Conflict:
        return [
            "이 카카오 계정은 이미 관리자로 등록되어 있습니다(비활성). "
            "본사 담당자에게 문의해 주세요."
        ]
    ctx.identities.forget_all()  # a new admin: no longer the stranger the cache may remember
    assert org is not None
    return [
        f"✅ {paired.name}님, {org.name}({orgs.KOREAN_TYPE[org.type]}) 관리자로 인증되었습니다. "
        f"{ctx.prefix}도움말 로 명령어를 확인하세요."
    ]


async def who_am_i(ctx: CommandContext, who: Identity, event: ChatEvent) -> list[str]:
    """The admin and their org; the rooms they manage only in a 1:1 chat with the bot (the
    members of any other room read the answer), elsewhere what they may do in that room."""
    admin = who.admin
    direct = await ctx.in_direct_chat(event)
    async with ctx.read_sessions() as s:
        org = await s.get(Org, admin.org_id)
        assert org is not None  # kbot_admins.org_id is a foreign key
        rooms_part = (
            await _rooms_managed(s, who) if direct else await _this_room(s, ctx, who, event)
        )
    return [
        "\n".join(
            [
                f"👤 {admin.name}" + (f" ({admin.mb_id})" if admin.mb_id and direct else ""),
                f"소속: {org.name} [{org.code}] · {orgs.KOREAN_TYPE[org.type]}",
                *rooms_part,
            ]
        )
    ]


async def _rooms_managed(s: AsyncSession, who: Identity) -> list[str]:
    manageable = [r for r in await room_access.visible(s, visible(who.standing)) if r.active]
    lines = [f"관리할 수 있는 방 {len(manageable)}개:"]
    lines += [f"• {r.name} ({r.chat_id})" for r in manageable[:_ROOMS_SHOWN]]
    if len(manageable) > _ROOMS_SHOWN:
        lines.append(f"… 외 {len(manageable) - _ROOMS_SHOWN}개")
    return lines


async def _this_room(
    s: AsyncSession, ctx: CommandContext, who: Identity, event: ChatEvent
) -> list[str]:
    room = await s.scalar(select(Room).where(Room.chat_id == event.room_id))
    if room is None:
        here = f"발송 대상으로 등록되지 않은 방입니다 (등록: {ctx.prefix}방 등록 조직코드)."
    elif not allows(who.standing, room.org_id):
        here = f"{room.name} · 다른 조직의 방이라 다룰 수 없습니다."
    else:
        here = f"{room.name} ({room.chat_id}) · 관리할 수 있는 방" + (
            "" if room.active else " (비활성)"
        )
    return [f"이 방: {here}", fmt.elsewhere("관리할 수 있는 방 목록", f"{ctx.prefix}내정보")]


async def room_register(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: RoomRegister
) -> list[str]:
    if event.looks_direct:
        return ["방 등록은 등록할 단톡방 안에서 입력해 주세요."]
    example = f"{ctx.prefix}방 등록 BR001"
    async with ctx.sessions.begin() as s:
        require_acting(who.standing, Operation.REGISTER_ROOM)
        try:
            org: Org | None = await orgs.get_by_code(s, command.org_code)
        except NotFound:
            org = None
        if org is None or not allows(who.standing, org.id):
            message = (
                f"{quote(command.org_code)} 조직이 없거나 그 조직에 방을 등록할 권한이 없습니다."
            )
            raise CommandError("조직코드", message, example)
        existing = await s.scalar(select(Room).where(Room.chat_id == event.room_id))
        if existing is not None:
            owner = await s.get(Org, existing.org_id)
            return [
                f"이 방은 이미 {owner.name if owner else '다른 조직'}의 방으로 등록되어 있습니다."
            ]
        room = await rooms.add_room(
            s,
            chat_id=event.room_id,
            name=(clean(event.room_name).strip() or event.room_id)[:200],
            org_code=org.code,
            at=ctx.clock.now(),
            actor=actor_label(who.admin),
            actor_admin_id=who.admin.id,
        )
    return [f"✅ 이 방({room.name})을 {org.name}의 발송 대상 방으로 등록했습니다."]


async def web_login(ctx: CommandContext, who: Identity, event: ChatEvent) -> list[str]:
    """A one-time login link, only where the room is certainly a 1:1 chat with the bot: the
    link is a credential that anyone who reads it can use."""
    kind = await ctx.chat_kinds.kind_of(event)
    if kind is not ChatKind.DIRECT:
        return [f"{_NO_LINK_BECAUSE[kind]}\n{_HOW_TO_GET_A_LINK.format(prefix=ctx.prefix)}"]
    ttl = timedelta(seconds=ctx.cfg.web.login_link_ttl_s)
    async with ctx.sessions.begin() as s:
        code = await one_time_codes.create_web_login(
            s, admin_id=who.admin.id, ttl=ttl, at=ctx.clock.now()
        )
    minutes = max(1, ctx.cfg.web.login_link_ttl_s // 60)
    link = f"{ctx.cfg.server.public_url}/login/{code}"
    return [f"🔗 웹 로그인 링크 ({minutes}분 동안 한 번만 쓸 수 있습니다):\n{link}"]
