"""Recording learning: views, answers, completion, time on task. One call, one transaction (the caller's),
and a :class:`~plugin.events.LearningEvent` for each thing that happened, published in that transaction.

Every query is scoped by the learner's platform and user; nothing is looked up by an id the browser sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.catalog.items import ItemGrade, item_type
from plugin.catalog.models import Course
from plugin.catalog.snapshot import NuggetView, VersionView, version_view
from plugin.db import table_of, utcnow
from plugin.db_driver import DriverStatement
from plugin.events import LearningEvent, publish
from plugin.progress.models import Enrolment, ItemResponse, NuggetProgress, Sitting
from plugin.progress.pathway import DONE, LOCKED, NuggetState, pathway, percent_done, rule_met

# Time on task: the gap since the last page view or heartbeat counts, up to MAX_GAP; a longer gap
# means the learner was away, and counts nothing. The client never reports durations.
MAX_GAP = dt.timedelta(minutes=5)
HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Learner:
    platform_id: int
    user_id: int
    launch_session_id: str | None = None


class AttemptsExhausted(Exception):
    """No attempt left on this nugget."""


class AnswersIncomplete(Exception):
    """Some items have no readable answer: nothing is graded or recorded, no attempt is used."""

    def __init__(self, hints: dict[str, str], responses: dict[str, Any]) -> None:
        self.hints = hints  # item key -> what to do
        self.responses = responses  # what was read, to show again
        super().__init__(", ".join(hints))


class NotAvailable(Exception):
    """The nugget's prerequisites are not met yet."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(", ".join(missing))


@dataclass
class AttemptResult:
    attempt: int
    score: float  # 0..1
    passed: bool
    completed: bool
    attempts_left: int | None  # None: unlimited
    grades: dict[str, ItemGrade] = field(default_factory=dict)
    responses: dict[str, Any] = field(default_factory=dict)


def _emit(session: Session, learner: Learner, kind: str, enrolment: Enrolment, **values: Any) -> None:
    publish(session, LearningEvent(kind=kind, occurred_at=utcnow(), platform_id=learner.platform_id,
                                   user_id=learner.user_id, launch_session_id=learner.launch_session_id,
                                   course_version_id=enrolment.version_id, enrolment_id=enrolment.id, **values))


def _scoped(learner: Learner) -> list[sa.ColumnElement[bool]]:
    return [Enrolment.platform_id == learner.platform_id, Enrolment.user_id == learner.user_id]


def load_version(session: Session, version_id: int) -> VersionView:
    return version_view(session, version_id)


def find_enrolment(session: Session, learner: Learner, course: Course) -> Enrolment | None:
    """The learner's current enrolment: the unfinished one, else the newest."""
    rows = list(session.scalars(sa.select(Enrolment).where(*_scoped(learner), Enrolment.course_id == course.id)
                                .order_by(Enrolment.completed_at.is_not(None), Enrolment.id.desc()).limit(1)))
    return rows[0] if rows else None


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on a course, as the catalog shows it: their current enrolment's figures."""

    percent: int
    completed: bool
    score: float | None  # 0..1, set on completion
    passed: bool | None


def _standings_statement() -> sa.Select[Any]:
    enrolment = table_of(Enrolment)
    # Each course's last row is the learner's current enrolment, as find_enrolment chooses it: the
    # unfinished one, else the newest.
    return (sa.select(enrolment.c.course_id, enrolment.c.percent, enrolment.c.completed_at.is_not(None),
                      enrolment.c.score, enrolment.c.passed)
            .where(enrolment.c.platform_id == sa.bindparam("platform", type_=sa.Integer()),
                   enrolment.c.user_id == sa.bindparam("user", type_=sa.Integer()))
            .order_by(enrolment.c.completed_at.is_not(None).desc(), enrolment.c.id))


# The catalog, a launch's usual first page, shows them: run on the driver (plugin.db_driver explains why).
_STANDINGS = DriverStatement(lambda _: _standings_statement())


