"""Schemathesis against the app's own OpenAPI document, as README's command runs it: a real
server on a real port (aiohttp's test server), a token made with the project's helpers, the
checks of ``schemathesis.toml`` (all but positive_data_acceptance, see there) and a few
examples per operation. A 5xx, a status, header or body the document does not describe, a
request the document forbids that the server accepts, or an unreachable server fails it."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from sqlalchemy import select

from core.config import Config
from storage import tokens
from storage.kbot_models import ApiToken
from tests.support.api import make_api

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
EXAMPLES = 4  # per operation and generation mode: a bounded run, about half a minute
SEED = 11  # a failure here is repeatable
# DELETE /api/tokens/{id} revokes the caller's own token (Schemathesis finds its id through
# GET /api/tokens): the token operations run with a token of their own, so that every other
# operation is tested with a live token to the end
TOKEN_PATHS = "^/api/tokens"


def run_schemathesis(
    openapi_url: str, token: str, token_ops_token: str | None = None
) -> tuple[list[str], int]:
    """Every problem Schemathesis reports (one line each) and the number of checks that ran;
    ``token_ops_token`` (else ``token``) for the ``/api/tokens`` operations."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    settings["seed"] = SEED
    settings["cache"] = {"enabled": False}  # no replays of other runs, no files written
    settings["headers"] = {"Authorization": f"Bearer {token}"}
    settings["generation"] = {**settings.get("generation", {}), "max-examples": EXAMPLES}
    if token_ops_token is not None:
        settings["operations"] = [
            {
                "include-path-regex": TOKEN_PATHS,
                "headers": {"Authorization": f"Bearer {token_ops_token}"},
            }
        ]
    schema = schemathesis.openapi.from_url(
        openapi_url, config=SchemathesisConfig.from_dict(settings)
    )
    problems: list[str] = []
    checked = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    checked += 1
                    if node.status != Status.SUCCESS and node.failure_info is not None:
                        failure = node.failure_info.failure
                        problems.append(f"{failure.operation}: {failure.title}: {failure.message}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{type(event).__name__}: {event.info.format()}")
        elif isinstance(event, events.FatalError):  # carries the exception, no ``info``
            problems.append(f"{type(event).__name__}: {event.exception!r}")
    return problems, checked


def without_room_gaps(cfg: Config) -> Config:
    """Sends now answer at once instead of waiting out room_min_interval_s."""
    scheduler = cfg.scheduler.model_copy(update={"room_min_interval_s": 0})
    return cfg.model_copy(update={"scheduler": scheduler})


async def test_schemathesis_finds_no_server_error_and_no_schema_gap(
    cfg: Config, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, without_room_gaps(cfg), sessions)
    url = str(api.client.make_url("/api/openapi.json"))
    problems, checked = await asyncio.to_thread(
        run_schemathesis, url, api.tokens["HQ"], api.tokens["BR2"]
    )
    assert problems == []
    assert checked > 1000  # it did test: every operation, several checks per response
    async with api.sessions() as s:
        run = await s.scalar(
            select(ApiToken).where(ApiToken.token_hash == tokens.digest(api.tokens["HQ"]))
        )
    assert run is not None and run.revoked_at is None  # the run's token lived to the end
