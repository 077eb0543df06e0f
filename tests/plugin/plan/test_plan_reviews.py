"""Today's plan books review minutes only for what is left of today's review session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from plugin.catalog.models import Course, QuizItem
from plugin.db import transaction
from plugin.plan.services import save_plan, week_plan
from plugin.review.models import ReviewCard, ReviewLog
from tests.plugin.player.launches import Launch

NOW = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)  # 00:30 on Monday 23 November in Berlin


def due_cards(app: Any, learner: Launch, count: int, reviewed_at: list[dt.datetime]) -> None:
    """``count`` cards due since yesterday; one review logged at each of ``reviewed_at``."""
    with transaction(app.extensions["skillbite"].sessions) as session:
        item = session.scalars(sa.select(QuizItem)).first()
        course_id = session.scalar(sa.select(Course.id))
        assert item is not None and course_id is not None
        for i in range(count):
            card = ReviewCard(platform_id=learner.platform_id, user_id=learner.user_id, course_id=course_id,
                              nugget_key="why-feedback", item_key=f"k{i}", item_id=item.id,
                              due=NOW - dt.timedelta(days=1))
            session.add(card)
            session.flush()
            if i < len(reviewed_at):
                session.add(ReviewLog(card_id=card.id, source="review", rating=3, correct=True,
                                      reviewed_at=reviewed_at[i]))


def review_minutes_today(app: Any, learner: Launch) -> int:
    with transaction(app.extensions["skillbite"].sessions) as session:
        save_plan(session, learner.platform_id, learner.user_id, weekly_minutes=140, days=[1, 2, 3, 4, 5, 6, 7],
                  slot="08:00", timezone="Europe/Berlin")
        week = week_plan(session, learner.platform_id, learner.user_id, now=NOW)
    assert week.days[0].day == dt.date(2026, 11, 23)
    return week.days[0].review_minutes


def test_no_review_minutes_once_todays_session_is_used_up(app, launch_as, demo_course):
    learner = launch_as("ria")
    due_cards(app, learner, 12, [NOW - dt.timedelta(minutes=5)] * 8)
    assert review_minutes_today(app, learner) == 0


def test_review_minutes_for_the_cards_left_in_todays_session(app, launch_as, demo_course):
    learner = launch_as("sol")
    due_cards(app, learner, 12, [NOW - dt.timedelta(minutes=5)] * 5)
    assert review_minutes_today(app, learner) == 2  # 3 cards at ½ min


def test_reviews_before_the_learners_midnight_belong_to_yesterday(app, launch_as, demo_course):
    learner = launch_as("tom")
    due_cards(app, learner, 12, [NOW - dt.timedelta(minutes=40)] * 8)  # 23:50 on Sunday in Berlin
    assert review_minutes_today(app, learner) == 4  # a whole session: 8 cards at ½ min
