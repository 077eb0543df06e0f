"""Writing, claiming and settling outbox messages. Plain functions over a session; no network here."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from plugin.db import utcnow
from plugin.logs import request_id
from plugin.outbox.models import QUEUED, OutboxMessage, Status


@dataclass(frozen=True)
class NewMessage:
    kind: str
    destination: str
    key: str
    payload: Any
    platform_id: int | None = None


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutboxMessage)


def enqueue(session: Session, *, kind: str, destination: str, key: str, payload: Any,
            platform_id: int | None) -> None:
    """Add a message in the caller's transaction. A second message with the same ``key`` is ignored."""
    enqueue_many(session, [NewMessage(kind, destination, key, payload, platform_id)])


def enqueue_many(session: Session, messages: Iterable[NewMessage], *, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    rid = request_id.get()
    rows = [dict(kind=m.kind, destination=m.destination, key=m.key,
                 body=m.payload if isinstance(m.payload, str) else json.dumps(m.payload, separators=(",", ":")),
                 status=Status.QUEUED.value, attempts=0, next_attempt_at=now, created_at=now,
                 platform_id=m.platform_id, request_id=rid) for m in messages]
    if rows:
        session.execute(_insert(session).on_conflict_do_nothing(index_elements=["key"]), rows)


@dataclass(frozen=True)
class ClaimedMessage:
    """A snapshot of a claimed row, safe to use after the claim's transaction ended."""

    id: int
    kind: str
    destination: str
    key: str
    body: str
    attempts: int
    platform_id: int | None
    created_at: dt.datetime
    requeued_at: dt.datetime | None

    @property
    def queued_since(self) -> dt.datetime:
        """Where the give-up window starts: its creation, or its last replay."""
        return self.requeued_at or self.created_at

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Claim:
    token: str
    messages: list[ClaimedMessage]


def claim(session: Session, *, limit: int, lease: dt.timedelta, kinds: Sequence[str] | None = None,
          now: dt.datetime | None = None) -> Claim:
    """Take up to ``limit`` due messages for this worker until ``now + lease``.

    One UPDATE statement: on PostgreSQL its subquery locks the rows it picks with ``FOR UPDATE SKIP
    LOCKED``, so parallel workers take disjoint batches without waiting on each other; on SQLite the
    single statement runs under the database write lock. The lease is written into ``next_attempt_at``
    as well, so a batch whose worker died (SIGKILL, power loss) becomes due again when the lease ends.
    """
    now = now or utcnow()
    until = now + lease
    token = uuid.uuid4().hex
    due = (sa.select(OutboxMessage.id)
           .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
           .limit(limit)
           .with_for_update(skip_locked=True))
    if kinds is not None:
        due = due.where(OutboxMessage.kind.in_(list(kinds)))
    table = cast(sa.Table, OutboxMessage.__table__)
    stmt = (sa.update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(claimed_until=until, next_attempt_at=until, claim_token=token,
                    attempts=OutboxMessage.attempts + 1)
            .returning(table.c.id, table.c.kind, table.c.destination, table.c.key, table.c.body,
                       table.c.attempts, table.c.platform_id, table.c.created_at, table.c.requeued_at))
    rows = session.connection().execute(stmt).all()
    messages = sorted((ClaimedMessage(**row._mapping) for row in rows), key=lambda m: m.id)
    return Claim(token, messages)


def mark_delivered(session: Session, token: str, ids: Sequence[int] | None,
                   now: dt.datetime | None = None) -> int:
    """Settle delivered messages (``ids`` None: the whole claim). A message whose lease ran out and that
    another worker claimed since carries that worker's token, so it is left to that worker."""
    if ids is not None and not ids:
        return 0
    table = cast(sa.Table, OutboxMessage.__table__)
    stmt = sa.update(table).where(table.c.claim_token == token)
    if ids is not None:
        stmt = stmt.where(table.c.id.in_(list(ids)))
    result = session.connection().execute(stmt.values(
        status=Status.DELIVERED.value, finished_at=now or utcnow(), claimed_until=None, claim_token=None,
        last_error=None))
    return int(result.rowcount)


def mark_retry(session: Session, token: str, ids: Sequence[int], *, at: dt.datetime, error: str) -> None:
    if ids:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.claim_token == token)
            .values(next_attempt_at=at, claimed_until=None, claim_token=None, last_error=error[:2000])
            .execution_options(synchronize_session=False))


