"""The listening sockets of ``kbot serve``, bound before anything else starts: a port that is
taken (or an address this host does not have) is one clear ``ListenError`` while nothing is
running yet, instead of a traceback after the scheduler has started.

The sockets are bound as asyncio's ``create_server`` would bind them (every address the host
name resolves to, ``SO_REUSEADDR``, IPv6 sockets IPv6 only) and handed to aiohttp.
"""

from __future__ import annotations

import socket
from ipaddress import ip_address

BACKLOG = 128


class ListenError(Exception):
    """Why kbot cannot listen, in one line for the operator."""


def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound, listening sockets for ``host:port``; ``ListenError`` when that is impossible."""
    where = host_port(host, port)
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {where}: {_reason(exc)}") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ListenError(f"cannot listen on {where}: {_reason(exc)}") from None
    return sockets


def host_port(host: str, port: int) -> str:
    """``127.0.0.1:8080``, ``[::1]:8080``."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost``: an address only this host can reach."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


def _reason(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]
