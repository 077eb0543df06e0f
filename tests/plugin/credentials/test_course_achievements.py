"""A course package's achievements become Open Badges achievements, linked to the published version."""

from __future__ import annotations

import sqlalchemy as sa

from plugin.catalog.services import load_demo_course
from plugin.credentials.models import Achievement, AchievementCourseLink
from plugin.db import transaction


def test_publishing_the_demo_course_creates_its_badge_aligned_to_its_skill(runtime) -> None:
    with transaction(runtime.sessions) as session:
        version_id = load_demo_course(session).version.id
    with runtime.sessions() as session:
        [achievement] = session.scalars(sa.select(Achievement)).all()
        [link] = session.scalars(sa.select(AchievementCourseLink)).all()
        assert achievement.key == "giving-useful-feedback/feedback-practitioner"
        assert achievement.name == "Feedback practitioner"
        assert achievement.platform_id is None  # offered on every platform
        [alignment] = achievement.alignments
        assert alignment["targetType"] == "ceasn:Competency"
        assert alignment["targetUrl"] == "https://skillbite.example/frameworks/people-skills/items/feedback"
        assert (link.achievement_id, link.course_version_id, link.rule) == (achievement.id, version_id, "completed")


def test_loading_the_same_course_again_adds_no_second_badge(runtime) -> None:
    for _ in range(2):
        with transaction(runtime.sessions) as session:
            load_demo_course(session)
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(AchievementCourseLink)) == 1
