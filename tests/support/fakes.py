"""Hand-written fakes shared by the tests: a controllable clock (and, further down, the fake
Iris server)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import ClientSession, web
from yarl import URL

from core.clock import Clock
from tests.support.echoes import echo_body, kakao_text


class FakeClock:
    """A clock that moves only when ``advance`` is called.

    ``sleep`` parks the caller until the clock has been advanced past its deadline, so code
    under test waits on fake time, never real time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._mono = 1000.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self._parked = asyncio.Event()  # set whenever a coroutine starts sleeping

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._mono + seconds, fut))
        self._parked.set()
        try:
            await fut
        finally:
            self._sleepers = [(d, f) for d, f in self._sleepers if f is not fut]

    @property
    def sleepers(self) -> int:
        """How many coroutines are parked in ``sleep`` right now."""
        return sum(1 for _, f in self._sleepers if not f.done())

    async def wait_for_sleepers(self, count: int) -> None:
        """Return once at least ``count`` coroutines are parked in ``sleep``."""
        while self.sleepers < count:
            self._parked.clear()
            await self._parked.wait()

    async def advance(self, seconds: float) -> None:
        """Move time forward and let every sleeper whose deadline passed run."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        for deadline, fut in list(self._sleepers):
            if deadline <= self._mono and not fut.done():
                fut.set_result(None)
        for _ in range(5):
            await asyncio.sleep(0)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` without waking sleepers (for setting up a scenario)."""
        self._mono += (when - self._now).total_seconds()
        self._now = when.astimezone(UTC)


ROOM_TYPE_QUERY = "SELECT type FROM chat_rooms WHERE id = ?"


@dataclass(frozen=True)
class IrisCall:
    """One ``POST /reply`` the fake received: its JSON body and the clock's monotonic time."""

    body: dict[str, Any]
    at: float


@dataclass(frozen=True)
class _Scripted:
    kind: Literal["fail", "hang", "slow"]
    status: int = 500
    body: Any = None
    delay_s: float = 0.0


