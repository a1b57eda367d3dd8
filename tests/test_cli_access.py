"""The access lifecycle at the ``kbot`` CLI: deactivating and reactivating admins, rooms and
orgs, moving rooms, listing and revoking API tokens, on both backends. Each change is checked
in the database and in the audit log; each refusal exits 1 with one line and changes
nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import SystemClock
from core.config import load_config
from storage import tokens
from storage.engine import create_engine, session_factory
from storage.kbot_models import Admin, AuditEntry, Org, Room

T = TypeVar("T")
Kbot = Callable[..., tuple[int, str, str]]


def query(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in a session on the database the ``kbot`` fixture points the CLI at."""

    async def run() -> T:
        cfg = load_config()
        engine = create_engine(cfg.database, timezone=cfg.timezone)
        try:
            async with session_factory(engine).begin() as s:
                return await work(s)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def audit(entity: str, entity_id: str) -> list[tuple[str, str]]:
    """(action, actor) of the audit rows about one entity, oldest first."""

    async def rows(s: AsyncSession) -> list[tuple[str, str]]:
        found = await s.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id)
        )
        return [(action, actor) for action, actor in found.all()]

    return query(rows)


def audit_count() -> int:
    async def count(s: AsyncSession) -> int:
        return int(await s.scalar(select(func.count(AuditEntry.id))) or 0)

    return query(count)


def owner_of(plain: str) -> str | None:
    """The kakao id of the active admin a bearer token belongs to (what the REST API asks)."""

    async def owner(s: AsyncSession) -> str | None:
        admin = await tokens.admin_for_token(s, plain, at=SystemClock().now())
        return admin.kakao_user_id if admin is not None else None

    return query(owner)


def row(model: Any, **where: object) -> Any:
    async def get(s: AsyncSession) -> Any:
        return await s.scalar(select(model).filter_by(**where))

    return query(get)


def ok(kbot: Kbot, *argv: str) -> str:
    code, out, err = kbot(*argv)
    assert (code, err) == (0, ""), (argv, err)
    return out


def refused(kbot: Kbot, *argv: str) -> str:
    code, out, err = kbot(*argv)
    assert code == 1, (argv, out)
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("kbot: error: ")
    return err


@pytest.fixture
def org_tree(kbot: Kbot) -> str:
    """HQ > DT1 > BR1, admins 11 (HQ) and 22 (BR1), room 777 of BR1; 22's token."""
    ok(kbot, "db", "upgrade")
    ok(kbot, "org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")
    ok(
        kbot,
        "org",
        "add",
        "--type",
        "distributor",
        "--code",
        "DT1",
        "--name",
        "총판",
        "--parent",
        "HQ",
    )
    ok(kbot, "org", "add", "--type", "branch", "--code", "BR1", "--name", "지점", "--parent", "DT1")
    ok(kbot, "admin", "add", "--kakao-user-id", "11", "--org", "HQ", "--name", "본사장")
    ok(kbot, "admin", "add", "--kakao-user-id", "22", "--org", "BR1", "--name", "김지점")
    ok(kbot, "room", "add", "--room-id", "777", "--name", "공지방", "--org", "BR1")
    return ok(kbot, "token", "create", "--admin", "22", "--name", "php").strip().splitlines()[-1]


def test_admin_deactivate_revokes_tokens_for_good(kbot: Kbot, org_tree: str) -> None:
    plain = org_tree
    assert owner_of(plain) == "22"
    out = ok(kbot, "admin", "deactivate", "22")
    assert (
        out == "admin 22 (김지점, org BR1) deactivated: web sessions ended, 1 API token revoked\n"
    )
    assert owner_of(plain) is None
    assert row(Admin, kakao_user_id="22").active is False
    out = ok(kbot, "admin", "deactivate", "22")
    assert out == "admin 22 (김지점, org BR1) already inactive: nothing changed\n"

    out = ok(kbot, "admin", "activate", "22")
    assert out.startswith("admin 22 (김지점, org BR1) activated")
    assert "revoked API tokens stay revoked" in out
    assert row(Admin, kakao_user_id="22").active is True
    assert owner_of(plain) is None  # reactivation does not bring the token back
    assert "already active: nothing changed" in ok(kbot, "admin", "activate", "22")

    actions = [action for action, _ in audit("admin", "22")]
    assert actions == ["create", "deactivate", "activate"]
    assert audit("api_token", "1") == [("create", "cli"), ("revoke", "cli")]
    assert {actor for _, actor in audit("admin", "22")} == {"cli"}


