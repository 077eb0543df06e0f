"""Outbox gauges computed from the database at scrape time, so every web process reports the same truth.

Counting only undelivered rows keeps the scrape cheap however long the delivered history grows: the
queries read the partial indexes on ``status`` (``ix_outbox_due``, ``ix_outbox_attention``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from plugin.db import utcnow

log = logging.getLogger("skillbite.metrics")

ATTENTION_STATUSES = ("parked", "held")  # literals: see plugin/outbox/models.py


class OutboxCollector(Collector):
    """``skillbite_outbox_depth{kind,status}`` and ``skillbite_outbox_oldest_age_seconds{kind}``.

    Tolerant: without the outbox table (a database migrated before the outbox existed) or without a
    database, it reports ``skillbite_outbox_up 0`` and nothing else, instead of failing the scrape.
    """

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("skillbite_outbox_up", "1 when the outbox gauges could be read from the database.")
        try:
            depth_rows, oldest_rows = self._read()
        except SQLAlchemyError as exc:
            log.warning("outbox gauges unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("skillbite_outbox_depth", "Outbox messages not delivered yet, by kind and status.",
                                  labels=["kind", "status"])
        for kind, status, count in depth_rows:
            depth.add_metric([kind, status], count)
        yield depth
        age = GaugeMetricFamily("skillbite_outbox_oldest_age_seconds",
                                "Age of the oldest queued outbox message, by kind (no sample: none queued).",
                                labels=["kind"])
        now = utcnow()
        for kind, oldest in oldest_rows:
            age.add_metric([kind], max(0.0, (now - oldest).total_seconds()))
        yield age

    def _read(self) -> tuple[list[tuple[str, str, int]], list[tuple[str, dt.datetime]]]:
        from plugin.outbox.models import QUEUED, OutboxMessage

        # Literal status values, as in the partial indexes' WHERE terms, so the planner can use them.
        attention: list[sa.ColumnElement[str]] = [sa.literal_column(f"'{status}'") for status in ATTENTION_STATUSES]
        with self._sessions() as session:
            queued = session.execute(
                sa.select(OutboxMessage.kind, sa.func.count(), sa.func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status == QUEUED).group_by(OutboxMessage.kind)).all()
            waiting = session.execute(
                sa.select(OutboxMessage.kind, OutboxMessage.status, sa.func.count())
                .where(OutboxMessage.status.in_(attention))
                .group_by(OutboxMessage.kind, OutboxMessage.status)).all()
        depth = [(str(kind), "queued", int(count)) for kind, count, _ in queued]
        depth += [(str(kind), str(status), int(count)) for kind, status, count in waiting]
        return depth, [(str(kind), oldest) for kind, _, oldest in queued if oldest is not None]
