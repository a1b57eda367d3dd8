"""Saved message texts (``!템플릿 저장``): an org's templates are usable by its whole subtree.

An admin saves and deletes templates of its own org only, and sees (and uses, with
``템플릿: 이름``) those of its org and of every org above it; a name saved at several levels
means the nearest one. The text is checked as a template (``core.message_template``) and
against ``max_text_length`` as written; the length of the text filled in for each room is
checked when a schedule uses it (``services.message_text``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.message_template import TemplateError, check
from services.errors import Invalid, NotFound
from services.permissions import Operation, Standing, require_acting, standing_of
from services.schedule_checks import Limits
from services.schedule_values import InvalidValue, parse_template_name
from storage import audit, orgs
from storage import templates as store
from storage.kbot_models import Admin, MessageTemplate

TEMPLATE = "template"  # the field of a template's name (the form key 템플릿)
BODY = "message_text"  # the field of its text (the form key 내용)


@dataclass(frozen=True, slots=True)
class TemplateView:
    name: str
    body: str
    org_name: str  # the org that owns it
    own: bool  # of the actor's own org (it may replace or delete it)


@dataclass(frozen=True, slots=True)
class Saved:
    template: MessageTemplate
    replaced: bool  # a template of that name was there before


def template_name(raw: str) -> str:
    try:
        return parse_template_name(raw)
    except InvalidValue as exc:
        raise Invalid(TEMPLATE, str(exc)) from None


def check_body(body: str, limits: Limits) -> str:
    """``body`` without outer blank space; ``Invalid`` on the text when it is empty, not a
    valid template, or longer than the limit."""
    body = body.strip()
    if not body:
        raise Invalid(BODY, "저장할 메시지를 '내용:' 다음 줄부터 적어 주세요.")
    try:
        check(body)
    except TemplateError as exc:
        raise Invalid(BODY, str(exc)) from None
    if len(body) > limits.max_text_length:
        raise Invalid(BODY, f"{len(body)}자입니다. {limits.max_text_length}자 이하로 줄여 주세요.")
    return body


def not_found(name: str, prefix: str) -> Invalid:
    return Invalid(TEMPLATE, f"'{name}' 템플릿이 없습니다. {prefix}템플릿 목록 으로 확인해 주세요.")


async def usable(session: AsyncSession, actor: Admin, name: str) -> MessageTemplate | None:
    """The template ``name`` the actor means: its org's, else the nearest org's above it."""
    chain = [org.id for org in await orgs.chain(session, actor.org_id)]
    return await store.nearest(session, chain, name)


class TemplateService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, limits: Limits, prefix: str
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._limits = limits
        self._prefix = prefix

    async def save(
        self, name: str, body: str, actor: Admin, *, standing: Standing | None = None
    ) -> Saved:
        """Save ``body`` as ``name`` of the actor's org (replacing one of that name)."""
        name = template_name(name)
        body = check_body(body, self._limits)
        async with self._sessions.begin() as s:
            require_acting(await standing_of(s, actor, standing), Operation.CREATE)
            now = self._clock.now()
            row, before = await store.put(s, actor.org_id, name, body, actor.id, now)
            self._audit(s, actor, "edit" if before else "create", row, before, audit.snapshot(row))
        return Saved(row, before is not None)

    async def list(self, actor: Admin, *, standing: Standing | None = None) -> list[TemplateView]:
        """The templates the actor may use: its org's first, then each org's above it."""
        async with self._sessions() as s:
            require_acting(await standing_of(s, actor, standing), Operation.LIST)
            chain = await orgs.chain(s, actor.org_id)
            names = {org.id: org.name for org in chain}
            rank = {org.id: depth for depth, org in enumerate(chain)}
            rows = await store.of_orgs(s, list(names))
        rows.sort(key=lambda t: (rank[t.org_id], t.name))
        return [
            TemplateView(t.name, t.body, names[t.org_id], t.org_id == actor.org_id) for t in rows
        ]

    async def delete(
        self, name: str, actor: Admin, *, standing: Standing | None = None
    ) -> MessageTemplate:
        """Delete the actor's own org's template ``name``; one of an org above it is refused
        with a reason, one it may not see is answered as not existing."""
        name = template_name(name)
        async with self._sessions.begin() as s:
            require_acting(await standing_of(s, actor, standing), Operation.DELETE)
            row = await store.get(s, actor.org_id, name)
            if row is None:
                if await usable(s, actor, name) is not None:
                    raise Invalid(
                        TEMPLATE,
                        f"'{name}' 템플릿은 상위 조직의 템플릿이라 삭제할 수 없습니다. "
                        "소속 조직의 템플릿만 삭제할 수 있습니다.",
                    )
                raise NotFound(TEMPLATE, not_found(name, self._prefix).message)
            self._audit(s, actor, "delete", row, audit.snapshot(row), None)
            await s.delete(row)
        return row

    def _audit(
        self,
        s: AsyncSession,
        actor: Admin,
        action: str,
        row: MessageTemplate,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
    ) -> None:
        audit.record(
            s,
            at=self._clock.now(),
            actor=audit.actor_label(actor),
            actor_admin_id=actor.id,
            action=action,
            entity=TEMPLATE,
            entity_id=row.id,
            before=before,
            after=after,
        )