def test_last_headquarters_admin_stays(kbot: Kbot, org_tree: str) -> None:
    before = audit_count()
    err = refused(kbot, "admin", "deactivate", "11")
    assert "마지막 남은 본사 관리자" in err
    assert row(Admin, kakao_user_id="11").active is True
    assert audit_count() == before

    ok(kbot, "admin", "add", "--kakao-user-id", "12", "--org", "HQ", "--name", "부본사장")
    assert "deactivated" in ok(kbot, "admin", "deactivate", "11")
    assert "마지막 남은 본사 관리자" in refused(kbot, "admin", "deactivate", "12")


def test_admin_activated_under_an_inactive_org_is_told_so(kbot: Kbot, org_tree: str) -> None:
    ok(kbot, "admin", "deactivate", "22")
    ok(kbot, "org", "deactivate", "DT1")
    out = ok(kbot, "admin", "activate", "22")
    assert "activated" in out and "inactive: still refused" in out


def test_room_deactivate_activate_and_audit(kbot: Kbot, org_tree: str) -> None:
    out = ok(kbot, "room", "deactivate", "777")
    assert out.startswith("room 777 (공지방, org BR1) deactivated: nothing is sent to it")
    assert row(Room, chat_id="777").active is False
    assert "already inactive: nothing changed" in ok(kbot, "room", "deactivate", "777")
    assert "activated" in ok(kbot, "room", "activate", "777")
    assert row(Room, chat_id="777").active is True
    assert "already active: nothing changed" in ok(kbot, "room", "activate", "777")
    assert audit("room", "777") == [
        ("create", "cli"),
        ("deactivate", "cli"),
        ("activate", "cli"),
    ]


def test_room_move_changes_the_org(kbot: Kbot, org_tree: str) -> None:
    out = ok(kbot, "room", "move", "777", "--org", "HQ")
    assert out == "room 777 (공지방) moved to org HQ (본사)\n"
    hq = row(Org, code="HQ")
    assert row(Room, chat_id="777").org_id == hq.id
    listed = ok(kbot, "room", "list").splitlines()[1].split()
    assert listed[0] == "777" and "HQ" in listed
    again = ok(kbot, "room", "move", "777", "--org", "HQ")
    assert again == "room 777 (공지방) already belongs to org HQ: nothing changed\n"
    assert [action for action, _ in audit("room", "777")] == ["create", "move"]


def test_org_deactivate_and_activate(kbot: Kbot, org_tree: str) -> None:
    err = refused(kbot, "org", "deactivate", "HQ")
    assert "본사 조직 HQ" in err
    assert row(Org, code="HQ").active is True

    out = ok(kbot, "org", "deactivate", "DT1")
    assert out.startswith("org DT1 (distributor, 총판) deactivated")
    assert row(Org, code="DT1").active is False
    assert row(Org, code="BR1").active is True  # below it: stops with it, own flag untouched
    assert "already inactive: nothing changed" in ok(kbot, "org", "deactivate", "DT1")
    assert ok(kbot, "org", "activate", "DT1").startswith("org DT1 (distributor, 총판) activated")
    assert "already active: nothing changed" in ok(kbot, "org", "activate", "DT1")
    assert audit("org", "DT1") == [("create", "cli"), ("deactivate", "cli"), ("activate", "cli")]


