"""The one visibility rule of send-log rows (``services.logs.visible_to``), asked through every
door: a row is visible to an admin who may see its schedule or the room it went to.

The tree is ``build_world``'s: HQ > DT1 > AG1 > {BR1, BR2}, and HQ > DT2 > AG2 > BR3. For
each (viewer, row) the table says whether the viewer sees the row; the chat's ``!스케줄 로그``,
``GET /api/logs/send``, ``GET /api/schedules/{id}/logs``, the ``/logs`` page and the
statistics (``/api/stats``, ``/stats``: test sends left out) must all agree with it, on SQLite
and MariaDB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.kbot_models import Occurrence
from tests.support.api import Api, make_api
from tests.support.command_world import ROOMS, USERS, context, event
from tests.support.pages import Site, add_log, add_schedule, make_site

UNREGISTERED = "555000000000000"
VIEWERS = ("HQ", "AG1", "BR1", "BR2")  # the API's token holders


@dataclass(frozen=True)
class Row:
    name: str  # written as the row's error message, which every door shows
    schedule: str  # the org whose room the schedule sends to
    room: str  # the chat id the row went to
    kind: str  # scheduled | manual | test
    seen_by: frozenset[str]


def row(name: str, schedule: str, room: str, kind: str, *seen_by: str) -> Row:
    return Row(name, schedule, room, kind, frozenset(seen_by))


TABLE = (
    row("br1-scheduled", "BR1", ROOMS["BR1"], "scheduled", "HQ", "AG1", "BR1"),
    # the divergence of issue 13: BR2 sees it by its room, BR1 by its schedule
    row("hq-test-into-br2", "BR1", ROOMS["BR2"], "test", "HQ", "AG1", "BR1", "BR2"),
    # a schedule whose room moved: its owner still sees where it went
    row("br1-into-unregistered", "BR1", UNREGISTERED, "manual", "HQ", "AG1", "BR1"),
    row("br3-scheduled", "BR3", ROOMS["BR3"], "scheduled", "HQ"),
    row("hq-test-of-br3-into-br1", "BR3", ROOMS["BR1"], "test", "HQ", "AG1", "BR1"),
    row("br3-into-br2", "BR3", ROOMS["BR2"], "manual", "HQ", "AG1", "BR2"),
)
# who may see each schedule (its room's org in the viewer's subtree)
SCHEDULE_SEEN_BY = {"BR1": {"HQ", "AG1", "BR1"}, "BR3": {"HQ"}}


@dataclass
class World:
    api: Api
    site: Site
    cfg: Config
    sessions: async_sessionmaker[AsyncSession]
    schedules: dict[str, int]  # org -> schedule id
    ids: dict[int, str]  # log id -> row name


async def world(cfg: Config, sessions: Any, aiohttp_client: Any) -> World:
    api = await make_api(aiohttp_client, cfg, sessions)  # builds the org tree too
    site = await make_site(cfg, sessions, aiohttp_client)
    schedules = {
        org: await add_schedule(sessions, f"{org} 공지", ROOMS[org]) for org in SCHEDULE_SEEN_BY
    }
    ids: dict[int, str] = {}
    for minute, entry in enumerate(TABLE):
        at = datetime(2026, 11, 25, 9, minute)  # yesterday, inside every stats window
        schedule_id = schedules[entry.schedule]
        log_id = await add_log(sessions, schedule_id, entry.room, "failed", at, entry.name)
        ids[log_id] = entry.name
        if entry.kind != "scheduled":
            async with sessions.begin() as s:
                s.add(
                    Occurrence(
                        schedule_id=schedule_id,
                        scheduled_at=at,
                        kind=entry.kind,
                        target_room_id=entry.room,
                        state="done",
                        log_id=log_id,
                        created_at=at,
                    )
                )
    return World(api, site, cfg, sessions, schedules, ids)


def expected(viewer: str, schedule: str | None = None) -> set[str]:
    return {
        entry.name
        for entry in TABLE
        if viewer in entry.seen_by and schedule in (None, entry.schedule)
    }


def shown_in(text: str) -> set[str]:
    return {entry.name for entry in TABLE if entry.name in text}


async def api_names(w: World, path: str, viewer: str) -> set[str]:
    status, body = await w.api.call("GET", f"{path}?per_page=100", viewer)
    assert status == 200, body
    assert body["total"] == len(body["logs"])
    return {w.ids[item["id"]] for item in body["logs"]}


async def chat_reply(w: World, viewer: str, text: str) -> str:
    ctx, _, _ = context(w.cfg, w.sessions)
    replies = await handle_event(ctx, event(text, user=USERS[viewer], room=ROOMS[viewer])) or []
    return "\n".join(replies)


async def test_every_door_agrees_with_the_table(
    cfg: Config, sessions: Any, aiohttp_client: Any
) -> None:
    w = await world(cfg, sessions, aiohttp_client)
    for viewer in VIEWERS:
        visible = expected(viewer)
        assert await api_names(w, "/api/logs/send", viewer) == visible, viewer

        await w.site.login(viewer)
        status, html = await w.site.get("/logs")
        assert status == 200
        assert (shown_in(html), html.count('class="row log')) == (visible, len(visible)), viewer

        counted = sum(1 for e in TABLE if e.name in visible and e.kind != "test")
        status, body = await w.api.call("GET", "/api/stats", viewer)
        assert sum(room["total"] for room in body["rooms"]) == counted, viewer
        _, html = await w.site.get("/stats")
        assert f"발송 {counted}건" in html, viewer

        for org, schedule_id in w.schedules.items():
            path = f"/api/schedules/{schedule_id}/logs"
            reply = await chat_reply(w, viewer, f"!스케줄 로그 {schedule_id}")
            if viewer in SCHEDULE_SEEN_BY[org]:
                assert await api_names(w, path, viewer) == expected(viewer, org), (viewer, org)
                assert shown_in(reply) == expected(viewer, org), (viewer, org)
            else:  # not told the schedule exists, whatever of its rows the viewer may see
                status, body = await w.api.call("GET", path, viewer)
                assert (status, body["error"]["code"]) == (404, "not_found")
                assert "없거나 볼 권한이 없습니다" in reply and not shown_in(reply)
