"""A learner's plan (weekly goal, days, slot), what they finished, and minutes per day (for streaks)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class LearningPlan(Base):
    __tablename__ = "learning_plan"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    weekly_minutes: Mapped[int] = mapped_column(default=60)
    days: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # ISO weekdays 1 (Mon) .. 7 (Sun)
    slot: Mapped[str] = mapped_column(sa.String(5), default="08:30")  # local start time, HH:MM
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")  # IANA name
    # Only a hash of the calendar token is kept: the private URL is shown once, and a database copy
    # cannot be turned back into a working feed URL.
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(64), default=None, unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NuggetCompletion(Base):
    """A nugget the learner finished, by course and nugget key, so it survives new course versions."""

    __tablename__ = "nugget_completion"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    nugget_key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    completed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LearningDay(Base):
    """Minutes learnt on one calendar day (in the learner's time zone): nuggets and reviews."""

    __tablename__ = "learning_day"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    minutes: Mapped[float] = mapped_column(sa.Float, default=0.0)
    nuggets: Mapped[int] = mapped_column(default=0)
    reviews: Mapped[int] = mapped_column(default=0)
