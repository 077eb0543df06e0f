"""The metric objects that features count with. Import them; never create a second metric of a name.

Labels take a small, fixed set of values (codes, kinds, hosts), never ids, user data or full URLs: each
label value is a new time series in Prometheus.

| Metric (as scraped) | Labels | Counted by |
| --- | --- | --- |
| ``skillbite_launches_total`` | ``result`` (accepted, rejected, continued), ``error`` | the web hook on /lti/launch |
| ``skillbite_http_requests_total`` | ``endpoint``, ``method``, ``status`` | the web hook, every request |
| ``skillbite_http_request_duration_seconds`` | ``endpoint``, ``method`` | the web hook, every request |
| ``skillbite_outbox_deliveries_total`` | ``kind``, ``destination``, ``outcome`` | the worker: :func:`record_delivery` |
| ``skillbite_ags_failures_total`` | ``reason`` | AGS delivery: :func:`record_ags_failure` |
| ``skillbite_credentials_issued_total`` | none | ``credentials.services.issue`` |
| ``skillbite_credentials_revoked_total`` | none | credential revocation |

The outbox gauges (depth, oldest age) are read from the database at scrape time: see ``collectors.py``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram

from plugin.metrics import multiprocess

# In multi-process mode each metric opens its file in the directory as it is created, here at import.
multiprocess.ensure_directory()

LAUNCHES = Counter(
    "skillbite_launches", "LTI launches received at /lti/launch, by result and rejection code.",
    ["result", "error"])

HTTP_REQUESTS = Counter(
    "skillbite_http_requests", "HTTP requests answered, by endpoint, method and status code.",
    ["endpoint", "method", "status"])

HTTP_LATENCY = Histogram(
    "skillbite_http_request_duration_seconds", "Time to answer one HTTP request, by endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))

DELIVERIES = Counter(
    "skillbite_outbox_deliveries", "Outbox messages settled by a worker, by kind, destination host and outcome.",
    ["kind", "destination", "outcome"])

AGS_FAILURES = Counter(
    "skillbite_ags_failures", "Scores the LMS did not take on an attempt (AGS), by reason code.",
    ["reason"])

CREDENTIALS_ISSUED = Counter("skillbite_credentials_issued", "Open Badges credentials issued.")

CREDENTIALS_REVOKED = Counter("skillbite_credentials_revoked", "Open Badges credentials revoked.")

DELIVERY_OUTCOMES = ("delivered", "retry", "parked", "held")


def destination_label(destination: str) -> str:
    """The host of a destination URL (``https://lrs.example.com``): bounded by the LRSs and LMSs in use.

    The full URL would make one series per AGS line item; a value that is not a URL is kept as given.
    """
    parts = urlsplit(destination)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"  # never a user:password@ in a label
    return destination[:100]


def record_delivery(kind: str, destination: str, outcome: str) -> None:
    """Count one settled message; ``outcome`` is one of :data:`DELIVERY_OUTCOMES`."""
    if outcome not in DELIVERY_OUTCOMES:
        raise ValueError(f"unknown delivery outcome {outcome!r}; use one of {', '.join(DELIVERY_OUTCOMES)}")
    DELIVERIES.labels(kind=kind, destination=destination_label(destination), outcome=outcome).inc()


def record_ags_failure(reason: str) -> None:
    """Count one failed AGS attempt; ``reason`` is a short code (``token``, ``http_4xx``, ``timeout``...)."""
    AGS_FAILURES.labels(reason=reason).inc()
