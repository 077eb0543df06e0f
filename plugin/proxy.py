"""The request's scheme and client address as the browser's side saw them, told by the reverse proxy.

The proxy terminates TLS and forwards plain HTTP, so the app needs the proxy's ``X-Forwarded-Proto`` to
know the browser came over HTTPS (iframe cookies are ``Secure``; external URLs start with https), and its
``X-Forwarded-For`` to know who is asking: the console's sign-in limits count failures per client address,
and behind a proxy every request would otherwise come from the proxy, so one person could lock out all.
Anyone could send those headers, so they count only from the proxy's own addresses
(``SKILLBITE_FORWARDED_ALLOW_IPS``), as gunicorn's ``forwarded_allow_ips`` did before granian served Skillbite.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = frozenset({"http", "https"})


def trusted_networks(allowed: str) -> tuple[Network, ...] | None:
    """``127.0.0.1,::1,10.0.0.0/8`` as networks; None for ``*`` (every peer). ValueError names a bad entry."""
    entries = [entry.strip() for entry in allowed.split(",") if entry.strip()]
    if "*" in entries:
        return None
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is neither an IP address nor a network like 10.0.0.0/8") from None
    return tuple(networks)


class TrustedProxy:
    """WSGI middleware: ``wsgi.url_scheme`` from X-Forwarded-Proto and ``REMOTE_ADDR`` from X-Forwarded-For,
    when the peer is a trusted proxy.

    Only ``http`` and ``https`` are taken as the scheme (a list such as ``https, http`` from a chain of proxies
    is not). The client is the right-most X-Forwarded-For address that is not a trusted proxy: the ones to
    its left were written by the client itself and prove nothing. With ``*`` (every peer trusted) only the
    last address counts, the one the proxy in front of us saw. From any other peer the headers change nothing.
    """

    def __init__(self, app: WSGIApp, allowed: str) -> None:
        self.app = app
        self._networks = trusted_networks(allowed)
        # Parsing an address costs microseconds on every request, and the peers are few: the proxies.
        self.trusts = functools.lru_cache(maxsize=1024)(self._trusts)

    def _trusts(self, remote_addr: str) -> bool:
        if self._networks is None:
            return True
        address = _address(remote_addr)
        return address is not None and any(address in network for network in self._networks)

    def _client(self, forwarded_for: str) -> str | None:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        if self._networks is None:
            hops = hops[-1:]
        client = None
        for hop in reversed(hops):
            if _address(hop) is None:
                break  # junk: nothing to its left can be believed either
            client = hop
            if not self._trusts(hop):
                break
        return client

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
        if (proto is not None or forwarded_for is not None) and self.trusts(environ.get("REMOTE_ADDR", "")):
            scheme = (proto or "").strip().lower()
            if scheme in SCHEMES:
                environ["wsgi.url_scheme"] = scheme
            client = self._client(forwarded_for) if forwarded_for else None
            if client is not None:
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None  # no TCP peer (a Unix socket) or an address we cannot read: not the proxy
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # 127.0.0.1 seen through a dual-stack socket
    return address
