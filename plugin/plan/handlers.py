"""What the plan counts: finished nuggets (for prerequisites and pathways) and minutes per day (streaks)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from plugin.catalog.models import Nugget
from plugin.events import LearningEvent, subscribe
from plugin.plan.models import LearningDay, NuggetCompletion
from plugin.plan.zones import local_day


def add_minutes(session: Session, platform_id: int, user_id: int, when: dt.datetime, minutes: float, *,
                nuggets: int = 0, reviews: int = 0) -> None:
    day = local_day(session, platform_id, user_id, when)
    row = session.get(LearningDay, (platform_id, user_id, day))
    if row is None:
        row = LearningDay(platform_id=platform_id, user_id=user_id, day=day, minutes=0.0, nuggets=0, reviews=0)
        session.add(row)
    row.minutes += minutes
    row.nuggets += nuggets
    row.reviews += reviews


def on_completed(session: Session, event: LearningEvent) -> None:
    if event.nugget_id is None:
        return
    nugget = session.get(Nugget, event.nugget_id)
    if nugget is None:
        return
    key = (event.platform_id, event.user_id, nugget.version.course_id, nugget.key)
    if session.get(NuggetCompletion, key) is None:
        session.add(NuggetCompletion(platform_id=event.platform_id, user_id=event.user_id,
                                     course_id=nugget.version.course_id, nugget_key=nugget.key,
                                     completed_at=event.occurred_at))
    # Time on task is measured by the player on the server; without it the nugget's stated minutes count.
    seconds = event.duration_seconds if event.duration_seconds else nugget.minutes * 60
    add_minutes(session, event.platform_id, event.user_id, event.occurred_at, seconds / 60, nuggets=1)


def on_reviewed(session: Session, event: LearningEvent) -> None:
    add_minutes(session, event.platform_id, event.user_id, event.occurred_at,
                (event.duration_seconds or 0.0) / 60, reviews=1)


subscribe("completed", on_completed)
subscribe("reviewed", on_reviewed)
