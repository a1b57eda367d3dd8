"""The ``standby`` part of ``GET /healthz`` (Iris transport): which devices can reach the
active rooms, and which rooms wait.

A room is reached by its own device and by every device known to be in it (seen through that
device's webhook URL, or told by the operator: ``bot.iris.standby``). While a device is held
(breaker pause, budgets), its rooms go to its standby when the standby is known to be in
them; the others wait for it. A network has hundreds of rooms, so rooms are listed only when
something is wrong, at most ``LIST_LIMIT`` of each kind, with their full count:
``waiting`` (their device is held and no standby can take them) and ``without_standby``
(their device has a standby that is not known to be in the room: they would wait).
"""

from __future__ import annotations

from collections import Counter

from bot.iris.client import IrisSender
from bot.iris.standby import RoomReach

LIST_LIMIT = 20


def standby_report(iris: IrisSender, reach: RoomReach) -> dict[str, object]:
    held = {d.name: iris.held_s(d.name) for d in iris.devices if iris.held_s(d.name) > 0}
    reaching: Counter[str] = Counter()
    waiting: list[dict[str, object]] = []
    without: list[dict[str, object]] = []
    for room in reach.rooms:
        own = iris.device_for(room)
        devices = {own: "own", **{d: how for d, how in reach.members(room).items() if d != own}}
        reaching.update(devices.keys())
        if reach.standby_for(room, own) is not None:
            continue
        entry: dict[str, object] = {"room_id": room, "devices": devices}
        if own in held:
            waiting.append(entry)
        elif own in reach.standby:
            without.append(entry)
    return {
        "rooms": len(reach.rooms),
        "reach": {name: reaching[name] for name in reach.names},
        "held": {
            name: {"held_s": round(held_s, 1), "standby": reach.standby.get(name) or None}
            for name, held_s in held.items()
        },
        "waiting": _listed(waiting),
        "without_standby": _listed(without),
    }


def _listed(rooms: list[dict[str, object]]) -> dict[str, object]:
    return {"count": len(rooms), "rooms": rooms[:LIST_LIMIT], "listed_at_most": LIST_LIMIT}
