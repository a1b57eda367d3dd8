"""What the ``kbot`` CLI modules share: the context a handler runs in, the CLI's own error,
aligned tables, and the check of the KakaoTalk numeric ids given on the command line (done
before the database is opened)."""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import SystemClock
from core.config import Config
from core.plain_text import escape
from services.access_views import numeric_id
from services.accounts import AccessService
from services.errors import Invalid


class CliError(Exception):
    pass


@dataclass
class Ctx:
    cfg: Config
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: SystemClock

    @property
    def access(self) -> AccessService:
        """The access service every door uses; the CLI operator is its actor None."""
        return AccessService(self.sessions, self.sessions, self.clock)


Handler = Callable[[Ctx, argparse.Namespace], Awaitable[None]]
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# cmd(parent, name, help, handler): a subcommand parser that takes --config
Command: TypeAlias = Callable[["SubParsers", str, str, "Handler | None"], argparse.ArgumentParser]


def numeric_options(parser: argparse.ArgumentParser, **options: str) -> None:
    """Mark arguments of ``parser`` (dest=option name shown in errors) as KakaoTalk numeric
    ids, checked by ``check_numeric`` before the database is touched."""
    parser.set_defaults(numeric=options)


def check_numeric(args: argparse.Namespace) -> None:
    """Each argument marked by ``numeric_options``, stripped; ``CliError`` naming the option
    for anything but a KakaoTalk numeric id (a room name or a nickname typed instead)."""
    options: dict[str, str] = getattr(args, "numeric", {})
    for dest, option in options.items():
        raw = getattr(args, dest, None)
        if raw is None:
            continue
        try:
            setattr(args, dest, numeric_id(raw, option))
        except Invalid as exc:
            raise CliError(f"{option}: {exc.message}") from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(header: list[str], rows: list[list[object]]) -> None:
    """Rows as aligned columns; cells are escaped (values written by other systems may hold
    terminal control sequences or bidi overrides)."""
    cells = [header, *[[escape(str(c)) for c in r] for r in rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        padded = (c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True))
        print("  ".join(padded).rstrip())
    if not rows:
        print("(none)")
