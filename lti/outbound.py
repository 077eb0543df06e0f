"""Which URLs the tool may call: the guard against server-side request forgery (SSRF).

Every URL the tool calls comes from outside: the launch's service claims (AGS ``lineitems``/``lineitem``,
NRPS ``context_memberships_url``), the platform's replies (line item ids, next-page links), the URLs an
LMS administrator types (token, JWKS, LRS endpoint) and, for dynamic registration, an anonymous browser's
``openid_configuration``. Without a check, any of them can point the tool at itself, at the cloud
metadata service (169.254.169.254) or at the employer's intranet.

The rule: http and https only; the host is resolved and refused when ANY of its addresses is loopback,
link-local, unspecified, multicast or otherwise reserved; private ranges (10/8, 172.16/12, 192.168/16,
100.64/10, fc00::/7) are refused unless allowed (an intranet LMS), loopback unless allowed (development).

Where it is checked: :meth:`OutboundPolicy.check` before each request, for a clear error; and
:func:`guarded_session`'s connections resolve the host once more, check every address and connect to the
checked address itself, so a name that resolves elsewhere a moment later (DNS rebinding) or a redirect to
another host gains nothing: each hop opens its connection through the same check. Through an HTTP proxy
(``HTTPS_PROXY``) the proxy resolves the name, so only the check before each hop applies there and the
rebinding window stays open: such a proxy should refuse internal addresses itself.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from lti.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

LOOPBACK = "loopback"
LINK_LOCAL = "link-local"
UNSPECIFIED = "unspecified"
MULTICAST = "multicast"
RESERVED = "reserved"
PRIVATE = "private"

_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # connecting to 0.x reaches this machine on Linux
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: an IPv4 address inside an IPv6 one
_WHY = {
    LOOPBACK: "a loopback address (this machine)",
    LINK_LOCAL: "a link-local address (where cloud metadata services such as 169.254.169.254 answer)",
    UNSPECIFIED: "an unspecified address (0.0.0.0 or ::, which reach this machine)",
    MULTICAST: "a multicast address",
    RESERVED: "a reserved or special-purpose address",
    PRIVATE: "a private address",
}


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), whose kind is what counts."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """The kind of a special address (:data:`LOOPBACK`, :data:`PRIVATE`...), None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_kind(embedded)
    if address.is_unspecified or address in _THIS_NETWORK:
        return UNSPECIFIED
    if address.is_loopback:
        return LOOPBACK
    if address.is_link_local:
        return LINK_LOCAL
    if address.is_multicast:
        return MULTICAST
    if any(address in network for network in _PRIVATE_NETWORKS):
        return PRIVATE
    if not address.is_global:  # documentation, benchmarking, 240/4, broadcast, IPv6 site-local...
        return RESERVED
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (getaddrinfo), IP literals included; socket.gaierror if none."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


class OutboundRefused(ServiceError):
    """A URL the policy does not let the tool call: permanent, ``host`` and ``reason`` say why.

    ``kind`` (:data:`PRIVATE`...) and ``address`` name the refused address when one was (empty when the URL
    itself was refused), so an application can word the refusal for its own readers.
    """

    def __init__(self, url: str, host: str, reason: str, *, kind: str = "", address: str = "") -> None:
        super().__init__(reason, retryable=False)
        self.url = url
        self.host = host
        self.reason = reason
        self.kind = kind
        self.address = address


