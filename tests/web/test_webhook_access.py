"""Who may call the webhooks: allowed networks, loopback without a token, the access rule,
and the memory of recent event ids."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import BotConfig, Config
from tests.support.fakes import FakeClock
from tests.web import test_webhooks
from tests.web.test_webhooks import TOKEN, Client, EchoHandler, iris_body, settle, start, with_bot
from web.webhooks.guard import Refused, check_access
from web.webhooks.state import RecentIds

# test_webhooks' fixtures, found by pytest under these names
db_url = test_webhooks.db_url
fake_iris = test_webhooks.fake_iris
clock = test_webhooks.clock
handler = test_webhooks.handler
iris_client = test_webhooks.iris_client


async def test_without_a_token_only_loopback_is_served(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    aiohttp_client: Client,
) -> None:
    handler = EchoHandler()
    client = await start(aiohttp_client, with_bot(cfg, webhook_token=SecretStr("")), clock, handler)
    resp = await client.post("/webhook/iris", json=iris_body("text_command"))
    assert resp.status == 200  # the test client connects from 127.0.0.1
    await settle(client)
    assert len(handler.events) == 1


@pytest.mark.parametrize(
    ("remote", "presented", "token", "networks", "status"),
    [
        ("127.0.0.1", None, "", [], None),
        ("::1", None, "", [], None),
        ("::ffff:127.0.0.1", None, "", [], None),
        ("192.168.0.7", None, "", [], 403),
        ("192.168.0.7", TOKEN, TOKEN, [], None),
        ("192.168.0.7", "wrong", TOKEN, [], 401),
        ("192.168.0.7", TOKEN, TOKEN, ["192.168.0.0/24"], None),
        ("192.168.1.7", TOKEN, TOKEN, ["192.168.0.0/24"], 403),
        (None, TOKEN, TOKEN, ["192.168.0.0/24"], 403),
        ("192.168.0.7", "토큰", TOKEN, [], 401),
        ("192.168.0.7", "\udcff\udcfe", TOKEN, [], 401),  # header bytes that are not UTF-8
        ("192.168.0.7", "\ud800", TOKEN, [], 401),
    ],
)
def test_access_rule(
    remote: str | None,
    presented: str | None,
    token: str,
    networks: list[str],
    status: int | None,
) -> None:
    bot = BotConfig(webhook_token=SecretStr(token), allow_networks=networks)
    if status is None:
        check_access(remote, presented, bot)
    else:
        with pytest.raises(Refused) as refused:
            check_access(remote, presented, bot)
        assert refused.value.status == status


def test_recent_ids_forget_the_oldest() -> None:
    recent = RecentIds(capacity=3)
    assert [recent.seen(k) for k in "abca"] == [False, False, False, True]
    assert recent.seen("d") is False  # evicts b, the least recently seen
    assert len(recent) == 3
    assert recent.seen("b") is False
    assert recent.seen("a") is True


# --- /webhook/kakao-skill --------------------------------------------------------------
