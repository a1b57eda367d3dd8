"""The client's address behind trusted reverse proxies (``server.trusted_proxies``): the rule
(``client_address``), and over real HTTP the webhooks' ``bot.allow_networks`` and loopback
rule, and the short links' visitors, which read the address the proxy saw only when the peer
is a trusted proxy. The test client connects from 127.0.0.1: here, the proxy on kbot's
host."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Config
from storage.engagement_models import LinkClick, ShortLink
from tests.support.api import Api, make_api
from tests.support.command_world import ROOMS, START
from tests.support.fakes import FakeClock
from tests.web import test_webhooks
from tests.web.test_webhooks import TOKEN, Client, EchoHandler, iris_body, settle, start, with_bot
from web.client_address import client_address, networks

clock = test_webhooks.clock  # test_webhooks' fixture, found by pytest under this name

PROXIES = networks(["10.0.0.0/8", "127.0.0.1/32"])
HOOK = f"/webhook/iris?token={TOKEN}"
CODE, URL = "abcdefghij", "https://example.com/sale"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Version/17.2 Safari"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),  # not a proxy: its header is ignored
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", [], "10.0.0.2"),  # the proxy speaking for itself
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # a forged hop is left of it
        ("10.0.0.2", ["198.51.100.1, 10.0.0.9"], "198.51.100.1"),  # two proxies
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1, 10.0.0.9"], "198.51.100.1"),  # two headers
        ("10.0.0.2", ["10.0.0.5, 10.0.0.9"], "10.0.0.5"),  # every hop a proxy: the leftmost
        ("10.0.0.2", [" ::ffff:198.51.100.1 "], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1:4431"], ""),  # not a plain address: unknown
        ("10.0.0.2", ["unknown"], ""),
        ("10.0.0.2", ["6.6.6.6, garbage, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1, "], ""),
        ("::ffff:127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
        (None, ["198.51.100.1"], ""),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str | None, forwarded: list[str], client: str
) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


def behind_proxy(cfg: Config, **bot: Any) -> Config:
    cfg = with_bot(cfg, **bot)
    server = cfg.server.model_copy(update={"trusted_proxies": ["127.0.0.1/32"]})
    return cfg.model_copy(update={"server": server})


async def test_allow_networks_see_the_client_the_trusted_proxy_forwards_for(
    cfg: Config, engine: AsyncEngine, clock: FakeClock, aiohttp_client: Client
) -> None:
    allowed = {"allow_networks": ["198.51.100.0/24"]}
    client = await start(aiohttp_client, behind_proxy(cfg, **allowed), clock, EchoHandler())
    body = iris_body("text_command")
    for forwarded, status in (("198.51.100.7", 200), ("203.0.113.7", 403), ("bad", 403)):
        answer = await client.post(HOOK, json=body, headers={"X-Forwarded-For": forwarded})
        assert answer.status == status, forwarded
    assert (await client.post(HOOK, json=body)).status == 403  # the proxy itself: not listed
    await settle(client)
    plain = await start(aiohttp_client, with_bot(cfg, **allowed), clock, EchoHandler())
    answer = await plain.post(HOOK, json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    assert answer.status == 403  # no trusted proxy: anyone could write the header
    await settle(plain)


async def test_without_a_token_a_forwarded_client_is_not_loopback(
    cfg: Config, engine: AsyncEngine, clock: FakeClock, aiohttp_client: Client
) -> None:
    handler = EchoHandler()
    open_cfg = behind_proxy(cfg, webhook_token=SecretStr(""))
    client = await start(aiohttp_client, open_cfg, clock, handler)
    body = iris_body("text_command")
    answer = await client.post("/webhook/iris", json=body, headers={"X-Forwarded-For": "8.8.8.8"})
    assert answer.status == 403  # the proxy on kbot's host no longer makes everyone loopback
    assert (await client.post("/webhook/iris", json=body)).status == 200
    await settle(client)
    assert len(handler.events) == 1


async def test_link_visitors_behind_a_trusted_proxy_are_told_apart(
    cfg: Config, sessions: Any, aiohttp_client: Any
) -> None:
    async def clicks_from(api: Api, *addresses: str) -> int:  # the clicks counted after
        for address in addresses:
            answer = await api.client.get(
                f"/r/{CODE}",
                headers={"User-Agent": BROWSER, "X-Forwarded-For": address},
                allow_redirects=False,
            )
            assert answer.status == 302
        async with sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(LinkClick)) or 0)

    api = await make_api(aiohttp_client, behind_proxy(cfg), sessions)
    async with sessions.begin() as s:
        s.add(ShortLink(code=CODE, schedule_id=1, room_id=ROOMS["BR1"], url=URL,
                        url_hash=hashlib.sha256(URL.encode()).hexdigest(),
                        created_at=START.replace(tzinfo=None)))  # fmt: skip
    # one browser model, two people behind the proxy (kbot once saw the proxy twice: one
    # visitor); the first person again within the window is no new click
    assert await clicks_from(api, "198.51.100.1", "198.51.100.2", "198.51.100.1") == 2
