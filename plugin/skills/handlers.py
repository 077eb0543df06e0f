"""Evidence from learning events: answers (in quizzes and reviews) and completed nuggets update the
learner's skill estimates in the same transaction as the event (plugin.events)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.catalog.models import Nugget
from plugin.events import LearningEvent, subscribe
from plugin.skills.services import nugget_skill_ids, record_answer, record_completion


def on_answer(session: Session, event: LearningEvent) -> None:
    if event.nugget_id is None or event.success is None:
        return
    nugget = session.get(Nugget, event.nugget_id)
    if nugget is None:
        return
    skill_ids = nugget_skill_ids(session, nugget)
    kind = "review" if event.kind == "reviewed" else "answer"
    record_answer(session, event.platform_id, event.user_id, skill_ids, bool(event.success), kind, nugget.id)


def on_completed(session: Session, event: LearningEvent) -> None:
    if event.nugget_id is None:  # a course completion: its nuggets already counted one by one
        return
    nugget = session.get(Nugget, event.nugget_id)
    if nugget is not None:
        record_completion(session, event.platform_id, event.user_id, nugget_skill_ids(session, nugget), nugget.id)


subscribe("answered", on_answer)
subscribe("reviewed", on_answer)
subscribe("completed", on_completed)
