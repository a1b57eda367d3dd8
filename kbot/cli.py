"""The ``kbot`` command line. Every command takes ``--config PATH``; mistakes exit non-zero with
one clear line on stderr."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import OperationalError, ProgrammingError

from core.clock import SystemClock
from core.config import Config, ConfigError, ensure_secret_key, load_config
from core.human import local_stamp
from core.logs import setup_logging
from core.timeutil import to_local_naive
from kbot.bootstrap import database
from kbot.cli_access import add_access_commands
from kbot.cli_holiday import add_holiday_commands
from kbot.cli_standby import add_standby, add_standby_commands, check_room_devices, devices_of
from kbot.cli_support import (
    CliError,
    Ctx,
    Handler,
    SubParsers,
    check_numeric,
    numeric_options,
    table,
)
from services.accounts import INVITE_TTL
from services.errors import ServiceError
from storage import admins, archive, backup, images, one_time_codes, orgs, rooms, tokens
from storage import org_csv as orgcsv
from storage.audit import CLI_ACTOR
from storage.engine import safe_url, session_factory
from storage.errors import StorageError
from storage.migrate import SchemaOutOfDate, current_revision, upgrade
from storage.org_tree import tree_order
from storage.types import ORG_TYPES, ROOM_TYPES

DEFAULT_CONFIG = Path("config.toml")


async def db_upgrade(ctx: Ctx, args: argparse.Namespace) -> None:
    before = await current_revision(ctx.engine)
    await upgrade(ctx.engine)
    after = await current_revision(ctx.engine)
    print(f"database {safe_url(ctx.cfg.database.url)}: schema {before or 'empty'} -> {after}")


async def org_add(ctx: Ctx, args: argparse.Namespace) -> None:
    spec = orgs.OrgSpec(type=args.type, code=args.code, name=args.name, parent_code=args.parent)
    async with ctx.sessions.begin() as s:
        org = await orgs.add_org(s, spec, at=ctx.clock.now(), actor=CLI_ACTOR)
    print(f"org {org.code} ({org.type}) added: {org.name}")


async def org_import(ctx: Ctx, args: argparse.Namespace) -> None:
    specs = orgcsv.read_org_csv(Path(args.file))
    async with ctx.sessions.begin() as s:
        added = await orgs.add_many(s, specs, at=ctx.clock.now(), actor=CLI_ACTOR)
    print(f"imported {len(added)} orgs from {args.file}")


async def org_list(ctx: Ctx, args: argparse.Namespace) -> None:
    """The tree: each org under its parent, indented two spaces per level."""
    async with ctx.sessions() as s:
        rows = await orgs.list_orgs(s)
    table(
        ["code", "type", "name", "active"],
        [["  " * depth + o.code, o.type, o.name, o.active] for depth, o in tree_order(rows)],
    )


async def admin_add(ctx: Ctx, args: argparse.Namespace) -> None:
    async with ctx.sessions.begin() as s:
        admin = await admins.add_admin(
            s,
            kakao_user_id=args.kakao_user_id,
            org_code=args.org,
            name=args.name,
            mb_id=args.mb_id,
            at=ctx.clock.now(),
            actor=CLI_ACTOR,
        )
    print(f"admin #{admin.id} {admin.name} added for org {args.org}")


async def admin_invite(ctx: Ctx, args: argparse.Namespace) -> None:
    invite = await ctx.access.invite_admin(
        None, args.org, args.name, ttl=timedelta(hours=args.ttl_hours), mb_id=args.mb_id
    )
    until = local_stamp(invite.expires_at, ctx.cfg.tz)
    print(f"invite for {invite.name} ({invite.org_code}), valid until {until}.")
    print("The new admin types this in KakaoTalk (to the bot or in a room with it):")
    print(f"{ctx.cfg.bot.command_prefix}관리자 인증 {invite.code}")


async def admin_list(ctx: Ctx, args: argparse.Namespace) -> None:
    async with ctx.sessions() as s:
        rows = await admins.list_admins(s)
        codes = {o.id: o.code for o in await orgs.list_orgs(s)}
    table(
        ["id", "kakao_user_id", "name", "org", "mb_id", "active"],
        [[a.id, a.kakao_user_id, a.name, codes[a.org_id], a.mb_id or "-", a.active] for a in rows],
    )


async def room_add(ctx: Ctx, args: argparse.Namespace) -> None:
    check_room_devices(ctx, args.device, args.standby)
    async with ctx.sessions.begin() as s:
        room = await rooms.add_room(
            s,
            chat_id=args.room_id,
            name=args.name,
            org_code=args.org,
            room_type=args.type,
            device=args.device,
            at=ctx.clock.now(),
            actor=CLI_ACTOR,
        )
    print(f"room {room.chat_id} ({room.room_type}) added for org {args.org}: {room.name}")
    await add_standby(ctx, room.chat_id, args.standby)


async def room_list(ctx: Ctx, args: argparse.Namespace) -> None:
    async with ctx.sessions() as s:
        rows = await rooms.list_rooms(s)
        codes = {o.id: o.code for o in await orgs.list_orgs(s)}
    devices = await devices_of(ctx)
    table(
        ["chat_id", "name", "type", "org", "devices", "active"],
        [[r.chat_id, r.name, r.room_type, codes[r.org_id], devices(r), r.active] for r in rows],
    )


async def token_create(ctx: Ctx, args: argparse.Namespace) -> None:
    async with ctx.sessions.begin() as s:
        token, plain = await tokens.create_token(
            s, kakao_user_id=args.admin, name=args.name, at=ctx.clock.now(), actor=CLI_ACTOR
        )
    print(f"token #{token.id} '{token.name}' for admin {args.admin} (shown once, keep it safe):")
    print(plain)


async def web_login(ctx: Ctx, args: argparse.Namespace) -> None:
    ttl = ctx.cfg.web.login_link_ttl_s
    async with ctx.sessions.begin() as s:
        admin = await admins.get_by_kakao_id(s, args.admin)
        if not admin.active:
            raise CliError(f"admin {args.admin} is inactive")
        code = await one_time_codes.create_web_login(
            s, admin_id=admin.id, ttl=timedelta(seconds=ttl), at=ctx.clock.now()
        )
    print(f"one-time web login link for {admin.name}, valid for {ttl // 60} min:")
    print(f"{ctx.cfg.server.public_url}/login/{code}")


async def backup_write(ctx: Ctx, args: argparse.Namespace) -> None:
    summary = await backup.write_backup(
        ctx.engine,
        Path(args.file),
        upload_dir=images.upload_dir(ctx.cfg),
        with_images=args.with_images,
        at=ctx.clock.now(),
    )
    print(f"backup written to {args.file}: {summary.describe()}")


async def backup_restore(ctx: Ctx, args: argparse.Namespace) -> None:
    summary = await backup.restore_backup(
        ctx.engine, Path(args.file), upload_dir=images.upload_dir(ctx.cfg), at=ctx.clock.now()
    )
    created = local_stamp(datetime.fromisoformat(summary.created_at), ctx.cfg.tz)
    written = f"written {created}, schema {summary.schema_revision}"
    print(f"restored {args.file} ({written}): {summary.describe()}")


async def logs_archive(ctx: Ctx, args: argparse.Namespace) -> None:
    before = archive.parse_month(args.before)
    directory = Path(args.dir) if args.dir else ctx.cfg.data_path / "archive"
    today = to_local_naive(ctx.clock.now(), ctx.cfg.tz).date()
    done = await archive.archive_logs(ctx.engine, before=before, directory=directory, today=today)
    for month in done:
        print(f"archived {month.rows} log rows of {month.month:%Y-%m} to {month.path}")
    if not done:
        print(f"no send logs scheduled before {before:%Y-%m}: nothing to archive")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's parser must not reset a --config given before the subcommand
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML config (default ./config.toml); its relative paths are relative to its folder",
    )
    p = argparse.ArgumentParser(
        prog="kbot", description="Scheduled KakaoTalk messages.", parents=[common]
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def cmd(
        parent: SubParsers,
        name: str,
        help: str,
        handler: Handler | None,
    ) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, help=help, parents=[common])
        sp.set_defaults(handler=handler)
        return sp

    cmd(sub, "serve", "web server + webhooks + scheduler in one process", None)
    db = cmd(sub, "db", "database schema", None).add_subparsers(dest="sub", required=True)
    cmd(db, "upgrade", "create or migrate the schema (adopts the seed's tables)", db_upgrade)

    org = cmd(sub, "org", "orgs: headquarters > distributor > agency > branch", None)
    org_sub = org.add_subparsers(dest="sub", required=True)
    a = cmd(org_sub, "add", "add one org", org_add)
    a.add_argument("--type", required=True, choices=ORG_TYPES)
    a.add_argument("--code", required=True, help="dt_id / ag_id / br_id, e.g. BR001")
    a.add_argument("--name", required=True)
    a.add_argument("--parent", help="code of the org above it (required except headquarters)")
    cmd(org_sub, "import", "add orgs from CSV type,code,name,parent_code", org_import).add_argument(
        "file"
    )
    cmd(org_sub, "list", "list orgs", org_list)

    adm = cmd(sub, "admin", "admins (KakaoTalk users acting for an org)", None)
    adm_sub = adm.add_subparsers(dest="sub", required=True)
    a = cmd(adm_sub, "add", "add an admin", admin_add)
    a.add_argument("--kakao-user-id", required=True, help="the KakaoTalk numeric user id")
    numeric_options(a, kakao_user_id="--kakao-user-id")
    a.add_argument("--org", required=True, help="org code")
    a.add_argument("--name", required=True)
    a.add_argument("--mb-id", help="the PHP site's member id (created_by_mb_id)")
    a = cmd(adm_sub, "invite", "print a one-time pairing code for a new admin", admin_invite)
    a.add_argument("--org", required=True, help="org code")
    a.add_argument("--name", required=True)
    a.add_argument("--mb-id", help="the PHP site's member id (created_by_mb_id)")
    a.add_argument(
        "--ttl-hours",
        type=float,
        default=INVITE_TTL.total_seconds() / 3600,
        help="hours the code stays valid",
    )
    cmd(adm_sub, "list", "list admins", admin_list)

    room = cmd(sub, "room", "rooms the bot may send to", None)
    room_sub = room.add_subparsers(dest="sub", required=True)
    a = cmd(room_sub, "add", "register a room", room_add)
    a.add_argument("--room-id", required=True, help="the KakaoTalk numeric chat_id")
    numeric_options(a, room_id="--room-id")
    a.add_argument("--name", required=True)
    a.add_argument("--org", required=True, help="owning org code")
    a.add_argument("--type", default="live", choices=ROOM_TYPES)
    a.add_argument("--device", help="Iris device name (default: the first device)")
    a.add_argument("--standby", help="another Iris device whose account is in the room")
    cmd(room_sub, "list", "list rooms and the devices that can reach them", room_list)

    tok = cmd(sub, "token", "REST API tokens", None).add_subparsers(dest="sub", required=True)
    a = cmd(tok, "create", "create a bearer token (printed once)", token_create)
    a.add_argument("--admin", required=True, metavar="KAKAO_USER_ID")
    a.add_argument("--name", default="api", metavar="LABEL")
    numeric_options(a, admin="--admin")
    add_access_commands(cmd, org=org_sub, admin=adm_sub, room=room_sub, token=tok)
    add_standby_commands(cmd, room=room_sub)
    add_holiday_commands(cmd, sub)
    a = cmd(sub, "web-login", "print a one-time login link to the web page", web_login)
    a.add_argument("--admin", required=True, metavar="KAKAO_USER_ID")
    numeric_options(a, admin="--admin")

    a = cmd(sub, "backup", "write orgs, admins, rooms, schedules, images to FILE", backup_write)
    a.add_argument("file", help="the .tar.gz to write (replaced atomically)")
    a.add_argument("--with-images", action="store_true", help="include the image files")
    a = cmd(sub, "restore", "restore a backup FILE into an empty database", backup_restore)
    a.add_argument("file")
    logs = cmd(sub, "logs", "send logs (kb_schedule_logs)", None)
    logs_sub = logs.add_subparsers(dest="sub", required=True)
    a = cmd(logs_sub, "archive", "move old logs into monthly .jsonl.gz files", logs_archive)
    a.add_argument("--before", required=True, metavar="YYYY-MM", help="archive months before")
    a.add_argument("--dir", help="archive directory (default DATA_DIR/archive)")
    return p


def _load(path: str | None) -> Config:
    if path is None:
        return load_config(DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    return load_config(path)


async def _run(cfg: Config, handler: Handler, args: argparse.Namespace) -> None:
    try:
        async with database(cfg, check_schema=handler is not db_upgrade) as engine:
            await handler(Ctx(cfg, engine, session_factory(engine), SystemClock()), args)
    except SchemaOutOfDate as exc:
        raise CliError(
            f"database schema is at {exc.current or 'nothing'}: run `kbot db upgrade` first"
        ) from None
    except (OperationalError, ProgrammingError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        raise CliError(f"database {safe_url(cfg.database.url)}: {reason}") from None


def _serve(cfg: Config, config_path: str | None) -> int:
    from kbot.bootstrap import init_app
    from web.serve import ServeError, serve

    program = sys.argv[0] if Path(sys.argv[0]).name == "kbot" else "kbot"
    command = shlex.join([program, *(["--config", config_path] if config_path else [])])
    try:
        serve(ensure_secret_key(cfg), init_app, command=command)
    except ServeError as exc:
        print(f"kbot: error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = _load(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"kbot: {exc}", file=sys.stderr)
        return 2
    setup_logging(cfg.logging.level)
    if args.command == "serve":
        return _serve(cfg, getattr(args, "config", None))
    logging.getLogger().setLevel(logging.WARNING)
    try:
        check_numeric(args)
        asyncio.run(_run(cfg, args.handler, args))
    except (StorageError, CliError) as exc:
        print(f"kbot: error: {exc}", file=sys.stderr)
        return 1
    except ServiceError as exc:  # Korean, and complete: it names what it is about
        print(f"kbot: error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
