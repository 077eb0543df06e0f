"""Calls to the platform's services with a bearer token: one retry after 401, errors classified, paging.

Security Framework 1.0 §4.1 / RFC 6750 §2.1: every service request carries ``Authorization: Bearer``.
A 401 means the token was refused (expired early, revoked): the cached one is dropped and the call made
once more with a fresh token. Any other non-2xx becomes a :class:`ServiceError`, retryable for 408, 429
and 5xx with the platform's Retry-After, permanent otherwise with what the platform said.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from lti.clock import Clock, system_clock
from lti.errors import ServiceError
from lti.http import HttpClient, safe_url, status_error
from lti.link_header import next_page_url
from lti.service_token import ServiceTokens
from lti.storage import PlatformRegistration

MAX_PAGES = 1000


def with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """``url`` with ``params`` added to its query, keeping what is there (Moodle's ``?type_id=``)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def required_scope(claim: dict[str, Any], wanted: Sequence[str], service: str) -> str:
    """The first of ``wanted`` that the service claim grants; a claim without ``scope`` grants any."""
    granted = claim.get("scope")
    if not isinstance(granted, list):
        return wanted[0]
    for scope in wanted:
        if scope in granted:
            return scope
    raise ServiceError(
        f"the platform did not grant the {service} scope {wanted[0]} for this context",
        retryable=False,
    )


class ServiceClient:
    """Authorized requests to one platform service, shared by :mod:`lti.ags` and :mod:`lti.nrps`."""

    def __init__(self, http: HttpClient, tokens: ServiceTokens, *, clock: Clock = system_clock) -> None:
        self.http = http
        self.tokens = tokens
        self.clock = clock

    def send(
        self,
        registration: PlatformRegistration,
        scopes: Sequence[str],
        method: str,
        url: str,
        *,
        accept: str,
        body: Any = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """The 2xx response of ``method url``; a refused token is renewed once (RFC 6750 §3.1).

        ``url`` is checked against the outbound policy first: no token is asked for a call that will
        not be made.
        """
        self.http.check(method, url)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.tokens.token(registration, scopes)}", "Accept": accept}
            if method == "GET":
                response = self.http.get(url, headers)
            else:
                if content_type is not None:
                    headers["Content-Type"] = content_type
                response = self.http.post_json(url, body, headers)
            if response.status_code == 401:
                self.tokens.invalidate(registration, scopes)
                if attempt == 1:
                    continue
                error = status_error(method, url, response, self.clock())
                raise ServiceError(f"{error} (a freshly issued token was refused too)", status=401,
                                   retryable=False)
            if not 200 <= response.status_code < 300:
                raise status_error(method, url, response, self.clock())
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(
        self, registration: PlatformRegistration, scopes: Sequence[str], url: str, *, accept: str
    ) -> Iterator[Any]:
        """The JSON body of each page of a container, following ``Link: rel="next"`` (AGS 2.0 and NRPS 2.0 paging).

        The bearer token is only ever sent to the origin of the first page: a next link elsewhere is
        refused rather than followed.
        """
        seen: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            if next_url in seen or len(seen) >= MAX_PAGES:
                raise ServiceError(f"GET {safe_url(url)}: the pages do not end (page {len(seen) + 1})",
                                   retryable=False)
            if _origin(next_url) != _origin(url):
                raise ServiceError(f"GET {safe_url(url)}: the next page is on another host "
                                   f"({safe_url(next_url)}); not sending the token there", retryable=False)
            seen.add(next_url)
            response = self.send(registration, scopes, "GET", next_url, accept=accept)
            try:
                body = response.json()
            except ValueError:
                raise ServiceError(f"GET {safe_url(next_url)} did not return JSON", status=response.status_code,
                                   retryable=False) from None
            yield body
            next_url = next_page_url(response.headers.get("Link"), next_url)
