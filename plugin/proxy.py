"""The request's scheme as the browser used it, told by the reverse proxy in front of Skillbite.

The proxy terminates TLS and forwards plain HTTP, so the app needs the proxy's ``X-Forwarded-Proto`` to
know the browser came over HTTPS (iframe cookies are ``Secure``; external URLs start with https). Anyone
could send that header, so it counts only from the proxy's own addresses (``SKILLBITE_FORWARDED_ALLOW_IPS``),
as gunicorn's ``forwarded_allow_ips`` did before granian served Skillbite.
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


class TrustedProxyScheme:
    """WSGI middleware: ``wsgi.url_scheme`` from X-Forwarded-Proto, when the peer is a trusted proxy.

    Only ``http`` and ``https`` are taken (a list such as ``https, http`` from a chain of proxies is not);
    from any other peer the header changes nothing.
    """

    def __init__(self, app: WSGIApp, allowed: str) -> None:
        self.app = app
        self._networks = trusted_networks(allowed)
        # Parsing an address costs microseconds on every request, and the peers are few: the proxies.
        self.trusts = functools.lru_cache(maxsize=1024)(self._trusts)

    def _trusts(self, remote_addr: str) -> bool:
        if self._networks is None:
            return True
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False  # no TCP peer (a Unix socket) or an address we cannot read: not the proxy
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # 127.0.0.1 seen through a dual-stack socket
        return any(address in network for network in self._networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        if proto is not None and self.trusts(environ.get("REMOTE_ADDR", "")):
            scheme = proto.strip().lower()
            if scheme in SCHEMES:
                environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)
