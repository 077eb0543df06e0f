"""``/metrics`` for Prometheus, and the request hooks that count launches and time every request."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from flask import Blueprint, Response, g, request
from flask.blueprints import BlueprintSetupState
from prometheus_client import generate_latest

from lti.errors import LaunchError
from plugin.metrics.collectors import OutboxCollector
from plugin.metrics.counters import HTTP_LATENCY, HTTP_REQUESTS, LAUNCHES
from plugin.metrics.exposition import CONTENT_TYPE, scrape_registry
from plugin.web.context import runtime

bp = Blueprint("metrics", __name__)

LAUNCH_PATH = "/lti/launch"


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition. With SKILLBITE_METRICS_TOKEN set, only for ``Authorization: Bearer``."""
    token = runtime().config.metrics_token
    if token is not None:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            response = Response("Send the metrics token: Authorization: Bearer <SKILLBITE_METRICS_TOKEN>\n",
                                status=401, mimetype="text/plain")
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body = generate_latest(scrape_registry(OutboxCollector(runtime().sessions)))
    return Response(body, mimetype=None, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


@bp.before_app_request
def start_timer() -> None:
    g.metrics_started = time.perf_counter()


# The labelled children, kept: looking one up in prometheus_client takes a lock and builds keys, on
# every request. Endpoints, methods and statuses are few (unmatched URLs share "unmatched").
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # a client names the method
_requests: dict[tuple[str, str, int], Any] = {}
_latencies: dict[tuple[str, str], Any] = {}


@bp.after_app_request
def count_request(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
    labels = (endpoint, request.method if request.method in _METHODS else "other")
    counted = _requests.get((*labels, response.status_code))
    if counted is None:
        counted = _requests[(*labels, response.status_code)] = HTTP_REQUESTS.labels(*labels, str(response.status_code))
    counted.inc()
    if started is not None:
        timed = _latencies.get(labels)
        if timed is None:
            timed = _latencies[labels] = HTTP_LATENCY.labels(*labels)
        timed.observe(time.perf_counter() - started)
    if request.path == LAUNCH_PATH and request.method == "POST":
        result, error = launch_result(response)
        LAUNCHES.labels(result=result, error=error).inc()
    return response


def launch_result(response: Response) -> tuple[str, str]:
    """(result, error code) of one /lti/launch response.

    The view marks an accepted launch (``g.launch_accepted``): it answers with the first page, or
    redirects to the deep-linking picker. 4xx/5xx otherwise is a rejected one; any other answer is an
    intermediate page (asking the platform's storage for the state) after which the browser posts the
    launch again: ``continued``, so it is not counted twice.
    The code comes from ``g.launch_error_code`` (set for every LaunchError, below, and by views that
    refuse without raising), else from a JSON error body, else from the status.
    """
    status = response.status_code
    if g.get("launch_accepted"):
        return "accepted", ""
    if status < 400:
        return "continued", ""
    code = g.get("launch_error_code")
    if not code and response.is_json:
        body: Any = json.loads(response.get_data(as_text=True) or "null")
        code = body.get("error") if isinstance(body, dict) else None
    return "rejected", str(code or f"http_{status}")[:60]


@bp.record_once
def _remember_launch_error_codes(state: BlueprintSetupState) -> None:
    """Put each LaunchError's code in ``g.launch_error_code`` before the app's handler renders it.

    The handler (plugin.web.errors) turns the exception into a page; by the time the response reaches
    the after-request hook the exception is gone, so its code is kept here. Registered after the app's
    error handlers (create_app registers blueprints last); without one, nothing is wrapped.
    """
    app = state.app
    handlers = app.error_handler_spec.get(None, {}).get(None, {})
    original = handlers.get(LaunchError)
    if original is None:
        return

    def remember_code(exc: LaunchError) -> Any:
        g.launch_error_code = exc.code
        return original(exc)

    handlers[LaunchError] = remember_code