def mark_stopped(session: Session, token: str, ids: Sequence[int], *, status: Status, reason: str,
                 now: dt.datetime | None = None) -> None:
    """Park (needs a person) or hold (needs a destination) messages, with the reason people will read."""
    if ids:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.claim_token == token)
            .values(status=status.value, finished_at=now or utcnow(), claimed_until=None, claim_token=None,
                    last_error=reason[:2000])
            .execution_options(synchronize_session=False))


def replay(session: Session, *, ids: Sequence[int] | None = None, kind: str | None = None,
           platform_id: int | None = None, status: Status = Status.PARKED,
           now: dt.datetime | None = None) -> int:
    """Queue parked (or held) messages again, attempts reset and a new give-up window. Returns how many."""
    stmt = sa.update(OutboxMessage).where(OutboxMessage.status == status.value)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if platform_id is not None:
        stmt = stmt.where(OutboxMessage.platform_id == platform_id)
    now = now or utcnow()
    result = session.execute(stmt.values(status=Status.QUEUED.value, attempts=0, next_attempt_at=now,
                                         requeued_at=now, finished_at=None)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def release_held(session: Session, *, kind: str) -> int:
    """A destination was added: give every held message of ``kind`` another go."""
    return replay(session, kind=kind, status=Status.HELD)


def delivery_health(session: Session, *, platform_id: int | None = None, kind: str | None = None,
                    now: dt.datetime | None = None, parked_limit: int = 50) -> dict[str, Any]:
    """What an admin needs to see: queued, in flight, held, oldest waiting age, parked with reasons."""
    now = now or utcnow()
    om = OutboxMessage

    def scoped(stmt: Any) -> Any:
        if platform_id is not None:
            stmt = stmt.where(om.platform_id == platform_id)
        if kind is not None:
            stmt = stmt.where(om.kind == kind)
        return stmt

    # Due and unclaimed: a running worker picks such a message up within a poll (a second by default).
    waiting_for_a_worker = sa.and_(om.next_attempt_at <= now,
                                   sa.or_(om.claimed_until.is_(None), om.claimed_until <= now))
    queued_rows = session.execute(scoped(
        sa.select(om.kind, sa.func.count(), sa.func.min(om.created_at),
                  sa.func.sum(sa.case((om.claimed_until > now, 1), else_=0)),
                  sa.func.min(sa.case((waiting_for_a_worker, om.next_attempt_at))))
        .where(om.status == QUEUED).group_by(om.kind))).all()
    stopped_rows = session.execute(scoped(
        sa.select(om.kind, om.status, sa.func.count()).where(om.status.in_([Status.PARKED.value,
                                                                               Status.HELD.value]))
        .group_by(om.kind, om.status))).all()
    kinds: dict[str, dict[str, Any]] = {}

    def entry(k: str) -> dict[str, Any]:
        return kinds.setdefault(k, {"queued": 0, "in_flight": 0, "held": 0, "parked": 0,
                                    "oldest_queued_age_seconds": None, "unclaimed_due_seconds": None})

    for k, count, oldest, in_flight, due in queued_rows:
        e = entry(k)
        if due is not None:
            due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
            e["unclaimed_due_seconds"] = round((now - due).total_seconds(), 3)
        e["in_flight"] = int(in_flight or 0)
        e["queued"] = int(count) - e["in_flight"]
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            e["oldest_queued_age_seconds"] = round((now - oldest).total_seconds(), 3)
    for k, status, count in stopped_rows:
        entry(k)[status] = int(count)
    parked = session.execute(scoped(
        sa.select(om.id, om.kind, om.key, om.destination, om.last_error, om.finished_at, om.attempts,
                  om.platform_id)
        .where(om.status == Status.PARKED.value).order_by(om.id.desc()).limit(parked_limit))).all()
    held_reasons = session.execute(scoped(
        sa.select(om.kind, om.last_error, sa.func.count()).where(om.status == Status.HELD.value)
        .group_by(om.kind, om.last_error))).all()
    due = [e["unclaimed_due_seconds"] for e in kinds.values() if e["unclaimed_due_seconds"] is not None]
    return {
        "checked_at": now.isoformat(),
        "kinds": kinds,
        # how long the longest-due message has waited for a worker to pick it up (None: none waits)
        "unclaimed_due_seconds": max(due) if due else None,
        "parked": [{"id": r.id, "kind": r.kind, "key": r.key, "destination": r.destination,
                    "reason": r.last_error, "parked_at": r.finished_at.isoformat() if r.finished_at else None,
                    "attempts": r.attempts, "platform_id": r.platform_id} for r in parked],
        "held": [{"kind": k, "reason": reason, "count": int(n)} for k, reason, n in held_reasons],
    }


def counts_by_status(session: Session) -> Mapping[str, int]:
    rows = session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    return {status: int(n) for status, n in rows}
