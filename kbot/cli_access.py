"""The access lifecycle at the CLI: deactivating and reactivating admins, rooms and orgs,
moving rooms, listing and revoking API tokens. The operator at the CLI is the access
service's actor None; every rule (the last headquarters admin, headquarters itself, what a
deactivated admin loses) is the service's, and each change it makes is audited as ``cli``.
Each command prints one line saying what happened, or that nothing had to."""

from __future__ import annotations

import argparse
from datetime import datetime

from core.timeutil import from_utc_naive
from kbot.cli_support import Command, Ctx, SubParsers, numeric_options, table
from services.access_views import AdminView, Changed, RoomView


def _admin(a: AdminView) -> str:
    return f"admin {a.kakao_user_id} ({a.name}, org {a.org_code})"


def _room(r: RoomView) -> str:
    return f"room {r.chat_id} ({r.name}, org {r.org_code})"


def _org_note(acting: bool) -> str:
    """What still stops a reactivated admin or room: its org or one above it is inactive."""
    return "" if acting else "; but its org or one above it is inactive: still refused"


def _say_admin(result: Changed[AdminView], active: bool) -> None:
    a = result.value
    if not result.changed:
        print(f"{_admin(a)} already {'active' if active else 'inactive'}: nothing changed")
    elif active:
        note = _org_note(a.acting)
        print(
            f"{_admin(a)} activated (revoked API tokens stay revoked: "
            f"`kbot token create` for a new one){note}"
        )
    else:
        n = result.revoked_tokens
        tokens = f"{n} API token{'' if n == 1 else 's'} revoked"
        print(f"{_admin(a)} deactivated: web sessions ended, {tokens}")


async def admin_deactivate(ctx: Ctx, args: argparse.Namespace) -> None:
    _say_admin(await ctx.access.set_admin_active(None, args.kakao_user_id, False), False)


async def admin_activate(ctx: Ctx, args: argparse.Namespace) -> None:
    _say_admin(await ctx.access.set_admin_active(None, args.kakao_user_id, True), True)


def _say_room(result: Changed[RoomView], active: bool) -> None:
    r = result.value
    if not result.changed:
        print(f"{_room(r)} already {'active' if active else 'inactive'}: nothing changed")
    elif active:
        print(f"{_room(r)} activated: its schedules send again{_org_note(r.acting)}")
    else:
        print(f"{_room(r)} deactivated: nothing is sent to it, its sends are logged failed")


async def room_deactivate(ctx: Ctx, args: argparse.Namespace) -> None:
    _say_room(await ctx.access.set_room_active(None, args.chat_id, False), False)


async def room_activate(ctx: Ctx, args: argparse.Namespace) -> None:
    _say_room(await ctx.access.set_room_active(None, args.chat_id, True), True)


async def room_move(ctx: Ctx, args: argparse.Namespace) -> None:
    result = await ctx.access.move_room(args.chat_id, args.org)
    r = result.value
    if not result.changed:
        print(f"room {r.chat_id} ({r.name}) already belongs to org {r.org_code}: nothing changed")
    else:
        print(f"room {r.chat_id} ({r.name}) moved to org {r.org_code} ({r.org_name})")


async def _org_set(ctx: Ctx, args: argparse.Namespace, active: bool) -> None:
    result = await ctx.access.set_org_active(args.code, active)
    o = result.value
    org = f"org {o.code} ({o.type}, {o.name})"
    if not result.changed:
        print(f"{org} already {'active' if active else 'inactive'}: nothing changed")
    elif active:
        print(
            f"{org} activated: its admins, rooms and orgs below act again "
            "(those deactivated one by one stay inactive)"
        )
    else:
        print(f"{org} deactivated: its admins, rooms and every org below it stop with it")


async def org_deactivate(ctx: Ctx, args: argparse.Namespace) -> None:
    await _org_set(ctx, args, False)


async def org_activate(ctx: Ctx, args: argparse.Namespace) -> None:
    await _org_set(ctx, args, True)


def _when(moment: datetime | None, ctx: Ctx) -> str:
    if moment is None:
        return "-"
    return f"{from_utc_naive(moment).astimezone(ctx.cfg.tz):%Y-%m-%d %H:%M}"


async def token_list(ctx: Ctx, args: argparse.Namespace) -> None:
    """Every API token (or one admin's), newest first: never the token nor its hash."""
    rows = await ctx.access.list_tokens(None, args.admin)
    zone = f"({ctx.cfg.tz.key})"
    table(
        ["id", "label", "owner", f"created {zone}", "last used", "revoked"],
        [
            [
                t.id,
                t.name,
                f"{t.owner_kakao_user_id} ({t.owner_name})",
                _when(t.created_at, ctx),
                _when(t.last_used_at, ctx),
                _when(t.revoked_at, ctx),
            ]
            for t in rows
        ],
    )


async def token_revoke(ctx: Ctx, args: argparse.Namespace) -> None:
    result = await ctx.access.revoke_token(None, args.token_id)
    t = result.value
    token = f"token #{t.id} '{t.name}' of admin {t.owner_kakao_user_id} ({t.owner_name})"
    if not result.changed:
        print(f"{token} already revoked: nothing changed")
    else:
        print(f"{token} revoked: the REST API answers it 401 from now on")


def add_access_commands(
    cmd: Command, *, org: SubParsers, admin: SubParsers, room: SubParsers, token: SubParsers
) -> None:
    """The lifecycle subcommands, under ``kbot org|admin|room|token``."""
    for name, handler, help in (
        ("deactivate", admin_deactivate, "refuse an admin everywhere, end its sessions, tokens"),
        ("activate", admin_activate, "let a deactivated admin act again"),
    ):
        a = cmd(admin, name, help, handler)
        a.add_argument("kakao_user_id", metavar="KAKAO_USER_ID")
        numeric_options(a, kakao_user_id="KAKAO_USER_ID")
    for name, handler, help in (
        ("deactivate", room_deactivate, "send nothing to a room (its sends are logged failed)"),
        ("activate", room_activate, "send to a deactivated room again"),
    ):
        a = cmd(room, name, help, handler)
        a.add_argument("chat_id", metavar="CHAT_ID")
        numeric_options(a, chat_id="CHAT_ID")
    a = cmd(room, "move", "give a room to another org", room_move)
    a.add_argument("chat_id", metavar="CHAT_ID")
    a.add_argument("--org", required=True, help="the org code that now owns the room")
    numeric_options(a, chat_id="CHAT_ID")
    for name, handler, help in (
        ("deactivate", org_deactivate, "stop an org, its admins, rooms and every org below"),
        ("activate", org_activate, "let a deactivated org act again"),
    ):
        cmd(org, name, help, handler).add_argument("code", metavar="CODE")
    a = cmd(token, "list", "list API tokens (never the token itself)", token_list)
    a.add_argument("--admin", metavar="KAKAO_USER_ID", help="only this admin's tokens")
    numeric_options(a, admin="--admin")
    a = cmd(token, "revoke", "revoke an API token for good", token_revoke)
    a.add_argument("token_id", type=int, metavar="TOKEN_ID", help="the id `kbot token list` shows")
