"""``kbot serve``: warn about settings a phone cannot work with, bind the port before anything
starts (``web.listen``), then run the app until SIGINT/SIGTERM. Once it really listens, log
"listening" and tell the person at the terminal where the web page is and, while there is no
admin yet, how to create the first one.

aiohttp calls ``print`` only after every site has started, so that is where the address is
announced; the admin check runs at start-up, after the database context opened.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from core.config import Config
from storage import admins, orgs
from storage.migrate import SchemaOutOfDate
from web import keys
from web.listen import ListenError, host_port, is_loopback, listen_sockets

log = logging.getLogger("kbot.app")
AppFactory = Callable[[Config], Awaitable[web.Application]]
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104  (recognised, not bound here)


class ServeError(Exception):
    """Why ``kbot serve`` cannot run, in one line for the operator."""


def say(line: str) -> None:
    print(line, flush=True)  # at once, also when stdout is a pipe (systemd, make)


def serve(
    cfg: Config,
    build: AppFactory,
    *,
    command: str = "kbot",
    out: Callable[[str], None] = say,
) -> None:
    """Serve the app ``build`` makes (``kbot.bootstrap.init_app``) until SIGINT/SIGTERM;
    aiohttp then stops accepting, runs the cleanup contexts (scheduler drained first, engine
    last) and exits. ``command`` is how the person runs ``kbot`` (for the first-admin hint);
    ``out`` prints to them."""
    for warning in unreachable_from_phone(cfg):
        log.warning("%s", warning)
    try:
        sockets = listen_sockets(cfg.server.host, cfg.server.port)
    except ListenError as exc:
        raise ServeError(str(exc)) from None
    banner = Banner(cfg, command, out)
    try:
        web.run_app(
            _app(cfg, build, banner),
            sock=sockets,
            print=banner.show,
            access_log=None,
            shutdown_timeout=30,
        )
    except SchemaOutOfDate as exc:
        raise ServeError(str(exc)) from None
    finally:
        for sock in sockets:
            sock.close()


def unreachable_from_phone(cfg: Config) -> list[str]:
    """With the Iris transport, the settings a phone cannot reach: a loopback ``server.host``
    (Iris cannot post to the webhook, unless a proxy on this host forwards to kbot) and a
    loopback ``server.public_url`` (links the bot sends do not open on phones)."""
    if cfg.bot.transport != "iris":
        return []
    found = []
    if is_loopback(cfg.server.host):
        found.append(
            f"server.host is {cfg.server.host}, a loopback address: the Iris phone cannot "
            "reach /webhook/iris unless a proxy on this host forwards to kbot; listen on an "
            "address of the private network (see README, 'Connecting the bot')"
        )
    if is_loopback(urlsplit(cfg.server.public_url).hostname or ""):
        found.append(
            f"server.public_url is {cfg.server.public_url}, a loopback address: links the bot "
            "sends (web login) will not open on phones; set it to the address people reach "
            "kbot at"
        )
    return found


@dataclass
class Banner:
    """What ``kbot serve`` tells the person who started it, once it listens."""

    cfg: Config
    command: str
    out: Callable[[str], None]
    no_admin_yet: bool = False
    top_org: str | None = None
    lines: list[str] = field(default_factory=list)

    async def look(self, app: web.Application) -> None:
        """Whether there is an admin yet (at start-up, once the database is open)."""
        async with app[keys.SESSIONS]() as session:
            self.no_admin_yet = not await admins.any_admin(session)
            if self.no_admin_yet:
                tops = [o.code for o in await orgs.list_orgs(session) if o.parent_id is None]
                self.top_org = tops[0] if tops else None

    def show(self, _aiohttp_banner: str) -> None:
        server = self.cfg.server
        log.info("kbot listening on http://%s", host_port(server.host, server.port))
        url = self.web_url()
        self.lines = [f"kbot web: {url}  (health: {url}/healthz; settings: README.md)"]
        if server.public_url != url:
            self.lines.append(f"links the bot sends start with {server.public_url}")
        if self.no_admin_yet:
            self.lines += self._first_admin()
        for line in self.lines:
            self.out(line)

    def web_url(self) -> str:
        """The address to open: where kbot listens, or ``public_url`` when it listens on
        every address."""
        server = self.cfg.server
        if server.host in WILDCARD_HOSTS:
            return server.public_url
        return f"http://{host_port(server.host, server.port)}"

    def _first_admin(self) -> list[str]:
        org = self.top_org or "HQ"
        steps = [] if self.top_org else [f"org add --type headquarters --code {org} --name 본사"]
        steps.append(f"admin invite --org {org} --name <NAME>   # prints a code to type to the bot")
        return [
            "No admin yet. Create the first one:",
            *(f"  {self.command} {step}" for step in steps),
        ]


async def _app(cfg: Config, build: AppFactory, banner: Banner) -> web.Application:
    app = await build(cfg)
    app.on_startup.append(banner.look)  # after the cleanup contexts: the database is open
    return app
