"""The one HTTP helper: timeouts always, and failures as ServiceError that say whether to retry."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from lti.errors import ServiceError
from lti.http import HttpClient, retry_after_seconds, status_error


class ScriptedAdapter(BaseAdapter):
    """A transport that answers from a script and records the timeout each request was sent with."""

    def __init__(self, status: int = 200, body: bytes = b"{}", error: Exception | None = None) -> None:
        super().__init__()
        self.status, self.body, self.error = status, body, error
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body
        response.headers["Content-Type"] = "application/json"
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def client(adapter: ScriptedAdapter) -> HttpClient:
    session = requests.Session()
    session.mount("https://", adapter)
    return HttpClient(timeout=7.0, session=session)


def test_get_json_returns_the_body_and_always_sends_timeouts() -> None:
    adapter = ScriptedAdapter(body=b'{"keys": []}')
    assert client(adapter).get_json("https://lms.example/jwks") == {"keys": []}
    assert adapter.timeouts == [(5.0, 7.0)]


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (404, False)])
def test_non_2xx_is_a_service_error(status: int, retryable: bool) -> None:
    with pytest.raises(ServiceError) as caught:
        client(ScriptedAdapter(status=status)).get_json("https://lms.example/jwks?token=secret")
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert "secret" not in str(caught.value)


def test_non_json_body_is_a_clear_service_error() -> None:
    with pytest.raises(ServiceError) as caught:
        client(ScriptedAdapter(body=b"<html>login</html>")).get_json("https://lms.example/jwks")
    assert "did not return JSON" in str(caught.value)
    assert caught.value.retryable is False


@pytest.mark.parametrize("error", [requests.ConnectionError("refused"), requests.ReadTimeout("slow")])
def test_network_failure_is_retryable(error: Exception) -> None:
    for call in ("get", "post_json", "post_form"):
        http = client(ScriptedAdapter(error=error))
        with pytest.raises(ServiceError) as caught:
            if call == "get":
                http.get_json("https://lms.example/x")
            elif call == "post_json":
                http.post_json("https://lms.example/x", {"a": 1})
            else:
                http.post_form("https://lms.example/x", {"a": "1"})
        assert caught.value.retryable is True


def test_post_returns_the_response_whatever_its_status() -> None:
    adapter = ScriptedAdapter(status=400, body=b'{"error": "invalid_scope"}')
    response = client(adapter).post_form("https://lms.example/token", {"grant_type": "client_credentials"})
    assert response.status_code == 400 and response.json() == {"error": "invalid_scope"}
    assert adapter.timeouts == [(5.0, 7.0)]



NOW = 1_750_000_000.0  # Sun, 15 Jun 2025 15:06:40 GMT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sun, 15 Jun 2025 15:08:20 GMT", 100.0),
        ("Sun, 15 Jun 2025 15:05:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
        ("99999999", 86400.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value, NOW) == expected


@pytest.mark.parametrize(("status", "retryable"), [(408, True), (429, True), (500, True), (409, False), (422, False)])
def test_status_error_keeps_what_the_platform_said_out_of_its_message(status: int, retryable: bool) -> None:
    response = requests.Response()
    response.status_code = status
    response._content = b'{"error": "invalid_request", "error_description": "Score  timestamp\\n is too old"}'
    response.headers["Content-Type"] = "application/json"
    response.headers["Retry-After"] = "9"
    error = status_error("POST", "https://lms.example/scores?token=secret", response, NOW)
    assert (error.status, error.retryable, error.retry_after) == (status, retryable, 9.0 if retryable else None)
    assert str(error) == f"POST https://lms.example/scores answered HTTP {status}"
    assert error.said == "Score timestamp is too old; invalid_request"


@pytest.mark.parametrize("cut", [requests.exceptions.ChunkedEncodingError("connection closed mid-body"),
                                 requests.exceptions.ContentDecodingError("garbled gzip")])
def test_an_answer_cut_off_on_the_way_is_retryable(cut: Exception) -> None:
    with pytest.raises(ServiceError) as caught:
        client(ScriptedAdapter(error=cut)).get_json("https://lms.example/scores")
    assert caught.value.retryable is True


def test_a_password_in_the_url_is_not_repeated_in_errors() -> None:
    with pytest.raises(ServiceError) as caught:
        client(ScriptedAdapter(status=401)).get_json("https://lrs-key:S3cr3t@lms.example/xAPI/statements")
    assert "S3cr3t" not in str(caught.value) and "lrs-key" not in str(caught.value)
    assert "https://lms.example/xAPI/statements" in str(caught.value)


def test_a_platform_trickling_its_answer_holds_a_call_no_longer_than_the_timeouts() -> None:
    """A per-read timeout never stops a server sending a byte at a time (a key set fetched during a launch, a
    token for the worker): the whole call has one deadline, the connect and read timeouts together."""
    from lti.outbound import OutboundPolicy
    from tests.support.trickling import TricklingServer

    with TricklingServer() as server:
        client = HttpClient(timeout=0.5, policy=OutboundPolicy(allow_loopback=True))
        started = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            client.get_json(server.url)
        elapsed = time.monotonic() - started
    assert caught.value.retryable is True and "ReadTimeout" in str(caught.value)
    assert elapsed < 1.5  # 0.5 s connect + 0.5 s read at most, not the trickle's 4 s
