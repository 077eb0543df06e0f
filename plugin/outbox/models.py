"""Outbox rows: one message to deliver, its state, and why it is stuck if it is."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow

# BIGINT on PostgreSQL (history can pass 2^31); INTEGER on SQLite, where only INTEGER PRIMARY KEY
# is the fast rowid alias with autoincrement.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Status(enum.StrEnum):
    QUEUED = "queued"        # waiting for its next attempt, or claimed by a worker (claimed_until)
    DELIVERED = "delivered"  # the destination took it
    PARKED = "parked"        # will not succeed by retrying; an admin must look (last_error says why)
    HELD = "held"            # no destination configured yet; released when one is added


def _literal(value: str) -> sa.ColumnElement[bool]:
    # A literal, not a bound parameter: SQLite uses a partial index only when the query repeats the
    # index's WHERE term verbatim, and a parameter never matches.
    return sa.literal_column(f"'{value}'")  # noqa: S608  (value is one of the constants above)


class OutboxMessage(Base):
    """One message for one destination. ``key`` makes enqueueing idempotent."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The claim reads only due rows through this partial index, so its cost does not grow with the
        # delivered history (bench/xapi.py measures it at 0, 100k and 1M delivered rows).
        sa.Index("ix_outbox_due", "next_attempt_at", "id",
                 postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'")),
        # Settling a whole batch by its claim token touches only rows in flight.
        sa.Index("ix_outbox_claim", "claim_token", postgresql_where=sa.text("claim_token IS NOT NULL"),
                 sqlite_where=sa.text("claim_token IS NOT NULL")),
        sa.Index("ix_outbox_attention", "kind", "status",
                 postgresql_where=sa.text("status IN ('parked', 'held')"),
                 sqlite_where=sa.text("status IN ('parked', 'held')")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    destination: Mapped[str] = mapped_column(sa.String(1000))
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)  # the payload as JSON text, sent as is
    status: Mapped[str] = mapped_column(sa.String(10), default=Status.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    last_error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"),
                                                    default=None)
    request_id: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when an admin (or a new destination) queues a parked or held message again: the worker's give-up
    # window (SKILLBITE_OUTBOX_GIVE_UP_HOURS) then counts from here, not from created_at.
    requeued_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


QUEUED = _literal(Status.QUEUED.value)
