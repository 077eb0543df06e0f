"""Prometheus metrics: what operators watch (launches, latency, outbox health, deliveries, credentials).

``counters.py`` holds the metric objects other features count with; ``collectors.py`` computes the
outbox gauges from the database at scrape time; ``views.py`` serves ``/metrics`` and times requests;
``multiprocess.py`` makes the numbers of every web worker add up (``PROMETHEUS_MULTIPROC_DIR``).
"""
