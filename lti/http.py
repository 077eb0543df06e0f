"""The one HTTP helper: requests with (connect, read) timeouts and errors the caller can act on.

Nothing here logs a request or response body, header or token: bodies carry id_tokens, access tokens
and registration tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from lti.errors import ServiceError

CONNECT_TIMEOUT_CAP = 5.0


def _safe_url(url: str) -> str:
    """The URL without query or fragment, which may carry tokens, for error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _retryable_status(status: int) -> bool:
    return status >= 500 or status == 429


class HttpClient:
    """A thin wrapper over one :class:`requests.Session`, always with timeouts."""

    def __init__(self, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()

    @property
    def timeouts(self) -> tuple[float, float]:
        """(connect, read) timeouts; connecting should never take the whole budget."""
        return (min(CONNECT_TIMEOUT_CAP, self.timeout), self.timeout)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.timeouts, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ServiceError(
                f"{method} {_safe_url(url)} failed: {type(exc).__name__}", retryable=True
            ) from None
        except requests.RequestException as exc:
            raise ServiceError(
                f"{method} {_safe_url(url)} failed: {type(exc).__name__}", retryable=False
            ) from None

    def get_json(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        """GET ``url`` and return its JSON body; any non-2xx or non-JSON answer is a ServiceError."""
        response = self._send("GET", url, headers={"Accept": "application/json", **(headers or {})})
        if not 200 <= response.status_code < 300:
            raise ServiceError(
                f"GET {_safe_url(url)} answered HTTP {response.status_code}",
                status=response.status_code,
                retryable=_retryable_status(response.status_code),
            )
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("Content-Type", "no content type")
            raise ServiceError(
                f"GET {_safe_url(url)} did not return JSON (got {content_type})",
                status=response.status_code,
                retryable=False,
            ) from None

    def post_json(
        self, url: str, body: Any, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """POST ``body`` as JSON; the caller reads the status (platforms answer errors in JSON)."""
        return self._send("POST", url, json=body, headers=dict(headers or {}))

    def post_form(
        self, url: str, data: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """POST ``data`` form-encoded (the OAuth 2 token request, RFC 6749 §4.4)."""
        return self._send("POST", url, data=dict(data), headers=dict(headers or {}))
