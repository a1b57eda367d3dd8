"""Handlers of the admin commands: list the admins of one's subtree, deactivate one strictly
below, invite a new one. Each asks the access service (``services.accounts``), which holds
the rule; what the service refuses reaches the router as a ``ServiceError`` or
``PermissionDenied`` and is told there.

KakaoTalk user ids and invite codes are shown only in a 1:1 chat with the bot: the members
of any other room read the answer, and an invite code pairs whoever types it first.
"""

from __future__ import annotations

from bot.events import ChatEvent
from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.parse import AdminDeactivate, AdminInvite
from commands.grammar.verbs import Action, verb_of
from commands.identity import Identity
from core.human import local_stamp
from core.particles import attach
from services.access_views import AdminView
from storage import orgs

ADMINS_SHOWN = 25  # lines of `!관리자 목록`; the rest is counted ("외 N명")
_NAME_SHOWN = 20  # characters of an admin's or an org's name in the list


async def admin_list(ctx: CommandContext, who: Identity, event: ChatEvent) -> list[str]:
    """The admins of the sender's org and every org below it, only in a 1:1 chat."""
    command = f"{ctx.prefix}{verb_of(Action.ADMIN_LIST).example}"
    if not await ctx.in_direct_chat(event):
        return [
            "🔒 관리자 목록은 카카오ID가 함께 보여서 봇과의 1:1 채팅에서만 보여 드립니다. "
            f"봇과의 1:1 채팅에서 {command} 을 입력해 주세요."
        ]
    admins = await ctx.access.list_admins(who.admin, who.standing)
    entries = [_admin_line(view) for view in admins[:ADMINS_SHOWN]]
    if len(admins) > ADMINS_SHOWN:
        entries.append(f"… 외 {len(admins) - ADMINS_SHOWN}명")
    header = f"👥 관리자 {len(admins)}명 (내 조직과 그 아래 조직)"
    return fmt.split_messages(header, entries)


def _admin_line(view: AdminView) -> str:
    org = f"{fmt.cut(view.org_name, _NAME_SHOWN)}({orgs.KOREAN_TYPE.get(view.org_type, '?')})"
    return f"• {fmt.cut(view.name, _NAME_SHOWN)} · {view.kakao_user_id} · {org} · {_state(view)}"


def _state(view: AdminView) -> str:
    states = [] if view.active else ["비활성"]
    if not view.org_active:
        states.append("조직 비활성")
    return " · ".join(states) or "활성"


async def admin_deactivate(
    ctx: CommandContext, who: Identity, command: AdminDeactivate
) -> list[str]:
    """Deactivate an admin of an org strictly below the sender's: its web sessions end, its
    API tokens are revoked, its schedules stay with the org."""
    done = await ctx.access.set_admin_active(who.admin, command.kakao_user_id, False, who.standing)
    target = done.value
    label = (
        f"{target.name}({target.kakao_user_id}) · {target.org_name}"
        f"({orgs.KOREAN_TYPE.get(target.org_type, '?')})"
    )
    undo = f"kbot admin activate {target.kakao_user_id}"
    if not done.changed:
        return [
            f"{label} 관리자는 이미 해제되어 있습니다. 아무것도 바꾸지 않았습니다.\n"
            f"되돌리기: 서버 운영 담당자가 {attach(undo, '을')} 실행합니다."
        ]
    return [
        "\n".join(
            [
                f"✅ {label} 관리자를 해제했습니다.",
                "• 이제 명령을 쓸 수 없고, 웹 로그인은 모두 끝났습니다.",
                f"• API 토큰 {done.revoked_tokens}개를 폐기했습니다 (다시 쓸 수 없습니다)."
                if done.revoked_tokens
                else "• 폐기할 API 토큰은 없었습니다.",
                "• 이 관리자가 만든 스케줄은 조직에 남아 그대로 발송됩니다.",
                f"• 되돌리기: 서버 운영 담당자가 {attach(undo, '을')} 실행합니다.",
            ]
        )
    ]


async def admin_invite(
    ctx: CommandContext, who: Identity, event: ChatEvent, command: AdminInvite
) -> list[str]:
    """A one-time pairing code for a new admin of an org of the sender's subtree, only in a
    1:1 chat; the second message is the line the new admin types, alone so it copies whole."""
    if not await ctx.in_direct_chat(event):
        again = f"{ctx.prefix}{verb_of(Action.ADMIN_INVITE).korean}"
        return [
            "🔒 초대 코드는 먼저 입력한 사람 누구나 쓸 수 있어 봇과의 1:1 채팅에서만 만듭니다. "
            f"봇과의 1:1 채팅에서 {again} 를 다시 입력해 주세요. 코드는 만들지 않았습니다."
        ]
    invite = await ctx.access.invite_admin(
        who.admin, command.org_code, command.name, standing=who.standing
    )
    async with ctx.read_sessions() as s:
        org = await orgs.get_by_code(s, invite.org_code)
    until = local_stamp(invite.expires_at, ctx.tz)
    verify = verb_of(Action.ADMIN_VERIFY).korean
    return [
        "\n".join(
            [
                f"✅ {invite.name}님을 {org.name}({orgs.KOREAN_TYPE.get(org.type, '?')}) "
                "관리자로 초대하는 1회용 코드를 만들었습니다.",
                f"유효: {until}까지, 한 번만 쓸 수 있습니다.",
                "새 관리자가 봇에게(1:1 채팅이나 봇이 있는 방에서) 다음 메시지의 한 줄을 그대로 "
                "보내면 인증됩니다. 코드는 그분에게만 전해 주세요.",
            ]
        ),
        f"{ctx.prefix}{verify} {invite.code}",
    ]