def standings(session: Session, learner: Learner) -> dict[int, Standing]:
    """Course id → where the learner stands, for every course they opened."""
    rows = _STANDINGS.rows(session, {"platform": learner.platform_id, "user": learner.user_id})
    return {course_id: Standing(percent, bool(completed), score, passed)
            for course_id, percent, completed, score, passed in rows}


def enrol(session: Session, learner: Learner, course: Course) -> Enrolment:
    """The enrolment to learn in: the unfinished one; or a new one on the latest version, carrying over
    the completed nuggets whose content is unchanged (same content hash). The learner's first course
    page in a launch opens their sitting (``initialized``, :func:`start_sitting`)."""
    enrolment = _enrolment(session, learner, course)
    start_sitting(session, learner, enrolment, again=False)
    return enrolment


def _enrolment(session: Session, learner: Learner, course: Course) -> Enrolment:
    current = find_enrolment(session, learner, course)
    if current is not None and (current.completed_at is None or current.version_id == course.latest_version_id):
        return current
    assert course.latest_version_id is not None
    enrolment = Enrolment(platform_id=learner.platform_id, user_id=learner.user_id, course_id=course.id,
                          version_id=course.latest_version_id)
    session.add(enrolment)
    session.flush()
    if current is not None:
        _carry_over(session, learner, current, enrolment)
    return enrolment


def _carry_over(session: Session, learner: Learner, old: Enrolment, new: Enrolment) -> None:
    done = {p.content_hash: p for p in progress_rows(session, learner, old).values() if p.completed_at}
    version = load_version(session, new.version_id)
    carried: dict[str, NuggetProgress] = {}
    for nugget in version.nuggets:
        prior = done.get(nugget.content_hash)
        if prior is not None:
            carried[nugget.key] = NuggetProgress(
                enrolment_id=new.id, platform_id=learner.platform_id, user_id=learner.user_id, nugget_id=nugget.id,
                nugget_key=nugget.key, content_hash=nugget.content_hash, opened_at=prior.opened_at,
                completed_at=prior.completed_at, attempts=prior.attempts, score=prior.score, passed=prior.passed,
                carried_over=True)
            session.add(carried[nugget.key])
    # The new enrolment's share done, as _complete keeps it: the catalog shows it ("Started: 2 of 4").
    states = pathway(version, carried)
    new.percent = percent_done(states)
    if rule_met(version.completion_rule, states):
        # Nothing of this version is left to learn (it changed only what the learner had not done, or
        # nothing they did): the completion carries over with the nuggets, as _complete would record it.
        # Like the carried nuggets it states nothing: the LRS and the gradebook heard of it the first time.
        new.completed_at = old.completed_at or utcnow()
        new.score, new.passed = _course_result(carried.values(), states)
    session.flush()


def progress_rows(session: Session, learner: Learner, enrolment: Enrolment) -> dict[str, NuggetProgress]:
    rows = session.scalars(sa.select(NuggetProgress).where(
        NuggetProgress.enrolment_id == enrolment.id, NuggetProgress.platform_id == learner.platform_id,
        NuggetProgress.user_id == learner.user_id))
    return {row.nugget_key: row for row in rows}


def _latest_sitting(session: Session, learner: Learner, enrolment: Enrolment) -> Sitting | None:
    """The learner's latest sitting in this enrolment during this launch, read once per transaction: a
    player request asks on its course page and again on its nugget page or answer (answers are
    benchmarked). Kept with the transaction it was read in, so a rollback or a commit reads it again."""
    key = ("sitting", enrolment.id, learner.launch_session_id)
    transaction = session.get_transaction()
    kept = session.info.get(key)
    if kept is None or kept[0] is not transaction:
        kept = session.info[key] = (transaction, session.scalar(
            sa.select(Sitting).where(Sitting.enrolment_id == enrolment.id,
                                     Sitting.launch_session_id == learner.launch_session_id,
                                     Sitting.platform_id == learner.platform_id, Sitting.user_id == learner.user_id)
            .order_by(Sitting.number.desc()).limit(1)))
    latest: Sitting | None = kept[1]
    return latest


