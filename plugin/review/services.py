"""Spaced retrieval with FSRS (the ``fsrs`` package): cards from answered items, the daily session,
grading with the catalog's item registry, and a ``reviewed`` event per answer (→ xAPI, → mastery)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import fsrs
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.catalog.items import ItemGrade, item_type
from plugin.catalog.models import Course, Nugget, QuizItem
from plugin.db import utcnow
from plugin.events import LearningEvent, publish
from plugin.plan.zones import start_of_local_day
from plugin.progress.models import Enrolment
from plugin.review.models import ReviewCard, ReviewLog

# Fuzzing off: the due date we show the learner is the one we keep, and tests can compute it with the
# fsrs package directly. The other settings are FSRS-6 defaults (90 % desired retention).
SCHEDULER = fsrs.Scheduler(enable_fuzzing=False)
SESSION_CARDS = 8  # about 20–30 s per card: a daily review of a few minutes
MAX_REVIEW_SECONDS = 300  # a longer gap means the learner was away; it does not count as time on task
# A retired card (its item is gone from the learner's current version of the course) is never due. Answering
# the item in the player again (a later version brings it back) schedules the card again.
RETIRED = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class CardNotFound(LookupError):
    pass


class AnswerBlank(ValueError):
    """No answer to grade (blank, or unreadable): nothing is recorded, and the card stays on screen."""

    def __init__(self, hint: str) -> None:
        self.hint = hint  # what to do, in the item type's words (the player's hint)
        super().__init__(hint)


class NotUpForReview(LookupError):
    """The card is not waiting for an answer: answered already (a double submit, Back, a second tab), or not
    due. Nothing is recorded. ``log_id``: the review that answered the showing the form came from, if any."""

    def __init__(self, card_id: int, log_id: int | None) -> None:
        self.card_id, self.log_id = card_id, log_id
        super().__init__(card_id)


def rating_for(grade: ItemGrade) -> fsrs.Rating:
    """The server grades, not the learner: right → Good, mostly right (partial credit) → Hard, else Again."""
    if grade.correct:
        return fsrs.Rating.Good
    return fsrs.Rating.Hard if grade.score >= 0.5 else fsrs.Rating.Again


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # fsrs insists on datetime.UTC itself; PostgreSQL drivers return an equal but different tzinfo.
    return value.astimezone(dt.UTC) if value is not None else None


def to_fsrs(card: ReviewCard) -> fsrs.Card:
    return fsrs.Card(card_id=card.id, state=fsrs.State(card.state), step=card.step, stability=card.stability,
                     difficulty=card.difficulty, due=_utc(card.due), last_review=_utc(card.last_review))


def schedule(card: ReviewCard, rating: fsrs.Rating, when: dt.datetime) -> None:
    """Apply one review to the card's FSRS memory state."""
    new, _log = SCHEDULER.review_card(to_fsrs(card), rating, when.astimezone(dt.UTC))
    if card.state == fsrs.State.Review and new.state == fsrs.State.Relearning:
        card.lapses += 1
    card.state, card.step, card.stability, card.difficulty = int(new.state), new.step, new.stability, new.difficulty
    card.due, card.last_review = new.due, new.last_review
    card.reviews += 1


def card_for_answer(session: Session, platform_id: int, user_id: int, item: QuizItem, grade_correct: bool,
                    score: float, when: dt.datetime) -> ReviewCard:
    """An answer in the player: the item's card is made on first answer, and every answer is a review."""
    nugget = session.get(Nugget, item.nugget_id)
    assert nugget is not None
    card = session.scalar(sa.select(ReviewCard).where(
        ReviewCard.platform_id == platform_id, ReviewCard.user_id == user_id,
        ReviewCard.course_id == nugget.version.course_id, ReviewCard.nugget_key == nugget.key,
        ReviewCard.item_key == item.key))
    if card is None:
        card = ReviewCard(platform_id=platform_id, user_id=user_id, course_id=nugget.version.course_id,
                          nugget_key=nugget.key, item_key=item.key, item_id=item.id, state=int(fsrs.State.Learning),
                          step=0, due=when, reviews=0, lapses=0, created_at=when)
        session.add(card)
        session.flush()
    card.item_id = item.id
    rating = rating_for(ItemGrade(score, grade_correct))
    schedule(card, rating, when)
    card.shown_at = None  # this was a review: a daily-review page showing the card has nothing left to ask
    session.add(ReviewLog(card_id=card.id, source="quiz", rating=int(rating), correct=grade_correct, reviewed_at=when))
    return card


def _scoped(platform_id: int, user_id: int) -> list[sa.ColumnElement[bool]]:
    return [ReviewCard.platform_id == platform_id, ReviewCard.user_id == user_id]


