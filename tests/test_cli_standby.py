"""Standby failover at the ``kbot`` CLI, on both backends: ``kbot room add --standby`` and
``kbot room standby`` record that a device's account is in a room (audited), unknown device
names are refused naming the option and the configured devices, and ``kbot room list``
shows the devices that can reach each room."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import SystemClock
from storage import room_devices
from storage.kbot_models import Room, RoomDevice
from tests.test_cli_access import Kbot, audit, ok, query, refused, row

CONFIG = """
[bot.iris]
standby = "phone2"

[[bot.iris.devices]]
name = "phone2"
url = "http://127.0.0.1:3001"

[[bot.iris.devices]]
name = "phone3"
url = "http://127.0.0.1:3002"
"""
ADD = ("room", "add", "--room-id", "888", "--name", "공지방", "--org", "HQ")


@pytest.fixture
def setup(kbot: Kbot, tmp_path: Path) -> None:
    """Three Iris devices ("default", whose standby is "phone2", "phone3"), org HQ, room 777."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    ok(kbot, "db", "upgrade")
    ok(kbot, "org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")
    ok(kbot, "room", "add", "--room-id", "777", "--name", "지점방", "--org", "HQ")


def listed(kbot: Kbot) -> dict[str, str]:
    """``kbot room list``: chat_id -> its devices cell."""
    header, *rows = (re.split(r"\s{2,}", line) for line in ok(kbot, "room", "list").splitlines())
    column = header.index("devices")
    return {cells[0]: cells[column] for cells in rows}


def pair(room: str, device: str) -> tuple[str, str] | None:
    found = row(RoomDevice, room_id=room, device=device)
    return None if found is None else (found.source, found.device)


def test_room_add_with_a_standby(kbot: Kbot, setup: None) -> None:
    out = ok(kbot, *ADD, "--standby", "phone2")
    assert out.splitlines() == [
        "room 888 (live) added for org HQ: 공지방",
        "room 888 (공지방): device phone2 recorded as in the room: it takes over while default "
        "is paused",
    ]
    assert pair("888", "phone2") == ("operator", "phone2")
    assert audit("room", "888") == [("create", "cli"), ("standby_add", "cli")]
    assert listed(kbot) == {"777": "default", "888": "default, phone2 (operator)"}


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (("--standby", "phone9"), "--standby: 'phone9': "),
        (("--device", "phone9"), "--device: 'phone9': "),
        (("--standby", "default"), "--standby: 'default': "),
        (("--device", "phone3", "--standby", "phone3"), "--standby: 'phone3': "),
    ],
)
def test_room_add_refuses_a_bad_device_and_adds_nothing(
    kbot: Kbot, setup: None, options: tuple[str, ...], says: str
) -> None:
    err = refused(kbot, *ADD, *options)
    assert err.startswith(f"kbot: error: {says}")
    if "phone9" in says:
        assert "(기기: default, phone2, phone3)" in err
    assert row(Room, chat_id="888") is None
    assert row(RoomDevice, room_id="888") is None


def test_room_standby_on_an_existing_room(kbot: Kbot, setup: None) -> None:
    out = ok(kbot, "room", "standby", "777", "phone2")
    assert out == (
        "room 777 (지점방): device phone2 recorded as in the room: it takes over while default "
        "is paused\n"
    )
    out = ok(kbot, "room", "standby", "777", "phone3")
    assert out == (
        "room 777 (지점방): device phone3 recorded as in the room; default's standby is phone2, "
        "so phone3 does not take this room over\n"
    )
    again = ok(kbot, "room", "standby", "777", "phone2")
    assert "already known to be in the room" in again
    assert listed(kbot) == {"777": "default, phone2 (operator), phone3 (operator)"}

    out = ok(kbot, "room", "standby", "777", "phone3", "--remove")
    assert out == "room 777 (지점방): device phone3 forgotten: it no longer takes this room over\n"
    out = ok(kbot, "room", "standby", "777", "phone3", "--remove")
    assert out == "room 777 (지점방): device phone3 was not known to be in it: nothing changed\n"
    assert pair("777", "phone3") is None and pair("777", "phone2") == ("operator", "phone2")
    assert [action for action, _ in audit("room", "777")] == [
        "create",
        "standby_add",
        "standby_add",
        "standby_remove",
    ]


def test_room_standby_refusals(kbot: Kbot, setup: None) -> None:
    err = refused(kbot, "room", "standby", "777", "phone9")
    assert err.startswith("kbot: error: NAME: 'phone9': ") and "default, phone2, phone3" in err
    assert "999" in refused(kbot, "room", "standby", "999", "phone2")  # not registered
    assert "'default'" in refused(kbot, "room", "standby", "777", "default")  # its own device
    assert "CHAT_ID" in refused(kbot, "room", "standby", "지점방", "phone2")
    assert row(RoomDevice, room_id="777") is None


def test_room_list_shows_devices_seen_in_each_room(kbot: Kbot, setup: None) -> None:
    ok(
        kbot,
        "room",
        "add",
        "--room-id",
        "999",
        "--name",
        "폰2방",
        "--org",
        "HQ",
        "--device",
        "phone2",
    )

    async def seen(s: AsyncSession) -> None:
        at = SystemClock().now()
        for room, device in (("777", "phone2"), ("999", "phone2"), ("999", "default")):
            await room_devices.note_seen(s, room, device, at=at)
        await room_devices.note_seen(s, "777", "retired", at=at)  # no longer configured

    query(seen)
    assert listed(kbot) == {"777": "default, phone2 (seen)", "999": "phone2, default (seen)"}
