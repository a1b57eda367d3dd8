"""Standby failover at the CLI: ``kbot room standby CHAT_ID NAME [--remove]``, the device
options of ``kbot room add`` (``--device``, ``--standby``) and the devices column of
``kbot room list``. The rules are ``services.standby``'s; each command prints one line."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.iris.build import iris_devices
from kbot.cli_support import CliError, Command, Ctx, SubParsers, numeric_options
from services.access_views import Changed
from services.errors import ServiceError
from services.standby import StandbyService, StandbyView
from storage.kbot_models import Room


def standby_service(ctx: Ctx) -> StandbyService:
    return StandbyService(ctx.sessions, ctx.clock, iris_devices(ctx.cfg))


def check_room_devices(ctx: Ctx, device: str | None, standby: str | None) -> None:
    """``kbot room add``'s ``--device`` and ``--standby``, checked before the room is added."""
    service = standby_service(ctx)
    try:
        own = service.device(device, "device") if device is not None else None
    except ServiceError as exc:
        raise CliError(f"--device: {exc.message}") from None
    try:
        if standby is not None:
            service.check_member(own, standby)
    except ServiceError as exc:
        raise CliError(f"--standby: {exc.message}") from None


async def add_standby(ctx: Ctx, chat_id: str, standby: str | None) -> None:
    """``kbot room add --standby NAME``, once the room is added."""
    if standby is not None:
        say(await standby_service(ctx).add(chat_id, standby), removed=False)


async def devices_of(ctx: Ctx) -> Callable[[Room], str]:
    """``kbot room list``'s devices of a room: its own device first, then each device known
    to be in it with how it is known, e.g. ``default, phone2 (seen)``."""
    service = standby_service(ctx)
    members = await service.members()

    def cell(room: Room) -> str:
        own = service.own_device(room)
        others = [f"{d} ({how})" for d, how in members.get(room.chat_id, []) if d != own]
        return ", ".join([own, *others])

    return cell


async def room_standby(ctx: Ctx, args: argparse.Namespace) -> None:
    service = standby_service(ctx)
    try:
        service.device(args.name, "standby")
    except ServiceError as exc:
        raise CliError(f"NAME: {exc.message}") from None
    change = service.remove if args.remove else service.add
    say(await change(args.chat_id, args.name), removed=args.remove)


def say(result: Changed[StandbyView], *, removed: bool) -> None:
    v = result.value
    room = f"room {v.chat_id} ({v.room_name})"
    if removed:
        if result.changed:
            print(f"{room}: device {v.member} forgotten: it no longer takes this room over")
        else:
            print(f"{room}: device {v.member} was not known to be in it: nothing changed")
        return
    known = "recorded as in the room" if result.changed else "already known to be in the room"
    if v.standby == v.member:
        print(f"{room}: device {v.member} {known}: it takes over while {v.device} is paused")
    else:
        standby = f"is {v.standby}" if v.standby else "is not set"
        print(
            f"{room}: device {v.member} {known}; {v.device}'s standby {standby}, "
            f"so {v.member} does not take this room over"
        )


def add_standby_commands(cmd: Command, *, room: SubParsers) -> None:
    """``kbot room standby``."""
    a = cmd(room, "standby", "record that a device's account is in a room (failover)", room_standby)
    a.add_argument("chat_id", metavar="CHAT_ID")
    a.add_argument("name", metavar="NAME", help="the Iris device (bot.iris) in the room")
    a.add_argument("--remove", action="store_true", help="forget it (the account left)")
    numeric_options(a, chat_id="CHAT_ID")
