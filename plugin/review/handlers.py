"""Answered quiz items become review cards (plugin.events ``answered``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.catalog.models import QuizItem
from plugin.events import LearningEvent, subscribe
from plugin.review.services import card_for_answer


def on_answered(session: Session, event: LearningEvent) -> None:
    if event.item_id is None or event.success is None:
        return
    item = session.get(QuizItem, event.item_id)
    if item is None:
        return
    score = event.score_scaled if event.score_scaled is not None else float(event.success)
    card_for_answer(session, event.platform_id, event.user_id, item, bool(event.success), score, event.occurred_at)


subscribe("answered", on_answered)
