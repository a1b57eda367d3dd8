"""``/healthz``'s standby report stays bounded: hundreds of rooms are counted, and at most
``LIST_LIMIT`` of those with a problem are listed."""

from __future__ import annotations

import aiohttp

from bot.iris.client import IrisDevice, IrisSender
from bot.iris.standby import RoomReach
from storage.room_devices import SEEN
from tests.support.fakes import FakeClock
from web.ops.room_reach import LIST_LIMIT, standby_report


async def test_hundreds_of_rooms_are_counted_and_a_few_listed() -> None:
    devices = [
        IrisDevice("default", "http://127.0.0.1:1", standby="phone2"),
        IrisDevice("phone2", ""),
    ]
    reach = RoomReach(devices)
    reach.rooms = tuple(str(1000 + n) for n in range(300))
    for room in reach.rooms[:100]:
        reach.note(room, "phone2", SEEN)
    async with aiohttp.ClientSession() as http:
        report = standby_report(IrisSender(http, devices, FakeClock()), reach)
    assert report["rooms"] == 300
    assert report["reach"] == {"default": 300, "phone2": 100}
    assert report["held"] == {}
    assert report["waiting"] == {"count": 0, "rooms": [], "listed_at_most": LIST_LIMIT}
    without = report["without_standby"]
    assert isinstance(without, dict) and without["count"] == 200
    assert without["rooms"][0] == {"room_id": "1100", "devices": {"default": "own"}}
    assert len(without["rooms"]) == LIST_LIMIT
