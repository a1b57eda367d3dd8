"""The org tree in reading order, for ``kbot org list``: each org followed by the orgs below
it, siblings by code, with its depth (headquarters 0, a distributor below it 1, ...)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.kbot_models import Org


def tree_order(orgs: Sequence[Org]) -> list[tuple[int, Org]]:
    """``(depth, org)`` for every org: roots first (no parent, or a parent that is not in
    ``orgs``), each followed by its subtree. An org caught in a parent cycle (only possible
    by editing the table by hand) is listed as a root rather than left out."""
    by_id = {org.id: org for org in orgs}
    children: dict[int | None, list[Org]] = {}
    for org in orgs:
        parent = org.parent_id if org.parent_id in by_id else None
        children.setdefault(parent, []).append(org)
    ordered: list[tuple[int, Org]] = []
    seen: set[int] = set()

    def walk(org: Org, depth: int) -> None:
        stack = [(org, depth)]
        while stack:
            current, level = stack.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            ordered.append((level, current))
            below = sorted(children.get(current.id, []), key=lambda o: o.code, reverse=True)
            stack.extend((child, level + 1) for child in below)

    for root in sorted(children.get(None, []), key=lambda o: o.code):
        walk(root, 0)
    for org in sorted(orgs, key=lambda o: o.code):
        walk(org, 0)  # only what a cycle kept out
    return ordered
