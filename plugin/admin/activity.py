"""The dashboard's numbers: launches, completions and deliveries per day, read from the tables that
record them (launch sessions, enrolments, delivered outbox messages). Scoped to one platform or all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.db import utcnow
from plugin.launch.models import LaunchSession
from plugin.outbox.models import OutboxMessage, Status
from plugin.platforms.models import Platform
from plugin.progress.models import Enrolment


@dataclass(frozen=True)
class DailySeries:
    title: str
    days: list[dt.date]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def rows(self) -> list[tuple[dt.date, int]]:
        return list(zip(self.days, self.counts, strict=True))

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as 'YYYY-MM-DD' text, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)  # SQLite stores UTC ISO text (plugin.db.UTCDateTime)


def _series(session: Session, title: str, column: Any, where: list[Any], days: list[dt.date]) -> DailySeries:
    since = dt.datetime.combine(days[0], dt.time(), tzinfo=dt.UTC)
    day = _day(session, column)
    rows = session.execute(sa.select(day, sa.func.count()).where(column >= since, *where).group_by(day)).all()
    found = {str(d): int(n) for d, n in rows}
    return DailySeries(title, days, [found.get(d.isoformat(), 0) for d in days])


def daily_activity(session: Session, platform_id: int | None, days: int = 30,
                   today: dt.date | None = None) -> list[DailySeries]:
    today = today or utcnow().date()
    span = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]

    def scoped(column: Any) -> list[Any]:
        return [] if platform_id is None else [column == platform_id]

    return [
        _series(session, "Launches", LaunchSession.created_at, scoped(LaunchSession.platform_id), span),
        _series(session, "Course completions", Enrolment.completed_at,
                [Enrolment.completed_at.is_not(None), *scoped(Enrolment.platform_id)], span),
        _series(session, "Deliveries (xAPI statements, scores)", OutboxMessage.finished_at,
                [OutboxMessage.status == Status.DELIVERED.value, *scoped(OutboxMessage.platform_id)], span),
    ]


@dataclass(frozen=True)
class Overview:
    platforms: int
    enabled_platforms: int
    learners_30d: int


def overview(session: Session, platform_id: int | None, today: dt.date | None = None) -> Overview:
    since = dt.datetime.combine((today or utcnow().date()) - dt.timedelta(days=29), dt.time(), tzinfo=dt.UTC)
    platforms = sa.select(sa.func.count(), sa.func.sum(sa.case((Platform.enabled.is_(True), 1), else_=0)))
    learners = sa.select(sa.func.count(sa.distinct(LaunchSession.user_pk))).where(
        LaunchSession.created_at >= since, LaunchSession.role == "learner")
    if platform_id is not None:
        platforms = platforms.where(Platform.id == platform_id)
        learners = learners.where(LaunchSession.platform_id == platform_id)
    total, enabled = session.execute(platforms).one()
    return Overview(int(total or 0), int(enabled or 0), int(session.scalar(learners) or 0))