def open_sitting(session: Session, learner: Learner, enrolment: Enrolment) -> Sitting | None:
    """The learner's sitting in this enrolment during this launch, while it is open."""
    if learner.launch_session_id is None:
        return None
    latest = _latest_sitting(session, learner, enrolment)
    return latest if latest is not None and latest.ended_at is None else None


def start_sitting(session: Session, learner: Learner, enrolment: Enrolment, *, again: bool) -> Sitting | None:
    """Open the learner's sitting in this launch and publish ``initialized`` on the course.

    cmi5 §9.3.2: ``initialized`` is the first statement of a session, and the session is bounded by
    ``terminated`` (§9.3.8). A sitting is that session: the first course page of a launch opens one;
    once the learner has left (``terminated``), only learning again (``again``: a nugget page, an answer,
    "done") opens the next, so the page shown after leaving does not. Without a launch there is none.
    """
    if learner.launch_session_id is None:
        return None
    latest = _latest_sitting(session, learner, enrolment)
    if latest is not None and (latest.ended_at is None or not again):
        return latest if latest.ended_at is None else None
    now = utcnow()
    sitting = Sitting(enrolment_id=enrolment.id, launch_session_id=learner.launch_session_id,
                      platform_id=learner.platform_id, user_id=learner.user_id,
                      number=latest.number + 1 if latest is not None else 1, started_at=now, last_seen_at=now)
    try:
        with session.begin_nested():
            session.add(sitting)
    except IntegrityError:
        # A concurrent request of the same launch (two tabs, a heartbeat) opened it and said so.
        session.info.pop(("sitting", enrolment.id, learner.launch_session_id), None)
        return open_sitting(session, learner, enrolment)
    session.info[("sitting", enrolment.id, learner.launch_session_id)] = (session.get_transaction(), sitting)
    _emit(session, learner, "initialized", enrolment)
    return sitting


def _tick_time(enrolment: Enrolment, sitting: Sitting | None, now: dt.datetime) -> None:
    """Credit time on task to the enrolment and to the learner's open sitting, each by its own clock."""
    _tick(enrolment, now)
    if sitting is not None:
        _tick(sitting, now)


def _tick(row: Enrolment | NuggetProgress | Sitting, now: dt.datetime) -> float:
    gap = (now - row.last_seen_at) if row.last_seen_at else dt.timedelta(0)
    credited = gap.total_seconds() if dt.timedelta(0) <= gap <= MAX_GAP else 0.0
    row.seconds += credited
    row.last_seen_at = now
    return credited


def view_nugget(session: Session, learner: Learner, enrolment: Enrolment, nugget: NuggetView,
                rows: Mapping[str, NuggetProgress] | None = None) -> NuggetProgress:
    """A page view: opens the nugget the first time, and counts time on task (in a launch, within a
    sitting: :func:`start_sitting`). ``rows``: the enrolment's :func:`progress_rows` when the caller
    has just loaded them (saves a query)."""
    sitting = start_sitting(session, learner, enrolment, again=True)
    now = utcnow()
    if rows is None:
        rows = progress_rows(session, learner, enrolment)
    row = rows.get(nugget.key)
    if row is None:
        row = NuggetProgress(enrolment_id=enrolment.id, platform_id=learner.platform_id, user_id=learner.user_id,
                             nugget_id=nugget.id, nugget_key=nugget.key, content_hash=nugget.content_hash,
                             opened_at=now, last_seen_at=now)
        session.add(row)
        session.flush()
    else:
        _tick(row, now)
    _tick_time(enrolment, sitting, now)
    enrolment.last_nugget_key = nugget.key
    return row


def heartbeat(session: Session, learner: Learner, enrolment: Enrolment, nugget: NuggetView) -> float:
    """The page is still open and visible. Returns the seconds credited."""
    row = progress_rows(session, learner, enrolment).get(nugget.key)
    now = utcnow()
    _tick_time(enrolment, open_sitting(session, learner, enrolment), now)
    return _tick(row, now) if row is not None else 0.0


