"""Progress rows. Each carries platform_id and user_id, and every query filters on both, so one learner's
rows can never be read or changed through another's session, whatever ids are guessed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class Enrolment(Base):
    """A learner on one course version. Learners keep their version until they finish it."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("platform_id", "user_id", "version_id", name="uq_enrolment_learner_version"),
        sa.Index("ix_enrolment_learner_course", "platform_id", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    passed: Mapped[bool | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    percent: Mapped[int] = mapped_column(default=0)
    last_nugget_key: Mapped[str | None] = mapped_column(sa.String(100), default=None)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    nuggets: Mapped[list[NuggetProgress]] = relationship(back_populates="enrolment", cascade="all, delete-orphan")


class NuggetProgress(Base):
    __tablename__ = "nugget_progress"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "nugget_key", name="uq_nugget_progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    nugget_id: Mapped[int] = mapped_column(sa.ForeignKey("nugget.id", ondelete="CASCADE"))
    nugget_key: Mapped[str] = mapped_column(sa.String(100))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)  # 0..1, best attempt
    passed: Mapped[bool | None] = mapped_column(default=None)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    carried_over: Mapped[bool] = mapped_column(default=False)

    enrolment: Mapped[Enrolment] = relationship(back_populates="nuggets")


class ItemResponse(Base):
    """One graded answer to one item in one attempt. The response is what the server read from the form."""

    __tablename__ = "item_response"
    __table_args__ = (sa.UniqueConstraint("progress_id", "attempt", "item_key", name="uq_item_response"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(sa.ForeignKey("nugget_progress.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column()
    item_key: Mapped[str] = mapped_column(sa.String(100))
    response: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    score: Mapped[float] = mapped_column(sa.Float)
    correct: Mapped[bool] = mapped_column()
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Sitting(Base):
    """A learner's time in one enrolment during one launch: cmi5's AU session, which ``initialized``
    opens and ``terminated`` closes (cmi5 §9.3.2, §9.3.8). Its time on task is counted by the same rule
    as the enrolment's, so ``terminated`` states this sitting's time, not the enrolment's running total.
    Leaving and then learning on in the same launch opens the next sitting (``number`` + 1)."""

    __tablename__ = "sitting"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "launch_session_id", "number", name="uq_sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"))
    # Deleted with its launch session (plugin.launch.retention): by then the sitting is long over.
    launch_session_id: Mapped[str] = mapped_column(sa.ForeignKey("launch_session.id", ondelete="CASCADE"),
                                                   index=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)
