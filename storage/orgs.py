"""The org hierarchy: headquarters > distributor > agency > branch.

``subtree_ids`` (a recursive CTE) is the one query-backed answer to "which orgs lie inside org
Y's subtree"; ``is_within`` asks it about one org, and services.permissions builds every
permission decision (chat, REST API, web) on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import CTE, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plain_text import clean
from core.timeutil import to_utc_naive
from storage import audit
from storage.errors import Conflict, Invalid, NotFound
from storage.kbot_models import Org
from storage.types import ORG_TYPES

LEVEL = {t: i for i, t in enumerate(ORG_TYPES)}  # headquarters 0 ... branch 3
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
MAX_DEPTH = 16  # four levels exist; rows written by hand are walked no further than this
KOREAN_TYPE = {"headquarters": "본사", "distributor": "총판", "agency": "대리점", "branch": "지점"}


@dataclass(frozen=True, slots=True)
class OrgSpec:
    type: str
    code: str
    name: str
    parent_code: str | None = None


def validate_spec(spec: OrgSpec) -> None:
    """Checks that need no database: raise ``Invalid`` naming the bad field."""
    if spec.type not in LEVEL:
        raise Invalid(f"type '{spec.type}' is not one of {', '.join(ORG_TYPES)}")
    if not CODE_RE.match(spec.code):
        raise Invalid(
            f"code '{spec.code}' must be 1-50 letters, digits, '_', '-' or '.' (e.g. BR001)"
        )
    if not spec.name.strip() or len(spec.name) > 100:
        raise Invalid("name must be 1-100 characters")
    if spec.type == "headquarters" and spec.parent_code:
        raise Invalid("a headquarters org cannot have a parent")
    if spec.type != "headquarters" and not spec.parent_code:
        raise Invalid(f"a {spec.type} needs --parent (the code of the org above it)")


def check_parent(spec: OrgSpec, parent_type: str) -> None:
    if LEVEL[parent_type] >= LEVEL[spec.type]:
        raise Invalid(
            f"a {parent_type} cannot be the parent of a {spec.type}: the parent must be higher "
            "(headquarters > distributor > agency > branch)"
        )


async def get_by_code(session: AsyncSession, code: str) -> Org:
    org = await session.scalar(select(Org).where(Org.code == code))
    if org is None:
        raise NotFound(f"unknown org code '{code}'")
    return org


async def add_org(session: AsyncSession, spec: OrgSpec, *, at: datetime, actor: str) -> Org:
    spec = replace(spec, name=clean(spec.name))
    validate_spec(spec)
    if await session.scalar(select(Org.id).where(Org.code == spec.code)) is not None:
        raise Conflict(f"org code '{spec.code}' already exists")
    parent_id = None
    if spec.parent_code:
        parent = await get_by_code(session, spec.parent_code)
        check_parent(spec, parent.type)
        parent_id = parent.id
    org = Org(
        type=spec.type,
        code=spec.code,
        name=spec.name.strip(),
        parent_id=parent_id,
        created_at=to_utc_naive(at),
    )
    session.add(org)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=actor,
        action="create",
        entity="org",
        entity_id=org.code,
        after={"type": org.type, "code": org.code, "name": org.name, "parent": spec.parent_code},
    )
    return org


async def add_many(
    session: AsyncSession, specs: list[tuple[int, OrgSpec]], *, at: datetime, actor: str
) -> list[Org]:
    """Add orgs in file order; a parent may be defined earlier in the same batch. Errors name
    the line number. The caller's transaction makes it all-or-nothing."""
    added = []
    for line, spec in specs:
        try:
            added.append(await add_org(session, spec, at=at, actor=actor))
        except (Invalid, Conflict, NotFound) as exc:
            raise type(exc)(f"line {line}: {exc}") from None
    return added


async def list_orgs(session: AsyncSession) -> list[Org]:
    return list(await session.scalars(select(Org).order_by(Org.id)))