def terminate(session: Session, learner: Learner, enrolment: Enrolment) -> None:
    """The learner left the course: close their sitting with ``terminated``, whose duration is this
    sitting's time on task (cmi5 §9.3.8: the session's), not the enrolment's running total. Without an
    open sitting (left twice, or no launch) there is no session to close, and nothing is stated."""
    now = utcnow()
    _tick(enrolment, now)
    sitting = open_sitting(session, learner, enrolment)
    if sitting is None:
        return
    _tick(sitting, now)
    sitting.ended_at = now
    _emit(session, learner, "terminated", enrolment, duration_seconds=sitting.seconds)


def grade(nugget: NuggetView, answers: Mapping[str, Mapping[str, list[str]]]) -> tuple[dict[str, Any],
                                                                                 dict[str, ItemGrade], float]:
    """Read and grade each item's answer: (responses, grades, score 0..1). No database: previews use it too.

    :class:`AnswersIncomplete` when an item has no readable answer: such a submission is not graded."""
    responses = {item.key: item_type(item.type).read(item.spec, answers.get(item.key, {})) for item in nugget.items}
    missing = {item.key: item_type(item.type).blank_hint(item.spec) for item in nugget.items
               if not item_type(item.type).answered(responses[item.key])}
    if missing:
        raise AnswersIncomplete(missing, responses)
    grades = {item.key: item_type(item.type).grade(item.spec, responses[item.key]) for item in nugget.items}
    return responses, grades, weighted_score(nugget, {key: g.score for key, g in grades.items()})


def weighted_score(nugget: NuggetView, scores: Mapping[str, float]) -> float:
    """The nugget's score 0..1 from its items' scores, each weighing its points (an item not scored: 0)."""
    total = sum(item.points for item in nugget.items)
    earned = sum(scores.get(item.key, 0.0) * item.points for item in nugget.items)
    return earned / total if total else 1.0


def submit_answers(session: Session, learner: Learner, enrolment: Enrolment, nugget: NuggetView,
                   answers: Mapping[str, Mapping[str, list[str]]],
                   rows: Mapping[str, NuggetProgress] | None = None, *,
                   state: NuggetState | None = None) -> AttemptResult:
    """Grade one attempt at a nugget's quiz on the server and record it. ``rows``: the enrolment's
    :func:`progress_rows` when the caller has just loaded them in this transaction (saves a query).
    ``state``: the nugget's state as the caller's launch sees it (the player's, plugin.player.locks, which
    opens what the launch's LMS link names); the course's own locks when not given."""
    version = load_version(session, enrolment.version_id)
    if rows is None:
        rows = progress_rows(session, learner, enrolment)
    if state is None:
        state = next(s for s in pathway(version, {k: r for k, r in rows.items() if r.completed_at})
                     if s.nugget.key == nugget.key)
    if state.status == LOCKED:
        raise NotAvailable(state.missing)
    row = rows.get(nugget.key) or view_nugget(session, learner, enrolment, nugget, rows)
    if row.passed or (nugget.max_attempts and row.attempts >= nugget.max_attempts):
        raise AttemptsExhausted(nugget.key)
    responses, grades, score = grade(nugget, answers)
    start_sitting(session, learner, enrolment, again=True)
    row.attempts += 1
    now = utcnow()
    # The nugget's clock only (its row is written anyway): the page's heartbeats keep the enrolment's and
    # the sitting's, and an answer is the hot path (two more writes here cost ~15% of it on PostgreSQL).
    _tick(row, now)
    for item in nugget.items:
        g = grades[item.key]
        session.add(ItemResponse(progress_id=row.id, attempt=row.attempts, item_key=item.key,
                                 response=responses[item.key], score=g.score, correct=g.correct, answered_at=now))
        _emit(session, learner, "answered", enrolment, nugget_id=nugget.id, item_id=item.id,
              score_raw=g.score * item.points, score_min=0.0, score_max=item.points, success=g.correct,
              response=g.response_text, extra={"item_key": item.key, "item_type": item.type,
                                               "attempt": row.attempts,
                                               "xapi_response": item_type(item.type).xapi_response(
                                                   item.spec, responses[item.key])})
    passed = score >= nugget.mastery_score - 1e-9
    row.score = max(row.score or 0.0, score)
    row.passed = passed
    left = None if not nugget.max_attempts else nugget.max_attempts - row.attempts
    # One per graded attempt at the nugget's quiz (cmi5 allows one passed/failed per AU session; a
    # nugget is not an AU, and the gradebook scores each attempt): duration, the time on the nugget so far.
    _emit(session, learner, "passed" if passed else "failed", enrolment, nugget_id=nugget.id,
          score_raw=score * nugget.points, score_min=0.0, score_max=nugget.points, success=passed,
          duration_seconds=row.seconds, extra={"attempt": row.attempts, "mastery_score": nugget.mastery_score})
    completed = passed or left == 0
    if completed:
        _complete(session, learner, enrolment, nugget, row, version)
    return AttemptResult(row.attempts, score, passed, completed, left, grades, responses)


