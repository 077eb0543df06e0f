"""Database implementations of the :mod:`lti.storage` Protocols used by a launch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.db import dialect_insert, table_of, utcnow
from plugin.launch.models import LaunchState, PlatformKeySet, UsedNonce


class DatabaseLaunchStates:
    """:class:`lti.storage.LaunchStateStore`: states and nonces shared by every web process."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def save_state(self, state: str, data: dict[str, Any], ttl_seconds: int) -> None:
        self._session.connection().execute(sa.insert(table_of(LaunchState)).values(
            state=state, data=data, expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds)))

    def take_state(self, state: str) -> dict[str, Any] | None:
        # One DELETE … RETURNING: two concurrent launches with the same state cannot both get it.
        table = table_of(LaunchState)
        row = self._session.connection().execute(
            sa.delete(table).where(table.c.state == state, table.c.expires_at > utcnow()).returning(table.c.data)
        ).first()
        return dict(row[0]) if row else None

    def use_nonce(self, issuer: str, nonce: str, ttl_seconds: int) -> bool:
        # INSERT … ON CONFLICT DO NOTHING RETURNING: the database decides, atomically, whether the nonce
        # was seen before (rowcount is not reliable for this on every driver; RETURNING is).
        inserted = self._session.connection().execute(
            dialect_insert(self._session, UsedNonce)
            .values(issuer=issuer, nonce=nonce, expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds))
            .on_conflict_do_nothing(index_elements=["issuer", "nonce"])
            .returning(table_of(UsedNonce).c.nonce)).first()
        return inserted is not None


def purge_expired(session: Session) -> int:
    """Delete expired states and nonces; run by the worker and by `skillbite db purge`."""
    now = utcnow()
    removed = 0
    for model in (LaunchState, UsedNonce):
        result: CursorResult[Any] = session.execute(sa.delete(model).where(model.expires_at <= now))  # type: ignore[assignment]
        removed += result.rowcount or 0
    return removed


class DatabaseKeySetCache:
    """:class:`lti.storage.KeySetCache` over the database."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get_key_set(self, url: str) -> tuple[dict[str, Any], float] | None:
        row = self._session.get(PlatformKeySet, url)
        return (dict(row.key_set), row.fetched_at) if row else None

    def put_key_set(self, url: str, key_set: dict[str, Any], fetched_at: float) -> None:
        row = self._session.get(PlatformKeySet, url)
        if row is None:
            try:
                with self._session.begin_nested():
                    self._session.add(PlatformKeySet(url=url, key_set=key_set, fetched_at=fetched_at))
                return
            except IntegrityError:
                row = self._session.get(PlatformKeySet, url)
                assert row is not None
        row.key_set = key_set
        row.fetched_at = fetched_at
