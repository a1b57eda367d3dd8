"""A schedule's message text as a template (``core.message_template``): checked when it is
saved, for every room it goes to, against ``scheduler.max_text_length``.

The longest a variable can render is known (``{날짜}`` is at most ``12월 31일``, ``{요일}``
three letters, ``{시간}`` five), so the check renders each room's text once with the widest
date instead of for every send time. A ``{링크:URL}`` counts as long as the short link a room
receives (``public_url/r/`` and the code).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.link_url import CODE_LENGTH, PREVIEW_CODE, short_link
from core.message_template import Scene, TemplateError, check, links_in, render, uses_variables
from services.errors import Invalid
from services.schedule_checks import Limits
from services.schedule_form import ScheduleForm
from services.templates import not_found, usable
from storage.kbot_models import Admin

_WIDEST = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)  # 12월 31일 수요일 23:59: the longest


def check_text(text: str | None, places: Iterable[tuple[str, str]], limits: Limits) -> None:
    """``Invalid`` on ``message_text`` when ``text`` has an unknown variable or a lone brace,
    or when it renders longer than the limit for one of ``places`` ((org name, room name)
    pairs), naming the first such room."""
    if not text:
        return
    try:
        check(text)
    except TemplateError as exc:
        raise Invalid("message_text", str(exc)) from None
    if not uses_variables(text):
        return
    links = placeholder_links(text, limits.public_url, code="x" * CODE_LENGTH)
    for org_name, room_name in places:
        length = len(render(text, Scene(org_name, room_name, _WIDEST), links))
        if length > limits.max_text_length:
            raise Invalid(
                "message_text",
                f"'{room_name}' 방에서는 변수를 채운 내용이 {length}자입니다. "
                f"{limits.max_text_length}자 이하로 줄여 주세요.",
            )


def placeholder_links(text: str, public_url: str, *, code: str = PREVIEW_CODE) -> dict[str, str]:
    """Each link of ``text`` as a short link with ``code`` instead of a room's real one: what
    a preview shows (``public_url/r/…``), nothing written."""
    return {url: short_link(public_url, code) for url in links_in(text)}


async def resolve_template(
    session: AsyncSession, form: ScheduleForm, actor: Admin, *, prefix: str = ""
) -> ScheduleForm:
    """``form`` with ``템플릿: 이름`` replaced by that saved template's text (the actor's org's
    template of that name, else the nearest org above it that has one); ``Invalid`` on
    ``template`` when there is none, or when ``내용:`` is given too."""
    if form.template is None:
        return form
    if form.message_text is not None:
        raise Invalid(
            "template",
            "'템플릿:'과 '내용:'은 함께 쓸 수 없습니다. "
            "저장한 템플릿을 쓰려면 '내용:'을 지워 주세요.",
        )
    found = await usable(session, actor, form.template)
    if found is None:
        raise not_found(form.template, prefix)
    return replace(form, message_text=found.body, template=None)
