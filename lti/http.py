"""The one HTTP helper: requests with (connect, read) timeouts and errors the caller can act on.

Nothing here logs a request or response body, header or token: bodies carry id_tokens, access tokens
and registration tokens.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions

from lti.errors import ServiceError
from lti.outbound import OutboundPolicy, OutboundRefused, guarded_session

CONNECT_TIMEOUT_CAP = 5.0
# An answer cut off or garbled on the way (the connection dropped mid-body): as transient as a refused
# connection, so tried again rather than given up.
_CUT_SHORT = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


def safe_url(url: str) -> str:
    """The URL without user and password, query or fragment, which may carry secrets, for error messages."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "<invalid url>"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


BODY_READ_SIZE = 64 * 1024


def read_body_by(response: requests.Response, deadline: float, read_timeout: float) -> requests.Response:
    """Read the body of a ``stream=True`` response, giving up at ``deadline`` (a :func:`time.monotonic` time).

    A read timeout bounds each wait for bytes, not the whole answer: a server sending one byte a second
    never trips it. Here each wait is cut to what is left of the deadline, and once it passes the
    connection is closed and :class:`requests.ReadTimeout` raised, the error a silent server gives.
    The body is then ``response.content`` as usual.
    """
    chunks: list[bytes] = []
    raw = response.raw
    if raw is None or getattr(response, "_content_consumed", False):  # a transport that answered whole
        return response
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise requests.ReadTimeout(f"no complete answer within the deadline ({read_timeout:g} s reads)")
            sock = getattr(raw.connection, "sock", None)
            if sock is not None:  # the next wait for bytes ends with the deadline, not a whole read timeout later
                sock.settimeout(min(left, read_timeout))
            chunk = raw.read1(BODY_READ_SIZE, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError:
        response.close()
        raise requests.ReadTimeout("no complete answer within the deadline") from None
    except urllib3.exceptions.ProtocolError as exc:  # cut off mid-body, as requests says it
        response.close()
        raise requests.exceptions.ChunkedEncodingError(type(exc).__name__) from None
    except urllib3.exceptions.DecodeError as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(type(exc).__name__) from None
    except urllib3.exceptions.HTTPError as exc:
        response.close()
        raise requests.ConnectionError(type(exc).__name__) from None
    except requests.ReadTimeout:
        response.close()
        raise
    response._content = b"".join(chunks)  # what ``response.content`` reads once the body is in
    response._content_consumed = True  # type: ignore[attr-defined]  # not in the stubs; requests reads it
    return response


def _retryable_status(status: int) -> bool:
    return status >= 500 or status in (408, 429)


MAX_RETRY_AFTER = 24 * 3600.0
_PLATFORM_MESSAGE_KEYS = ("error_description", "message", "reason", "detail", "title", "error")


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """RFC 9110 §10.2.3 Retry-After, delay-seconds or an HTTP-date, as seconds from ``now`` (capped at a day).

    None when absent or unreadable: the caller's own backoff applies then.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit() alone is true for "²", which float() refuses
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT (RFC 9110 §5.6.7)
        when = when.replace(tzinfo=dt.UTC)
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER)


def platform_message(response: requests.Response, limit: int = 300) -> str:
    """What the platform said about a refusal, short and on one line, for code that decides what to do.

    Only the JSON fields error replies use (``error_description``/``message``/``reason``...) are read;
    any other body gives nothing. It is kept out of error messages (see :class:`StatusError`).
    """
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type:
        return ""
    text = response.content[: 16 * 1024].decode("utf-8", "replace")
    try:
        body = json.loads(text, strict=False) if "json" in content_type or text.lstrip().startswith("{") else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]) for k in _PLATFORM_MESSAGE_KEYS if isinstance(body.get(k), str | int)]
    return re.sub(r"\s+", " ", "; ".join(dict.fromkeys(parts))).strip()[:limit]


# RFC 6749 §5.2, RFC 6750 §3.1 and RFC 7591 §3.2.2: the error codes an OAuth-style reply may carry. Only
# these are ever repeated to a reader, so a reply cannot smuggle its own words through the "error" field.
OAUTH_ERROR_CODES = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope", "invalid_token", "insufficient_scope", "invalid_redirect_uri", "invalid_client_metadata",
    "invalid_software_statement", "unapproved_software_statement", "access_denied", "server_error",
    "temporarily_unavailable",
})


def oauth_error(response: requests.Response) -> str | None:
    """The registered OAuth error code of a JSON error reply (``{"error": "invalid_client"}``), else None."""
    try:
        body = json.loads(response.content[: 16 * 1024].decode("utf-8", "replace"))
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code in OAUTH_ERROR_CODES else None


class StatusError(ServiceError):
    """A non-2xx answer. Its message names the method, the URL's host and path and the status, nothing more.

    The URLs come from platforms and administrators, and a reply's words could be anything the host
    behind them says (an intranet service's data), so they never reach a message an LMS administrator
    reads; ``said`` keeps them (see :func:`platform_message`) for code that tells refusals apart.
    """

    def __init__(self, message: str, *, said: str, status: int, retryable: bool,
                 retry_after: float | None) -> None:
        super().__init__(message, status=status, retryable=retryable, retry_after=retry_after)
        self.said = said


def status_error(method: str, url: str, response: requests.Response, now: float) -> StatusError:
    """A non-2xx answer as a :class:`StatusError`: 408, 429 and 5xx are retryable, with Retry-After."""
    status = response.status_code
    retryable = _retryable_status(status)
    return StatusError(
        f"{method} {safe_url(url)} answered HTTP {status}",
        said=platform_message(response),
        status=status,
        retryable=retryable,
        retry_after=retry_after_seconds(response.headers.get("Retry-After"), now) if retryable else None,
    )


def _not_sent(method: str, url: str, refused: OutboundRefused) -> OutboundRefused:
    try:
        same_host = refused.host == (urlsplit(url).hostname or "")
    except ValueError:
        same_host = True
    where = "" if same_host else f" (it redirected to {refused.host})"
    return OutboundRefused(url, refused.host, f"{method} {safe_url(url)} was not sent{where}: {refused.reason}")


class HttpClient:
    """A thin wrapper over one :class:`requests.Session`, always with timeouts and the outbound policy.

    Every URL is checked against ``policy`` (:mod:`lti.outbound`; the strictest one by default) before
    it is called, and the session made here connects only to addresses the policy checked, redirects
    included. A ``session`` passed in is the caller's transport (tests): only the first check guards it.
    """

    def __init__(self, timeout: float = 10.0, session: requests.Session | None = None,
                 policy: OutboundPolicy | None = None) -> None:
        self.timeout = timeout
        self.policy = policy if policy is not None else OutboundPolicy()
        self.session = session if session is not None else guarded_session(self.policy)

    def check(self, method: str, url: str) -> None:
        """:class:`OutboundRefused` (a permanent ServiceError) unless the policy lets ``url`` be called now."""
        try:
            self.policy.check(url)
        except OutboundRefused as refused:
            raise _not_sent(method, url, refused) from None

    @property
    def timeouts(self) -> tuple[float, float]:
        """(connect, read) timeouts; connecting should never take the whole budget."""
        return (min(CONNECT_TIMEOUT_CAP, self.timeout), self.timeout)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.check(method, url)
        # One deadline for the whole call, as for the LRS: a platform trickling its answer (a key set during
        # a launch, a token for the worker) holds the caller for the timeouts at most, not as long as it likes.
        deadline = time.monotonic() + sum(self.timeouts)
        try:
            response = self.session.request(method, url, timeout=self.timeouts, stream=True, **kwargs)
            return read_body_by(response, deadline, self.timeout)
        except OutboundRefused as refused:  # a redirect, or the name now resolves elsewhere
            raise _not_sent(method, url, refused) from None
        except (requests.ConnectionError, requests.Timeout, *_CUT_SHORT) as exc:
            raise ServiceError(
                f"{method} {safe_url(url)} failed: {type(exc).__name__}", retryable=True
            ) from None
        except requests.RequestException as exc:
            raise ServiceError(
                f"{method} {safe_url(url)} failed: {type(exc).__name__}", retryable=False
            ) from None

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        """GET ``url``; the caller reads status, headers (``Link``, ``Retry-After``) and body."""
        return self._send("GET", url, headers=dict(headers or {}))

    def get_json(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        """GET ``url`` and return its JSON body; any non-2xx or non-JSON answer is a ServiceError."""
        response = self._send("GET", url, headers={"Accept": "application/json", **(headers or {})})
        if not 200 <= response.status_code < 300:
            raise ServiceError(
                f"GET {safe_url(url)} answered HTTP {response.status_code}",
                status=response.status_code,
                retryable=_retryable_status(response.status_code),
            )
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("Content-Type", "no content type")
            raise ServiceError(
                f"GET {safe_url(url)} did not return JSON (got {content_type})",
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
