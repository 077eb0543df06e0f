"""Database implementations of the :mod:`lti.storage` Protocols used by a launch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.db import UTCDateTime, insert_for, table_of, utcnow
from plugin.db_driver import DriverStatement
from plugin.launch.models import LaunchState, PlatformKeySet, UsedNonce

# Every login and launch runs these: built once, run on the driver (plugin.db_driver explains why).
_SAVE_STATE = DriverStatement(lambda _: sa.insert(table_of(LaunchState)).values(
    state=sa.bindparam("state"), data=sa.bindparam("data"), expires_at=sa.bindparam("expires_at")))
_TAKE_STATE = DriverStatement(lambda _: sa.delete(table_of(LaunchState)).where(
    table_of(LaunchState).c.state == sa.bindparam("state"),
    table_of(LaunchState).c.expires_at > sa.bindparam("now", type_=UTCDateTime()),
).returning(table_of(LaunchState).c.data))
# INSERT … ON CONFLICT DO NOTHING RETURNING: the database decides, atomically, whether the nonce was
# seen before (rowcount is not reliable for this on every driver; RETURNING is).
_USE_NONCE = DriverStatement(lambda dialect: insert_for(dialect, UsedNonce).values(
    issuer=sa.bindparam("issuer"), nonce=sa.bindparam("nonce"), expires_at=sa.bindparam("expires_at"),
).on_conflict_do_nothing(index_elements=["issuer", "nonce"]).returning(table_of(UsedNonce).c.nonce))


class DatabaseLaunchStates:
    """:class:`lti.storage.LaunchStateStore`: states and nonces shared by every web process."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def save_state(self, state: str, data: dict[str, Any], ttl_seconds: int) -> None:
        _SAVE_STATE.rows(self._session, {
            "state": state, "data": data, "expires_at": utcnow() + dt.timedelta(seconds=ttl_seconds)})

    def take_state(self, state: str) -> dict[str, Any] | None:
        # One DELETE … RETURNING: two concurrent launches with the same state cannot both get it.
        row = _TAKE_STATE.first(self._session, {"state": state, "now": utcnow()})
        return dict(row[0]) if row else None

    def use_nonce(self, issuer: str, nonce: str, ttl_seconds: int) -> bool:
        return _USE_NONCE.first(self._session, {
            "issuer": issuer, "nonce": nonce, "expires_at": utcnow() + dt.timedelta(seconds=ttl_seconds)}) is not None


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