def reviewed_since(session: Session, platform_id: int, user_id: int, since: dt.datetime) -> int:
    return int(session.scalar(sa.select(sa.func.count(ReviewLog.id)).join(ReviewCard).where(
        *_scoped(platform_id, user_id), ReviewLog.source == "review", ReviewLog.reviewed_at >= since)) or 0)


def current_items(session: Session, platform_id: int, user_id: int, cards: list[ReviewCard]
                  ) -> dict[int, QuizItem]:
    """Each card's item (card id → item) in the learner's current version of the card's course: the version
    of their unfinished enrolment in it, else the course's latest. A card is keyed by course, nugget and item
    keys, so a corrected answer key in a new version grades the review; a card missing from the result has
    no item any more. Three queries, however many cards."""
    if not cards:
        return {}
    course_ids = {c.course_id for c in cards}
    version_of: dict[int, int] = {}
    for course_id, latest_id in session.execute(sa.select(Course.id, Course.latest_version_id).where(
            Course.id.in_(course_ids), Course.latest_version_id.is_not(None))):
        version_of[course_id] = int(latest_id or 0)
    # the most recently started unfinished enrolment wins over the latest version
    for course_id, version_id in session.execute(sa.select(Enrolment.course_id, Enrolment.version_id).where(
            Enrolment.platform_id == platform_id, Enrolment.user_id == user_id, Enrolment.course_id.in_(course_ids),
            Enrolment.completed_at.is_(None)).order_by(Enrolment.started_at, Enrolment.id)):
        version_of[course_id] = version_id
    if not version_of:
        return {}
    found = {(version_id, nugget_key, item.key): item for item, version_id, nugget_key in session.execute(
        sa.select(QuizItem, Nugget.version_id, Nugget.key).join(Nugget, QuizItem.nugget_id == Nugget.id).where(
            Nugget.version_id.in_(set(version_of.values())), Nugget.key.in_({c.nugget_key for c in cards}),
            QuizItem.key.in_({c.item_key for c in cards})))}
    result = {}
    for card in cards:
        item = found.get((version_of.get(card.course_id, 0), card.nugget_key, card.item_key))
        if item is not None:
            result[card.id] = item
    return result


def _bind_or_retire(session: Session, platform_id: int, user_id: int, cards: list[ReviewCard]
                    ) -> dict[int, QuizItem]:
    """Bind each card to its current item; retire (never due again) the cards whose item is gone."""
    items = current_items(session, platform_id, user_id, cards)
    for card in cards:
        item = items.get(card.id)
        if item is None:
            card.due, card.shown_at = RETIRED, None
        else:
            card.item_id = item.id
    return items


def due_cards(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None,
              limit: int = SESSION_CARDS) -> list[ReviewCard]:
    """Today's session: the most overdue cards first, up to what is left of today's few minutes. "Today" is
    the learner's calendar day, in their plan's time zone: a learner in Sydney gets a new session in their
    morning, not at 11:00 when UTC's day begins.

    Each card is bound to its item in the learner's current version (:func:`current_items`); a card whose
    item is gone is retired on the way (the caller's commit keeps that)."""
    now = now or utcnow()
    start_of_day = start_of_local_day(session, platform_id, user_id, now)
    left = max(0, limit - reviewed_since(session, platform_id, user_id, start_of_day))
    if not left:
        return []
    while True:
        batch = list(session.scalars(sa.select(ReviewCard).where(*_scoped(platform_id, user_id),
                                                                 ReviewCard.due <= now)
                                     .order_by(ReviewCard.due, ReviewCard.id).limit(left)))
        items = _bind_or_retire(session, platform_id, user_id, batch)
        if len(items) == len(batch):
            return batch
        session.flush()  # the retired cards leave the next batch


def due_count_query(platform_id: int, user_id: int, now: dt.datetime) -> sa.Select[int]:
    """How many of the learner's cards are due at ``now``: a query other reads can embed (the plan does)."""
    return sa.select(sa.func.count(ReviewCard.id)).where(*_scoped(platform_id, user_id), ReviewCard.due <= now)


def count_due(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None) -> int:
    return int(session.scalar(due_count_query(platform_id, user_id, now or utcnow())) or 0)


def get_card(session: Session, platform_id: int, user_id: int, card_id: int) -> ReviewCard:
    card = session.scalar(sa.select(ReviewCard).where(*_scoped(platform_id, user_id), ReviewCard.id == card_id))
    if card is None:
        raise CardNotFound(card_id)
    return card


def present(session: Session, card: ReviewCard, now: dt.datetime | None = None) -> QuizItem:
    """The card is on screen: note when, so the answer's duration is measured on the server."""
    item = _bind_or_retire(session, card.platform_id, card.user_id, [card]).get(card.id)
    if item is None:
        raise CardNotFound(card.id)
    card.shown_at = now or utcnow()
    return item


@dataclass(frozen=True)
class ReviewOutcome:
    card: ReviewCard
    grade: ItemGrade
    rating: fsrs.Rating
    next_due: dt.datetime
    log_id: int  # the recorded review: the result page after the answer's redirect names it


