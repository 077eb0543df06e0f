"""Award rules: a learning event that meets a course's rule earns the linked achievements.

Handlers run inside the transaction that recorded the progress (plugin.events), so the credential, its
``earned`` event and the xAPI statement it causes are committed together, or not at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.credentials.achievements import course_links
from plugin.credentials.models import AchievementCourseLink
from plugin.credentials.services import Evidence, award_credential
from plugin.events import LearningEvent, subscribe
from plugin.launch.models import User


def rule_met(link: AchievementCourseLink, event: LearningEvent) -> bool:
    if link.rule == "completed":
        return event.kind in ("completed", "passed") and event.completion is not False
    # "passed": mastery. A passed event, or a completion the player marked successful.
    if not (event.kind == "passed" or event.kind == "completed" and event.success is True):
        return False
    if link.min_score is None:
        return True
    return event.score_scaled is not None and event.score_scaled >= link.min_score


def award_for_event(session: Session, event: LearningEvent) -> None:
    # Only the course's own completion counts: a nugget's "passed" or "completed" carries the course
    # version too, but earns nothing by itself.
    if event.course_version_id is None or event.nugget_id is not None or event.module_id is not None:
        return
    links = [link for link in course_links(session, event.course_version_id) if rule_met(link, event)]
    if not links:
        return
    user = session.get(User, event.user_id)
    if user is None:
        return
    for link in links:
        title = link.course_title or str(event.extra.get("course_title") or link.achievement.name)
        evidence = Evidence(course_title=title, completed_at=event.occurred_at, score=event.score_scaled,
                            course_url=event.extra.get("course_url"), course_version_id=event.course_version_id)
        award_credential(session, user, link.achievement, evidence, launch_session_id=event.launch_session_id)


def install() -> None:
    for kind in ("completed", "passed"):
        subscribe(kind, award_for_event)
