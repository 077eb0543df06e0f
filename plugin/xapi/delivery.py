"""The outbox deliverer for statements: batched POSTs to each tenant's LRS (xAPI 1.0.3 §2.1.2 / 2.0 §4.1.6.1).

- One POST carries up to the destination's batch size, as a JSON array, with the version header
  (``X-Experience-API-Version``) and Basic credentials; every request has a timeout.
- 200/204: all delivered. An LRS that already holds a statement with the same id and content answers
  200/204 too (xAPI: it MUST NOT store it twice), so a re-delivery after a crash counts as delivered.
- 400/409/413/422 on a batch: the batch is split in halves until the refused statement stands alone; it is
  parked with the status and the rest are delivered. A lone 409 is checked with a GET: if the LRS
  holds the same statement it is delivered, otherwise (same id, other content) parked.
- 429/503 with Retry-After: retried no earlier than the LRS asked; other 5xx, timeouts and connection
  errors: retried with backoff (the worker's); 401/403/404: retried (a configuration problem an admin
  fixes; ``skillbite lrs test`` says which), parked only when the give-up time passes.
- Reasons name the method, the URL's host and path and the status, never the LRS's reply: the endpoint is
  typed by an LMS administrator, so the reply could be any host's, and reasons are shown to them.
- An endpoint the outbound policy refuses (:mod:`lti.outbound`: loopback, metadata or private addresses) is
  never called; its statements are parked with the host and the setting that would allow it.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from lti.http import read_body_by, safe_url
from lti.outbound import OutboundPolicy, OutboundRefused, guarded_session
from plugin.db import transaction
from plugin.outbox.registry import Delivered, Hold, Outcome, Park, Retry, register_deliverer
from plugin.outbox.services import ClaimedMessage
from plugin.runtime import Runtime
from plugin.xapi.services import KIND, Destination, open_destination, parse_scope, resolve_destination

SPLIT_STATUSES = frozenset({400, 409, 413, 422})
RETRY_AFTER_CAP = 3600.0
DESTINATION_CACHE_SECONDS = 5.0


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit() alone is true for "²", which float() refuses
        return min(float(value), RETRY_AFTER_CAP)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, min((when - (now or dt.datetime.now(dt.UTC))).total_seconds(), RETRY_AFTER_CAP))


def _reason(response: requests.Response) -> str:
    method = response.request.method if response.request is not None else "POST"
    return f"LRS answered HTTP {response.status_code} to {method} {safe_url(response.url)}"


_IGNORED = frozenset({"stored", "authority", "version", "objectType"})


def _comparable(value: Any) -> Any:
    """A statement without what an LRS adds or normalises (xAPI 1.0.3 §2.3.1 statement comparison)."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in _IGNORED and k != "timestamp"}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


class LrsClient:
    """Talks to one LRS. ``requests`` with (connect, read) timeouts on every call, and a deadline on the whole.

    The read timeout bounds each wait for bytes; an LRS trickling its answer a byte at a time would hold
    the caller (a web worker for the console's Test button, the outbox worker for delivery) for as long as
    it likes. So each call also ends by ``connect + read`` timeouts after it starts, with
    :class:`requests.ReadTimeout`, retried like any timeout.

    Every URL is checked against ``policy`` first (:class:`lti.outbound.OutboundRefused`), and the session
    made here connects only to addresses the policy allows, redirects included.
    """

    def __init__(self, destination: Destination, timeout: float, policy: OutboundPolicy,
                 session: requests.Session | None = None) -> None:
        self.destination = destination
        self.timeout = (min(5.0, timeout), timeout)
        self.policy = policy
        self.http = session or guarded_session(self.policy)
        token = base64.b64encode(f"{destination.username}:{destination.password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": destination.xapi_version,
                        "Content-Type": "application/json"}

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + sum(self.timeout)
        try:
            self.policy.check(url)
            response = self.http.request(method, url, headers=self.headers, timeout=self.timeout, stream=True,
                                         **kwargs)
        except OutboundRefused as refused:
            raise OutboundRefused(url, refused.host, f"{method} {safe_url(url)} was not sent: {refused.reason}"
                                  ) from None
        return read_body_by(response, deadline, self.timeout[1])

    def post(self, bodies: Sequence[str]) -> requests.Response:
        data = ("[" + ",".join(bodies) + "]").encode()
        return self._request("POST", self.destination.statements_url, data=data)

    def get_statement(self, statement_id: str) -> requests.Response:
        return self._request("GET", self.destination.statements_url, params={"statementId": statement_id})

    def query_statements(self, limit: int) -> requests.Response:
        return self._request("GET", self.destination.statements_url, params={"limit": str(limit)})

    def about(self) -> requests.Response:
        return self._request("GET", self.destination.endpoint + "about")


