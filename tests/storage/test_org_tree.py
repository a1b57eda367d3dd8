"""``kbot org list`` shows the tree: each org under its parent, indented by level, on both
backends; the ordering itself is a pure function."""

from __future__ import annotations

from storage.kbot_models import Org
from storage.org_tree import tree_order


def org(id_: int, code: str, parent: int | None) -> Org:
    return Org(id=id_, type="branch", code=code, name=code, parent_id=parent)


def test_children_follow_their_parent_siblings_by_code() -> None:
    rows = [
        org(1, "HQ", None),
        org(2, "DT2", 1),
        org(3, "DT1", 1),
        org(4, "AG1", 3),
        org(5, "BR9", 2),
        org(6, "BR1", 4),
        org(7, "BR0", 4),
    ]
    assert [(depth, o.code) for depth, o in tree_order(rows)] == [
        (0, "HQ"),
        (1, "DT1"),
        (2, "AG1"),
        (3, "BR0"),
        (3, "BR1"),
        (1, "DT2"),
        (2, "BR9"),
    ]


def test_no_org_is_left_out() -> None:
    rows = [org(1, "A", 2), org(2, "B", 1), org(3, "C", 99), org(4, "D", None)]
    shown = [(depth, o.code) for depth, o in tree_order(rows)]
    assert sorted(code for _, code in shown) == ["A", "B", "C", "D"]
    assert shown[:2] == [(0, "C"), (0, "D")]  # a missing parent: a root


def test_org_list_prints_the_tree(kbot) -> None:
    kbot("db", "upgrade")
    for type_, code, parent in [
        ("headquarters", "HQ", None),
        ("distributor", "DT2", "HQ"),
        ("distributor", "DT1", "HQ"),
        ("branch", "BR2", "DT2"),
        ("agency", "AG1", "DT1"),
        ("branch", "BR1", "AG1"),
    ]:
        argv = ["org", "add", "--type", type_, "--code", code, "--name", f"{code} 이름"]
        assert kbot(*argv, *(["--parent", parent] if parent else []))[0] == 0
    code, out, _ = kbot("org", "list")
    assert code == 0
    assert out.splitlines() == [
        "code       type          name      active",
        "HQ         headquarters  HQ 이름   True",
        "  DT1      distributor   DT1 이름  True",
        "    AG1    agency        AG1 이름  True",
        "      BR1  branch        BR1 이름  True",
        "  DT2      distributor   DT2 이름  True",
        "    BR2    branch        BR2 이름  True",
    ]