@dataclasses.dataclass(frozen=True)
class OutboundPolicy:
    """Which hosts may be called; the strictest policy is the default.

    ``peer`` names who is called in messages ("LMS", "LRS"); ``private_setting`` and ``loopback_rule``
    tell the reader how to allow what was refused, in the words of the application's configuration.
    """

    allow_loopback: bool = False
    allow_private: bool = False
    peer: str = "LMS"
    private_setting: str = "allow_private"
    loopback_rule: str = "loopback addresses are called only in development"
    resolver: Resolver = system_resolver

    def for_peer(self, peer: str) -> OutboundPolicy:
        return dataclasses.replace(self, peer=peer)

    def _refusal(self, url: str, host: str, kind: str, address: str) -> OutboundRefused:
        why = f"the host {host} resolves to {_WHY[kind]}"
        if kind == PRIVATE:
            why = (f"the host {host} resolves to a private address; set {self.private_setting}=1 "
                   f"if your {self.peer} is on your intranet")
        elif kind == LOOPBACK:
            why += f"; {self.loopback_rule}"
        else:
            why += ", which is never called"
        return OutboundRefused(url, host, why, kind=kind, address=address)

    def allows(self, kind: str | None) -> bool:
        return kind is None or (kind == LOOPBACK and self.allow_loopback) or (kind == PRIVATE and self.allow_private)

    def checked_addresses(self, host: str, port: int, url: str = "") -> list[str]:
        """The addresses of ``host``, all of them allowed, or :class:`OutboundRefused` (gaierror if none)."""
        bare = host.strip("[]").rstrip(".")
        addresses = self.resolver(bare, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{bare} has no address")
        for text in addresses:
            try:
                kind = address_kind(ipaddress.ip_address(text.split("%", 1)[0]))  # fe80::1%eth0
            except ValueError:
                kind = RESERVED
            if not self.allows(kind):
                assert kind is not None
                raise self._refusal(url or bare, bare, kind, text)
        return list(addresses)

    def check_scheme(self, url: str) -> tuple[str, int]:
        """The host and port of an http(s) URL, or :class:`OutboundRefused`."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            raise OutboundRefused(url, "", "the URL cannot be read") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise OutboundRefused(url, host or "", f"only http and https URLs are called, not {scheme or 'none'}:")
        if not host:
            raise OutboundRefused(url, "", "the URL names no host")
        return host, port or (443 if scheme == "https" else 80)

    def check(self, url: str) -> None:
        """Refuse ``url`` (:class:`OutboundRefused`) unless it may be called now.

        A host that does not resolve passes: the connection fails the same way, as a retryable error.
        """
        host, port = self.check_scheme(url)
        try:
            self.checked_addresses(host, port, url)
        except (socket.gaierror, UnicodeError):
            return


def _connect_checked(connection: HTTPConnection, policy: OutboundPolicy) -> socket.socket:
    """urllib3's ``_new_conn``, connecting only to addresses the policy checked (closing DNS rebinding)."""
    try:
        addresses = policy.checked_addresses(connection.host, connection.port)
    except socket.gaierror as exc:
        raise NameResolutionError(connection.host, connection, exc) from exc
    failure: Exception | None = None
    for address in addresses:
        try:
            return urllib3_connection.create_connection(
                (address, connection.port), connection.timeout,
                source_address=connection.source_address, socket_options=connection.socket_options)
        except TimeoutError as exc:
            failure = ConnectTimeoutError(connection, f"Connection to {connection.host} timed out. "
                                                      f"(connect timeout={connection.timeout})")
            failure.__cause__ = exc
        except OSError as exc:
            failure = NewConnectionError(connection, f"Failed to establish a new connection: {exc}")
            failure.__cause__ = exc
    assert failure is not None
    raise failure


def _guarded_pools(policy: OutboundPolicy) -> dict[str, type[HTTPConnectionPool]]:
    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_checked(self, policy)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_checked(self, policy)

    class GuardedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


class GuardedAdapter(HTTPAdapter):
    """A transport that checks every request, redirects included, and connects only to checked addresses."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        super().__init__()

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self.policy)

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        url = request.url or ""
        self.policy.check_scheme(url)
        if proxies and select_proxy(url, dict(proxies)):
            self.policy.check(url)  # the proxy resolves and connects: check here, the one place we can
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def guarded_session(policy: OutboundPolicy) -> requests.Session:
    """A :class:`requests.Session` whose http and https requests go through :class:`GuardedAdapter`."""
    session = requests.Session()
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