class FakeIris:
    """A fake Iris device on a real port (127.0.0.1, ephemeral), speaking iris.md.

    ``POST /reply`` answers ``{"success": true, "message": "success"}`` and is recorded in
    ``calls`` on arrival (even when it then fails or hangs). Like Iris, a non-numeric room or
    an unknown type answers HTTP 500 ``{"status": false, "message": ...}``. ``GET /config``
    answers with ``bot_id`` (HTTP ``config_status``). Script the next calls with
    ``fail_next`` / ``hang_next`` / ``slow_next``; ``release()`` answers every hanging call.

    ``POST /query`` knows one query, KakaoTalk's room type (``ROOM_TYPE_QUERY``): it answers
    ``{"data": [{"type": ...}]}`` from ``room_types`` (chat id -> "DirectChat", "MultiChat",
    ...), ``{"data": []}`` for a room not in it, and Iris's HTTP 500 error shape for any other
    query or while ``query_error`` is set. Every request body is recorded in ``queries``.

    ``mode``: "silent" (the default) answers ``/reply`` and does nothing more; "echo" then
    posts the bot's own echo of the message (``tests.support.echoes``: the text as KakaoTalk
    shows it, or a photo) to ``echo_to`` (kbot's ``/webhook/iris?token=...``) after
    ``echo_delay_s`` real seconds, recording each body in ``echoes``; "fail" answers every
    ``/reply`` with Iris's HTTP 500 error shape. ``post`` forwards any other event (a
    member's message or 답장, ``tests.support.echoes``) to ``echo_to`` as a device would.
    """

    def __init__(self, clock: Clock | None = None, *, bot_id: str = "9900112233") -> None:
        self.bot_id = bot_id
        self.calls: list[IrisCall] = []
        self.config_calls = 0
        self.holding = 0  # calls left hanging right now (``hang_next``), until ``release()``
        self.config_status = 200
        self.room_types: dict[str, str] = {}
        self.queries: list[dict[str, Any]] = []
        self.query_error: str | None = None
        self.url = ""
        self.mode: Literal["silent", "echo", "fail"] = "silent"
        self.echo_to = ""
        self.echo_delay_s = 0.0
        self.echoes: list[dict[str, Any]] = []
        self._echoing: set[asyncio.Task[None]] = set()
        self._http: ClientSession | None = None
        self._clock = clock
        self._script: deque[_Scripted] = deque()
        self._arrived = asyncio.Condition()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def fail_next(
        self, n: int = 1, *, status: int = 500, message: str = "fake failure", body: Any = None
    ) -> None:
        """Answer the next ``n`` calls with ``status`` and ``body`` (a str is sent as text;
        default: Iris's error shape with ``message``)."""
        body = {"status": False, "message": message} if body is None else body
        self._script.extend(_Scripted("fail", status=status, body=body) for _ in range(n))

    def hang_next(self, n: int = 1) -> None:
        """Leave the next ``n`` calls unanswered until ``release()``."""
        self._script.extend(_Scripted("hang") for _ in range(n))

    def slow_next(self, n: int = 1, *, delay_s: float) -> None:
        """Answer the next ``n`` calls successfully after ``delay_s`` real seconds."""
        self._script.extend(_Scripted("slow", delay_s=delay_s) for _ in range(n))

    def release(self) -> None:
        self._release.set()
        self._release = asyncio.Event()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [call.body for call in self.calls]

    async def wait_for_calls(self, n: int) -> list[IrisCall]:
        """Wait until at least ``n`` calls arrived (the 5 s limit only guards against a hang)."""
        async with asyncio.timeout(5), self._arrived:
            await self._arrived.wait_for(lambda: len(self.calls) >= n)
        return list(self.calls)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/reply", self._reply)
        app.router.add_get("/config", self._config)
        app.router.add_post("/query", self._query)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        self.release()
        for task in list(self._echoing):
            task.cancel()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeIris:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _reply(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        now = self._clock.monotonic() if self._clock else asyncio.get_running_loop().time()
        async with self._arrived:
            self.calls.append(IrisCall(body, now))
            self._arrived.notify_all()
        if not str(body.get("room", "")).isdigit():
            return _iris_error(f'For input string: "{body.get("room")}"')
        if body.get("type", "text") not in ("text", "image", "image_multiple"):
            return _iris_error("Failed to convert request body to class ReplyRequest")
        step = self._script.popleft() if self._script else None
        if step is None and self.mode == "fail":
            return _iris_error("fake Iris: fail mode")
        if step is not None and step.kind == "fail":
            if isinstance(step.body, str):
                return web.Response(status=step.status, text=step.body)
            return web.json_response(step.body, status=step.status)
        if step is not None and step.kind == "hang":
            self.holding += 1
            try:
                await self._release.wait()
            finally:
                self.holding -= 1
        if step is not None and step.kind == "slow":
            await asyncio.sleep(step.delay_s)
        if self.mode == "echo":
            task = asyncio.create_task(self._echo(body))
            self._echoing.add(task)
            task.add_done_callback(self._echoing.discard)
        return web.json_response({"success": True, "message": "success"})

    async def _echo(self, sent: dict[str, Any]) -> None:
        """Post the bot's own echo of ``sent`` to ``echo_to`` (after this answer went out)."""
        await asyncio.sleep(self.echo_delay_s)
        at = self._clock.now() if self._clock else datetime.now(UTC)
        room = str(sent["room"])
        if sent.get("type", "text") == "text":
            body = echo_body(room, bot_id=self.bot_id, at=at, text=kakao_text(str(sent["data"])))
        else:
            body = echo_body(room, bot_id=self.bot_id, at=at)
        self.echoes.append(body)
        if self._http is None:
            self._http = ClientSession()
        async with self._http.post(self.echo_to, json=body) as response:
            await response.read()

    async def post(self, body: dict[str, Any], *, device: str | None = None) -> int:
        """POST ``body`` (e.g. ``echoes.reply_body`` or ``member_message_body``) to kbot's
        webhook ``echo_to`` as this device forwards a room's message (``device``: the URL's
        ``&device=`` parameter, as a second Iris device's URL carries); the HTTP status."""
        url = URL(self.echo_to)
        if device is not None:
            url = url.update_query(device=device)
        if self._http is None:
            self._http = ClientSession()
        async with self._http.post(url, json=body) as response:
            await response.read()
            return response.status

    async def _query(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.queries.append(body)
        if self.query_error is not None:
            return _iris_error(self.query_error)
        if " ".join(str(body.get("query")).split()) != ROOM_TYPE_QUERY:
            return _iris_error(f"fake Iris does not know the query {body.get('query')!r}")
        match body.get("bind"):
            case [str(chat_id)]:
                known = chat_id in self.room_types
                rows = [{"type": self.room_types[chat_id]}] if known else []
                return web.json_response({"data": rows})
            case bind:
                return _iris_error(f"bad bind {bind!r}")

    async def _config(self, request: web.Request) -> web.StreamResponse:
        self.config_calls += 1
        config = {
            "bot_name": "fake-iris",
            "bot_http_port": 3000,
            "web_server_endpoint": "",
            "db_polling_rate": 100,
            "message_send_rate": 50,
            "bot_id": self.bot_id,
        }
        return web.json_response(config, status=self.config_status)


def _iris_error(message: str) -> web.Response:
    return web.json_response({"status": False, "message": message}, status=500)
