"""Where the learner lives: their plan's time zone, which decides what counts as "today" for them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from plugin.plan.models import LearningPlan

# What ZoneInfo raises for a name that is no zone: unknown, "../x" or a NUL (ValueError), a directory such as
# "Europe" or a name too long for the file system (OSError).
ZONE_ERRORS = (ZoneInfoNotFoundError, ValueError, OSError)


def zone_of(plan: LearningPlan | None) -> dt.tzinfo:
    """The plan's time zone; UTC without a plan, or for a name this system's zone database does not know."""
    if plan is None:
        return dt.UTC
    try:
        return ZoneInfo(plan.timezone)
    except ZONE_ERRORS:
        return dt.UTC


def learner_zone(session: Session, platform_id: int, user_id: int) -> dt.tzinfo:
    return zone_of(session.get(LearningPlan, (platform_id, user_id)))


def local_day(session: Session, platform_id: int, user_id: int, when: dt.datetime) -> dt.date:
    """The calendar day of ``when`` where the learner lives."""
    return when.astimezone(learner_zone(session, platform_id, user_id)).date()


def start_of_local_day(session: Session, platform_id: int, user_id: int, when: dt.datetime) -> dt.datetime:
    """The midnight that began the learner's calendar day of ``when``, in UTC."""
    local = when.astimezone(learner_zone(session, platform_id, user_id))
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=local.tzinfo)
    return midnight.astimezone(dt.UTC)