def mark_done(session: Session, learner: Learner, enrolment: Enrolment, nugget: NuggetView) -> NuggetProgress:
    """A nugget without a quiz is completed when the learner says they are done with it."""
    row = progress_rows(session, learner, enrolment).get(nugget.key) or view_nugget(session, learner,
                                                                                   enrolment, nugget)
    if row.completed_at is None and not nugget.items:
        _tick_time(enrolment, start_sitting(session, learner, enrolment, again=True), utcnow())
        _complete(session, learner, enrolment, nugget, row, load_version(session, enrolment.version_id))
    return row


def _complete(session: Session, learner: Learner, enrolment: Enrolment, nugget: NuggetView, row: NuggetProgress,
              version: VersionView) -> None:
    now = utcnow()
    _tick(row, now)
    row.completed_at = now
    _emit(session, learner, "completed", enrolment, nugget_id=nugget.id, completion=True,
          duration_seconds=row.seconds, success=row.passed,
          score_raw=row.score if nugget.items else None, score_min=0.0 if nugget.items else None,
          score_max=1.0 if nugget.items else None)
    rows = progress_rows(session, learner, enrolment)
    states = pathway(version, {k: r for k, r in rows.items() if r.completed_at})
    percent = percent_done(states)
    if percent != enrolment.percent:
        enrolment.percent = percent
        # The course's progress (its share of nuggets done), so the statement's object is the course:
        # cmi5's progress extension describes the object it is stated on.
        _emit(session, learner, "progressed", enrolment, progress=percent)
    if enrolment.completed_at is None and rule_met(version.completion_rule, states):
        enrolment.completed_at = now
        enrolment.score, enrolment.passed = _course_result(rows.values(), states)
        scored = enrolment.score is not None
        _emit(session, learner, "completed", enrolment, completion=True, duration_seconds=enrolment.seconds,
              score_raw=enrolment.score, score_min=0.0 if scored else None, score_max=1.0 if scored else None,
              success=enrolment.passed)
        _emit(session, learner, "passed" if enrolment.passed else "failed", enrolment,
              score_raw=enrolment.score, score_min=0.0 if scored else None, score_max=1.0 if scored else None,
              success=enrolment.passed, duration_seconds=enrolment.seconds)


def _course_result(rows: Iterable[NuggetProgress], states: list[NuggetState]) -> tuple[float | None, bool]:
    """A completed course's score (the mean of its nuggets' scores, None without any) and whether it was
    passed (no quiz nugget done without passing)."""
    scored = [row.score for row in rows if row.score is not None]
    passed = all(s.passed is not False for s in states if s.status == DONE and s.nugget.items)
    return (sum(scored) / len(scored) if scored else None), passed


def last_attempt(session: Session, learner: Learner, row: NuggetProgress) -> dict[str, ItemResponse]:
    """The learner's answers in their latest attempt, by item key (for feedback after a reload)."""
    if row.platform_id != learner.platform_id or row.user_id != learner.user_id or not row.attempts:
        return {}
    rows = session.scalars(sa.select(ItemResponse).where(ItemResponse.progress_id == row.id,
                                                         ItemResponse.attempt == row.attempts))
    return {r.item_key: r for r in rows}