async def activity(session: AsyncSession, org_id: int) -> tuple[str, bool] | None:
    """The org's type and whether it acts, or None when there is no such org. An org acts
    while it and every org above it are active: deactivating an org stops its whole subtree
    without touching the flags below it, so reactivating it brings back exactly what was.
    One recursive query up the tree; a parent cycle written by hand into the table ends the
    walk at ``MAX_DEPTH`` and counts as not acting."""
    up = _upward(org_id)
    rows = (await session.execute(select(up.c.type, up.c.active).order_by(up.c.depth))).all()
    if not rows:
        return None
    acting = len(rows) <= MAX_DEPTH and all(active for _, active in rows)
    return rows[0].type, acting


def _upward(org_id: int) -> CTE:
    """A recursive CTE of ``org_id``'s org and the orgs above it, with their ``depth`` (0 for
    the org itself); a parent cycle written by hand ends at ``MAX_DEPTH``."""
    up = (
        select(Org.id, Org.parent_id, Org.type, Org.active, literal(0).label("depth"))
        .where(Org.id == org_id)
        .cte("up", recursive=True)
    )
    return up.union_all(
        select(Org.id, Org.parent_id, Org.type, Org.active, (up.c.depth + 1).label("depth"))
        .join(up, Org.id == up.c.parent_id)
        .where(up.c.depth < MAX_DEPTH)
    )


async def chain(session: AsyncSession, org_id: int) -> list[Org]:
    """``org_id``'s org and every org above it, nearest first (each once)."""
    up = _upward(org_id)
    found = await session.scalars(select(Org).join(up, Org.id == up.c.id).order_by(up.c.depth))
    nearest: dict[int, Org] = {}
    for org in found:
        nearest.setdefault(org.id, org)
    return list(nearest.values())


async def chain_active(session: AsyncSession, org_id: int) -> bool:
    """Whether ``org_id`` and every org above it are active (``activity``)."""
    found = await activity(session, org_id)
    return found is not None and found[1]


async def set_active(
    session: AsyncSession,
    org: Org,
    active: bool,
    *,
    at: datetime,
    actor: str,
    actor_admin_id: int | None = None,
) -> bool:
    """Set the org's own flag (its subtree follows through ``chain_active``); audited.
    Returns whether anything changed."""
    return await audit.set_columns(
        session,
        org,
        {"active": active},
        action="activate" if active else "deactivate",
        entity="org",
        entity_id=org.code,
        at=at,
        actor=actor,
        actor_admin_id=actor_admin_id,
    )


async def is_within(session: AsyncSession, org_id: int, ancestor_id: int) -> bool:
    """True when ``org_id`` is ``ancestor_id`` or lies anywhere below it."""
    return org_id in await subtree_ids(session, ancestor_id)


async def subtree_ids(session: AsyncSession, root_id: int) -> set[int]:
    """``root_id`` and every org below it."""
    down = select(Org.id).where(Org.id == root_id).cte("down", recursive=True)
    down = down.union_all(select(Org.id).join(down, Org.parent_id == down.c.id))
    return set(await session.scalars(select(down.c.id)))


async def acting_ids(session: AsyncSession) -> set[int]:
    """Ids of the orgs that act (``activity``), from one read of the whole tree: for
    listings that show many admins or rooms at once."""
    rows = await session.execute(select(Org.id, Org.parent_id, Org.active))
    tree = {org_id: (parent_id, bool(active)) for org_id, parent_id, active in rows.all()}
    return {org_id for org_id in tree if first_inactive(tree.get, org_id) is None}


def first_inactive(
    node_of: Callable[[int], tuple[int | None, bool] | None], org_id: int | None
) -> int | None:
    """The nearest org at or above ``org_id`` that stops it, or None when it acts, on a tree
    already read (``node_of``: org id -> (parent id, active), None for no such org). A
    missing org stops it, and so does a parent cycle written by hand (the org that closes
    it), as ``activity`` has it in SQL."""
    seen: set[int] = set()
    node = org_id
    while node is not None:
        found = node_of(node)
        if node in seen or found is None or not found[1]:
            return node
        seen.add(node)
        node = found[0]
    return None