def showing_of(card: ReviewCard) -> str:
    """The card's current showing, as the review form sends it back (see :func:`answer_review`)."""
    return card.shown_at.isoformat() if card.shown_at else ""


def _answer_to_showing(session: Session, card: ReviewCard, showing: str | None) -> int | None:
    """The review that answered the showing ``showing`` names: the first one recorded after it."""
    try:
        shown = dt.datetime.fromisoformat(showing) if showing else None
    except ValueError:
        return None
    if shown is None or shown.tzinfo is None:
        return None
    return session.scalar(sa.select(ReviewLog.id).where(
        ReviewLog.card_id == card.id, ReviewLog.source == "review", ReviewLog.reviewed_at >= shown)
        .order_by(ReviewLog.reviewed_at, ReviewLog.id).limit(1))


def answer_review(session: Session, platform_id: int, user_id: int, card_id: int,
                  form: Mapping[str, list[str]], *, showing: str | None = None,
                  launch_session_id: str | None = None, now: dt.datetime | None = None) -> ReviewOutcome:
    """Grade a review answer with the item's own type, reschedule the card, publish ``reviewed``.

    One answer per showing of a due card (:func:`present`): :class:`NotUpForReview` otherwise, naming the
    review that answered ``showing`` (the form's :func:`showing_of`) when there is one. :class:`AnswerBlank`
    when there is nothing to grade, as the player does: a blank is not an "Again".
    """
    now = now or utcnow()
    card = get_card(session, platform_id, user_id, card_id)
    # graded with the item of the learner's current version: a corrected answer key counts at once
    item = current_items(session, platform_id, user_id, [card]).get(card.id)
    if item is None:
        raise CardNotFound(card_id)
    card.item_id = item.id
    shown_at = card.shown_at
    if shown_at is None or card.due > now:
        raise NotUpForReview(card.id, _answer_to_showing(session, card, showing))
    kind = item_type(item.type)
    response = kind.read(item.spec, form)
    if not kind.answered(response):
        raise AnswerBlank(kind.blank_hint(item.spec))
    # Take the showing, so that of two posts racing (a double click) only one records: the second's UPDATE
    # waits for the first's commit (a row lock on PostgreSQL, the write lock on SQLite), then matches nothing.
    taken = session.execute(sa.update(ReviewCard).where(ReviewCard.id == card.id, ReviewCard.shown_at == shown_at)
                            .values(shown_at=None).execution_options(synchronize_session="fetch"))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(card)
        raise NotUpForReview(card.id, _answer_to_showing(session, card, showing))
    grade = kind.grade(item.spec, response)
    rating = rating_for(grade)
    duration = None
    if dt.timedelta(0) <= now - shown_at <= dt.timedelta(seconds=MAX_REVIEW_SECONDS):
        duration = (now - shown_at).total_seconds()
    schedule(card, rating, now)
    log = ReviewLog(card_id=card.id, source="review", rating=int(rating), correct=grade.correct,
                    reviewed_at=now, duration_ms=int(duration * 1000) if duration is not None else None,
                    response=dict(form))
    session.add(log)
    nugget = session.get(Nugget, item.nugget_id)
    publish(session, LearningEvent(
        kind="reviewed", occurred_at=now, platform_id=platform_id, user_id=user_id,
        launch_session_id=launch_session_id, course_version_id=nugget.version_id if nugget else None,
        nugget_id=item.nugget_id, item_id=item.id, score_raw=grade.score * item.points, score_min=0.0,
        score_max=item.points, success=grade.correct, response=grade.response_text, duration_seconds=duration,
        extra={"item_key": item.key, "item_type": item.type, "rating": rating.name.lower(),
               "next_due": card.due.isoformat()}))
    session.flush()
    return ReviewOutcome(card, grade, rating, card.due, log.id)


def recorded_outcome(session: Session, platform_id: int, user_id: int, card_id: int, log_id: int
                     ) -> ReviewOutcome:
    """A review already recorded, to show again (the page a reload reaches): reads, never writes.

    The verdict is the recorded one. The stored answer is graded again only to word the feedback, whose
    notes are dropped when they would contradict that verdict (an item changed by a new course version).
    """
    card = get_card(session, platform_id, user_id, card_id)
    log = session.get(ReviewLog, log_id)
    item = session.get(QuizItem, card.item_id)
    if log is None or log.card_id != card.id or log.source != "review" or item is None:
        raise CardNotFound(card_id)
    kind = item_type(item.type)
    grade = kind.grade(item.spec, kind.read(item.spec, log.response or {}))
    if grade.correct != log.correct:
        grade = ItemGrade(float(log.correct), log.correct)
    return ReviewOutcome(card, grade, fsrs.Rating(log.rating), card.due, log.id)
