"""Review cards (one per learner and quiz item, FSRS memory state) and the log of every review."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class ReviewCard(Base):
    """Keyed by course and item keys, not row ids, so a new course version keeps the learner's memory."""

    __tablename__ = "review_card"
    __table_args__ = (
        sa.UniqueConstraint("platform_id", "user_id", "course_id", "nugget_key", "item_key", name="uq_review_card"),
        sa.Index("ix_review_card_due", "platform_id", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    nugget_key: Mapped[str] = mapped_column(sa.String(100))
    item_key: Mapped[str] = mapped_column(sa.String(100))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_item.id", ondelete="CASCADE"))  # newest seen
    # FSRS memory state (fsrs.Card): state 1 learning, 2 review, 3 relearning.
    state: Mapped[int] = mapped_column(default=1)
    step: Mapped[int | None] = mapped_column(default=None)
    stability: Mapped[float | None] = mapped_column(sa.Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(sa.Float, default=None)
    due: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_review: Mapped[dt.datetime | None] = mapped_column(default=None)
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    shown_at: Mapped[dt.datetime | None] = mapped_column(default=None)  # server-side start of a review
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewLog(Base):
    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("review_card.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))  # quiz (first answer in the player) | review
    rating: Mapped[int] = mapped_column()  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    correct: Mapped[bool] = mapped_column()
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    # The answer as read from the form (a review's, not a quiz's: those are item responses), to show its
    # feedback again on the result page after the redirect.
    response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
