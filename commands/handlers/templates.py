"""Handlers of the ``템플릿`` commands: saved message texts of the admin's org."""

from __future__ import annotations

from commands import format as fmt
from commands.context import CommandContext
from commands.grammar.parse import TemplateDelete, TemplateSave
from commands.identity import Identity
from core.particles import attach
from services.errors import quote

BODY_SHOWN = 60  # characters of a template's text shown in the list


async def template_save(ctx: CommandContext, who: Identity, command: TemplateSave) -> list[str]:
    saved = await ctx.templates.save(command.name, command.text, who.admin, standing=who.standing)
    verb = "바꿨습니다" if saved.replaced else "저장했습니다"
    name = saved.template.name
    return [
        f"✅ 템플릿 {attach(quote(name), '을')} {verb}. 스케줄 양식에 '템플릿: {name}'을 적으면 "
        f"이 내용으로 등록됩니다 (목록: {ctx.prefix}템플릿 목록)."
    ]


async def template_list(ctx: CommandContext, who: Identity) -> list[str]:
    views = await ctx.templates.list(who.admin, standing=who.standing)
    if not views:
        return [
            f"쓸 수 있는 템플릿이 없습니다. {ctx.prefix}템플릿 저장 이름 다음 줄에 "
            "'내용:'과 메시지를 적어 저장해 보세요."
        ]
    header = f"📝 템플릿 {len(views)}개 (스케줄 양식에 '템플릿: 이름')"
    entries = [
        f"• {view.name} — {view.org_name}{'' if view.own else ' (상위 조직)'}\n"
        f"  {fmt.cut(' '.join(view.body.split()), BODY_SHOWN)}"
        for view in views
    ]
    return fmt.split_messages(header, entries)


async def template_delete(ctx: CommandContext, who: Identity, command: TemplateDelete) -> list[str]:
    row = await ctx.templates.delete(command.name, who.admin, standing=who.standing)
    return [
        f"🗑 템플릿 {attach(quote(row.name), '을')} 삭제했습니다. "
        "이미 등록한 스케줄의 내용은 그대로입니다."
    ]
