"""/metrics: Prometheus text for every process, optional bearer token, request timing by endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin import create_app
from plugin.metrics.counters import record_delivery
from plugin.migrate import upgrade
from tests.conftest import make_config

from .helpers import scrape, value


def test_metrics_is_prometheus_text_exposition(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE skillbite_http_requests_total counter" in response.text
    assert "# TYPE skillbite_http_request_duration_seconds histogram" in response.text


def test_each_request_is_counted_and_timed_by_endpoint(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    after = scrape(client)
    labels = dict(endpoint="health.healthz", method="GET")
    assert value(after, "skillbite_http_requests_total", **labels, status="200") - \
        value(before, "skillbite_http_requests_total", **labels, status="200") == 3
    assert value(after, "skillbite_http_request_duration_seconds_count", **labels) - \
        value(before, "skillbite_http_request_duration_seconds_count", **labels) == 3
    assert value(after, "skillbite_http_request_duration_seconds_bucket", **labels, le="+Inf") >= 3


def test_unknown_paths_share_one_series(client):
    before = scrape(client)
    client.get("/no-such-page-1")
    client.get("/no-such-page-2")
    after = scrape(client)
    labels = dict(endpoint="unmatched", method="GET", status="404")
    assert value(after, "skillbite_http_requests_total", **labels) - \
        value(before, "skillbite_http_requests_total", **labels) == 2
    assert "no-such-page" not in after


def test_counters_other_features_record_appear_with_the_destination_host_only(client):
    before = scrape(client)
    record_delivery("xapi", "https://user:pw@lrs.example.com/xapi/statements", "delivered")
    after = scrape(client)
    labels = dict(kind="xapi", destination="https://lrs.example.com", outcome="delivered")
    assert value(after, "skillbite_outbox_deliveries_total", **labels) - \
        value(before, "skillbite_outbox_deliveries_total", **labels) == 1
    assert "user:pw" not in after


@pytest.fixture
def guarded_client(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, database_url, metrics_token="scrape-me")
    upgrade(config.database_url)
    app = create_app(config)
    yield app.test_client()
    app.extensions["skillbite"].engine.dispose()


def test_metrics_token_is_required_when_set(guarded_client):
    response = guarded_client.get("/metrics")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "skillbite_" not in response.text


def test_wrong_metrics_token_is_refused(guarded_client):
    assert guarded_client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401


def test_right_metrics_token_reads_metrics(guarded_client):
    text = scrape(guarded_client, Authorization="Bearer scrape-me")
    assert "skillbite_http_requests_total" in text
