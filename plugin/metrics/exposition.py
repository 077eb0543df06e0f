"""What one scrape reads: every process's counters (or this process's), plus the collectors given.

The web serves it at ``/metrics`` (views.py); a ``skillbite worker`` that does not share the web's
``PROMETHEUS_MULTIPROC_DIR`` (its own container or pod) serves it on SKILLBITE_WORKER_METRICS_PORT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from plugin.config import Config
from plugin.logs import event
from plugin.metrics import multiprocess

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
log = logging.getLogger("skillbite.metrics")


class _ThisProcess(Collector):
    """The default registry: this process's counters, and its CPU, memory and GC figures."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(*collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess.directory()
    if path is not None:
        MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return registry


def start_worker_metrics(config: Config, host: str = "0.0.0.0") -> int | None:  # noqa: S104
    """Serve this worker process's metrics on SKILLBITE_WORKER_METRICS_PORT; the port, or None when unset.

    Listens on every interface because Prometheus scrapes the pod or container from outside; the port
    carries counters only (no personal data, no token), and the Kubernetes NetworkPolicy or the host's
    firewall limits who reaches it.
    """
    if config.worker_metrics_port is None:
        return None
    server, _thread = start_http_server(config.worker_metrics_port, addr=host, registry=scrape_registry())
    port = int(server.server_port)
    event(log, "worker metrics listening", port=port)
    return port