def test_token_list_and_revoke_never_show_the_secret(kbot: Kbot, org_tree: str) -> None:
    plain = org_tree
    second = ok(kbot, "token", "create", "--admin", "11").strip().splitlines()[-1]
    out = ok(kbot, "token", "list")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "label", "owner", "created"]
    assert "(Asia/Seoul)" in lines[0] and "last used" in lines[0] and "revoked" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["2", "1"]  # newest first
    assert "22 (김지점)" in lines[2] and "php" in lines[2]
    for secret in (plain, second, tokens.digest(plain), tokens.digest(second)):
        assert secret not in out
    assert lines[2].split()[-1] == "-"  # not revoked

    only = ok(kbot, "token", "list", "--admin", "11")
    assert len(only.splitlines()) == 2 and "본사장" in only

    out = ok(kbot, "token", "revoke", "1")
    assert (
        out
        == "token #1 'php' of admin 22 (김지점) revoked: the REST API answers it 401 from now on\n"
    )
    assert owner_of(plain) is None
    assert owner_of(second) == "11"
    assert "already revoked: nothing changed" in ok(kbot, "token", "revoke", "1")
    revoked_line = ok(kbot, "token", "list", "--admin", "22").splitlines()[1]
    assert revoked_line.split()[-1] != "-"  # the revocation time, local
    assert plain not in revoked_line
    assert audit("api_token", "1") == [("create", "cli"), ("revoke", "cli")]

    ok(kbot, "admin", "add", "--kakao-user-id", "33", "--org", "BR1", "--name", "새직원")
    assert ok(kbot, "token", "list", "--admin", "33").splitlines()[-1] == "(none)"


REFUSED = [
    (["admin", "deactivate", "99"], "관리자 99"),
    (["admin", "activate", "99"], "관리자 99"),
    (["admin", "deactivate", "김지점"], "KAKAO_USER_ID: '김지점': 카카오톡의 숫자 ID"),
    (["admin", "activate", "u22"], "KAKAO_USER_ID: 'u22'"),
    (["room", "deactivate", "999"], "방 999"),
    (["room", "activate", "공지방"], "CHAT_ID: '공지방'"),
    (["room", "move", "999", "--org", "HQ"], "방 999"),
    (["room", "move", "abc", "--org", "HQ"], "CHAT_ID: 'abc'"),
    (["room", "move", "777", "--org", "NOPE"], "조직 'NOPE'"),
    (["org", "deactivate", "NOPE"], "조직 'NOPE'"),
    (["org", "activate", "NOPE"], "조직 'NOPE'"),
    (["token", "revoke", "99"], "토큰 #99"),
    (["token", "list", "--admin", "99"], "관리자 99"),
    (["token", "list", "--admin", "kim"], "--admin: 'kim'"),
    (["token", "create", "--admin", "kim"], "--admin: 'kim'"),
    (["web-login", "--admin", "kim"], "--admin: 'kim'"),
    (["room", "add", "--room-id", "공지방", "--name", "r", "--org", "BR1"], "--room-id: '공지방'"),
    (["admin", "add", "--kakao-user-id", "kim", "--org", "BR1", "--name", "n"], "--kakao-user-id"),
    (["admin", "add", "--kakao-user-id", "-5", "--org", "BR1", "--name", "n"], "--kakao-user-id"),
]


def test_unknown_and_non_numeric_ids_are_refused_changing_nothing(
    kbot: Kbot, org_tree: str
) -> None:
    before = audit_count()
    for argv, message in REFUSED:
        assert message in refused(kbot, *argv), argv
    assert audit_count() == before
    assert row(Admin, kakao_user_id="22").active is True
    assert row(Room, chat_id="777").active is True


def test_ids_are_stripped_and_checked_before_the_database(kbot: Kbot, tmp_path: Any) -> None:
    """A non-numeric id is refused before the database is opened (even one not upgraded)."""
    err = refused(kbot, "room", "add", "--room-id", "my room", "--name", "r", "--org", "HQ")
    assert "--room-id: 'my room'" in err and "db upgrade" not in err
    ok(kbot, "db", "upgrade")
    ok(kbot, "org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")
    ok(kbot, "admin", "add", "--kakao-user-id", " 11 ", "--org", "HQ", "--name", "a")
    assert row(Admin, kakao_user_id="11") is not None
