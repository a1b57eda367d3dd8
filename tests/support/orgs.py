"""The one org tree of the tests: HQ > DT1 > AG1 > {BR1, BR2} and HQ > DT2 > AG2 > BR3, each
org named "<code> 조직"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import orgs

# code -> (type, parent)
TREE: dict[str, tuple[str, str | None]] = {
    "HQ": ("headquarters", None),
    "DT1": ("distributor", "HQ"),
    "DT2": ("distributor", "HQ"),
    "AG1": ("agency", "DT1"),
    "AG2": ("agency", "DT2"),
    "BR1": ("branch", "AG1"),
    "BR2": ("branch", "AG1"),
    "BR3": ("branch", "AG2"),
}


async def add_tree(session: AsyncSession, *, at: datetime, actor: str = "test") -> dict[str, int]:
    """Adds ``TREE``'s orgs; returns their ids by code."""
    ids: dict[str, int] = {}
    for code, (kind, parent) in TREE.items():
        spec = orgs.OrgSpec(type=kind, code=code, name=f"{code} 조직", parent_code=parent)
        ids[code] = (await orgs.add_org(session, spec, at=at, actor=actor)).id
    return ids