class XapiDeliverer:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.timeout = runtime.config.lrs_timeout
        self.policy = runtime.config.outbound_policy("LRS")
        self.http = guarded_session(self.policy)
        self._destinations: dict[tuple[int, str | None], tuple[float, Destination | None]] = {}

    def _destination(self, platform_id: int, deployment_id: str | None) -> Destination | None:
        key = (platform_id, deployment_id)
        cached = self._destinations.get(key)
        if cached is not None and time.monotonic() - cached[0] < DESTINATION_CACHE_SECONDS:
            return cached[1]
        with transaction(self.runtime.sessions) as session:
            row = resolve_destination(session, platform_id, deployment_id)
            destination = open_destination(self.runtime.box, row) if row is not None else None
        self._destinations[key] = (time.monotonic(), destination)
        return destination

    def deliver(self, messages: Sequence[ClaimedMessage]) -> Mapping[int, Outcome]:
        outcomes: dict[int, Outcome] = {}
        by_destination: dict[int, tuple[Destination, list[ClaimedMessage]]] = {}
        for message in messages:
            destination = self._destination(*parse_scope(message.destination))
            if destination is None:
                outcomes[message.id] = Hold("No LRS is configured for this platform or a default: the statement "
                                            "is kept in the local statement log and sent once one is added "
                                            "(`skillbite lrs add`).")
                continue
            by_destination.setdefault(destination.id, (destination, []))[1].append(message)
        for destination, group in by_destination.values():
            client = LrsClient(destination, self.timeout, self.policy, self.http)
            size = destination.batch_size
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                sent = self._send(client, chunk)
                outcomes.update(sent)
                retry = next((o for o in sent.values() if isinstance(o, Retry)), None)
                if retry is not None:
                    # The LRS is down or throttling: do not hammer it with the rest of this batch.
                    for message in group[start + size:]:
                        outcomes[message.id] = retry
                    break
        return outcomes

    def _send(self, client: LrsClient, chunk: Sequence[ClaimedMessage]) -> dict[int, Outcome]:
        try:
            response = client.post([m.body for m in chunk])
        except OutboundRefused as refused:  # will not change until the endpoint or the setting does
            return dict.fromkeys((m.id for m in chunk), Park(f"LRS {refused}"))
        except requests.Timeout:
            return dict.fromkeys((m.id for m in chunk), Retry(f"LRS did not answer within {self.timeout:g} s"))
        except requests.RequestException as exc:
            return dict.fromkeys((m.id for m in chunk), Retry(f"LRS unreachable: {type(exc).__name__}"))
        status = response.status_code
        if 200 <= status < 300:
            return dict.fromkeys((m.id for m in chunk), Delivered())
        if status in SPLIT_STATUSES:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                return {**self._send(client, chunk[:middle]), **self._send(client, chunk[middle:])}
            if status == 409 and self._already_held(client, chunk[0]):
                return {chunk[0].id: Delivered()}
            return {chunk[0].id: Park(_reason(response))}
        after = retry_after_seconds(response.headers.get("Retry-After")) if status in (429, 503) else None
        hint = {401: " (check the LRS credentials: `skillbite lrs test`)",
                403: " (the LRS credentials may not write statements)",
                404: " (check the LRS endpoint URL: `skillbite lrs test`)"}.get(status, "")
        return dict.fromkeys((m.id for m in chunk), Retry(_reason(response) + hint, after))

    def _already_held(self, client: LrsClient, message: ClaimedMessage) -> bool:
        """409: same id. Delivered if the LRS holds the same statement, conflicting otherwise."""
        ours = json.loads(message.body)
        try:
            response = client.get_statement(ours["id"])
        except (requests.RequestException, OutboundRefused):
            return False
        if response.status_code != 200:
            return False
        try:
            theirs = response.json()
        except ValueError:
            return False
        return bool(_comparable(theirs) == _comparable(ours))


register_deliverer(KIND, XapiDeliverer)
