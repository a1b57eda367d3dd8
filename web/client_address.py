"""The client's address behind trusted reverse proxies (``server.trusted_proxies``).

kbot's own rules that look at an address (the webhooks' ``bot.allow_networks`` and their
loopback-only rule without a token, the short links' visitor) read ``request.remote``. Behind
a reverse proxy that is the proxy, so ``client_addresses`` (the outermost middleware) gives
every request the address the proxy saw instead, but only when the TCP peer is one of the
trusted proxies: anyone else could write any ``X-Forwarded-For``.

The address is found from the right of ``X-Forwarded-For`` (each proxy appends the address it
was reached from): the first hop that is not itself a trusted proxy. When every hop is
trusted, the leftmost. A hop that is not a plain IP address (``unknown``, an address with a
port, garbage) stops the walk: the client is then unknown (an empty address, which no network
rule admits). A trusted peer that sends no ``X-Forwarded-For`` is the proxy speaking for
itself. With ``server.trusted_proxies`` empty (the default) nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
UNKNOWN = ""  # the client behind a proxy could not be told


def parse_address(text: str | None) -> Address | None:
    """``text`` as an IP address (an IPv4-mapped IPv6 one as IPv4), None when it is not one."""
    try:
        address = ip_address((text or "").strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def networks(texts: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ip_network(text, strict=False) for text in texts)


def client_address(peer: str | None, forwarded: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address for a request from ``peer`` carrying the ``X-Forwarded-For``
    header values ``forwarded``; ``peer`` itself unless it is a trusted proxy."""
    source = parse_address(peer)
    if source is None or not _inside(source, trusted):
        return peer or UNKNOWN
    hops = [hop for value in forwarded for hop in value.split(",")]
    if not hops:
        return str(source)
    client = UNKNOWN
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            return UNKNOWN
        client = str(address)
        if not _inside(address, trusted):
            break
    return client


def _inside(address: Address, nets: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in nets)


def client_addresses(trusted: Sequence[str]) -> Middleware:
    """The middleware that sets ``request.remote`` to ``client_address``."""
    nets = networks(trusted)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        remote = client_address(request.remote, forwarded, nets)
        if remote == request.remote:
            return await handler(request)
        return await handler(request.clone(remote=remote))

    return middleware
