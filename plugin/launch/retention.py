"""Housekeeping of what launches leave behind: run by every worker hourly and by `skillbite db purge`.

Login states and used nonces go as soon as they expire (Security Framework 1.0 §5.1.1.1, §5.1.3: they only
matter while their id_token could still be accepted). Launch sessions go ``session_days`` after they
expired, except each person's newest one per LMS course and role: that one is the record that they
launched there, which the roster shows until the LMS sends its own (NRPS) and the skills insights count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from plugin.db import table_of, utcnow
from plugin.launch.models import LaunchSession, LaunchState, UsedNonce


@dataclass(frozen=True)
class Purged:
    states_and_nonces: int
    sessions: int

    @property
    def total(self) -> int:
        return self.states_and_nonces + self.sessions


def purge(session: Session, *, session_days: int, now: dt.datetime | None = None) -> Purged:
    """Delete what expired; ``session_days`` 0 keeps launch sessions forever. The caller commits."""
    now = now or utcnow()
    expired = sum(_deleted(session, sa.delete(model).where(model.expires_at <= now))
                  for model in (LaunchState, UsedNonce))
    sessions = _deleted(session, _old_sessions(now - dt.timedelta(days=session_days))) if session_days else 0
    return Purged(expired, sessions)


def _old_sessions(cutoff: dt.datetime) -> sa.Delete:
    launches = table_of(LaunchSession)
    newer = launches.alias("newer")
    has_newer = sa.exists().where(newer.c.user_pk == launches.c.user_pk, newer.c.context_pk == launches.c.context_pk,
                                  newer.c.role == launches.c.role, newer.c.created_at > launches.c.created_at)
    return sa.delete(launches).where(
        launches.c.expires_at <= cutoff,
        sa.or_(launches.c.user_pk.is_(None), launches.c.context_pk.is_(None), has_newer))


def _deleted(session: Session, statement: sa.Delete) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount or 0
