"""From learning events to queued AGS scores, in the transaction of the progress change.

The score is computed here, on the server, from the progress rows (never from anything the browser
sent), for the content the learner's resource link names (:mod:`plugin.deep_linking.targets`):

- a course: on ``progressed`` (Pending, InProgress) and on the course's ``completed``/``passed``/``failed``,
  final (FullyGraded, Completed) when its completion rule is met;
- a module: when a nugget of it is ``completed``, final when every nugget of the module is done;
- a nugget with a quiz: on each ``passed``/``failed`` attempt (Submitted, Pending), final when it is
  completed (passed, or attempts used up).

``scoreGiven`` is the mean of the best quiz scores (a fraction of :data:`SCORE_MAXIMUM`); content without
quizzes scores full marks on completion. Only learners' launches score: instructors trying content out
never reach the gradebook (Moodle refuses teachers' scores with 400 anyway). Each score gets the next
monotonic timestamp of its (link, learner) and a deterministic outbox key, so a repeated event queues
nothing twice.

Once a learner holds a final result on the content (:func:`plugin.grades.results.earned_result`: say they
finished version 1 of a course and now work through version 2), only final scores are sent: a score that
is not FullyGraded would take the earned grade out of the gradebook. AGS 2.0 §3.4 (Score publish
service): a score without ``scoreGiven`` says there is presently no score for the user, and the platform
should clear the one it holds. Moodle goes further: it drops ``scoreGiven`` from any score that is not
FullyGraded and stores that empty grade; Canvas empties the submission's score for any score that is not
FullyGraded or PendingManual.

A result earned before the link was launched (another link, the catalog, another LMS course) is queued
by the launch itself: :mod:`plugin.grades.launches`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti import claims
from lti.ags import ActivityProgress, GradingProgress, LineItem, Score, next_score_timestamp
from plugin.catalog.models import CourseVersion, Nugget
from plugin.deep_linking.services import LINE_ITEM_TAG, SCORE_MAXIMUM
from plugin.deep_linking.targets import Target, target_of
from plugin.events import LearningEvent, subscribe
from plugin.grades.models import AgsScoreClock
from plugin.grades.results import ComputedScore, course_final, earned_result, module_final, nugget_final
from plugin.launch.models import LaunchSession
from plugin.outbox.services import enqueue
from plugin.progress.models import Enrolment, NuggetProgress
from plugin.progress.services import Learner, progress_rows

KIND = "ags_score"
EVENT_KINDS = ("progressed", "completed", "passed", "failed")


def _rows(session: Session, enrolment: Enrolment) -> dict[str, NuggetProgress]:
    return progress_rows(session, Learner(enrolment.platform_id, enrolment.user_id), enrolment)


def course_score(event: LearningEvent, enrolment: Enrolment) -> ComputedScore | None:
    if enrolment.completed_at is not None and event.nugget_id is None and event.kind != "progressed":
        return course_final(enrolment)
    if event.kind == "progressed" and enrolment.completed_at is None:
        return ComputedScore(f"course:progress/{enrolment.percent}", ActivityProgress.IN_PROGRESS,
                             GradingProgress.PENDING, comment=f"{enrolment.percent}% of the course done.")
    return None


def module_score(session: Session, event: LearningEvent, enrolment: Enrolment, module_key: str,
                 ) -> ComputedScore | None:
    nugget = session.get(Nugget, event.nugget_id) if event.nugget_id else None
    if event.kind != "completed" or nugget is None or nugget.module.key != module_key:
        return None
    keys = [n.key for n in nugget.module.nuggets]
    rows = _rows(session, enrolment)
    done = [rows[k] for k in keys if k in rows and rows[k].completed_at is not None]
    if len(done) < len(keys):
        return ComputedScore(f"module:{module_key}/done/{len(done)}", ActivityProgress.IN_PROGRESS,
                             GradingProgress.PENDING, comment=f"{len(done)} of {len(keys)} nuggets done.")
    return module_final(module_key, done)


def nugget_score(session: Session, event: LearningEvent, enrolment: Enrolment, nugget_key: str,
                 ) -> ComputedScore | None:
    nugget = session.get(Nugget, event.nugget_id) if event.nugget_id else None
    if nugget is None or nugget.key != nugget_key or not nugget.items:
        return None
    row = _rows(session, enrolment).get(nugget_key)
    if row is None:
        return None
    if row.completed_at is not None:
        return nugget_final(nugget_key, row)
    attempts_left = not nugget.max_attempts or row.attempts < nugget.max_attempts
    if event.kind == "failed" and attempts_left:
        # A failed attempt with attempts to go: graded, not final. (A pass, or the last attempt, is
        # followed by ``completed`` in the same transaction, which sends the final grade.)
        return ComputedScore(f"nugget:{nugget_key}/attempt/{row.attempts}", ActivityProgress.SUBMITTED,
                             GradingProgress.PENDING, row.score, f"Attempt {row.attempts} scored.")
    return None


def compute_score(session: Session, event: LearningEvent, target: Target, enrolment: Enrolment,
                  ) -> ComputedScore | None:
    if target.kind == "course":
        return course_score(event, enrolment)
    if target.kind == "module" and target.key:
        return module_score(session, event, enrolment, target.key)
    if target.kind == "nugget" and target.key:
        return nugget_score(session, event, enrolment, target.key)
    return None  # a pathway has no single grade


def scoring_claim(launch: LaunchSession) -> dict[str, Any] | None:
    """The AGS claim of a learner's launch that may publish scores, else None."""
    ags = launch.services.get("ags")
    if launch.role != "learner" or not isinstance(ags, dict) or launch.resource_link is None:
        return None
    scope = ags.get("scope")
    if isinstance(scope, list) and claims.SCOPE_AGS_SCORE not in scope:
        return None
    if not ags.get("lineitem") and not ags.get("lineitems"):
        return None
    return ags


def _next_timestamp(session: Session, launch: LaunchSession, user_id: int, now: dt.datetime) -> dt.datetime:
    assert launch.resource_link_pk is not None
    pk = (launch.platform_id, launch.resource_link_pk, user_id)
    clock = session.get(AgsScoreClock, pk)
    if clock is None:
        try:
            with session.begin_nested():
                clock = AgsScoreClock(platform_id=pk[0], resource_link_pk=pk[1], user_id=pk[2],
                                      last_timestamp=next_score_timestamp(now, None))
                session.add(clock)
            return clock.last_timestamp
        except IntegrityError:  # a concurrent request of the same learner made it
            clock = session.get(AgsScoreClock, pk)
            assert clock is not None
    clock.last_timestamp = next_score_timestamp(now, clock.last_timestamp)
    return clock.last_timestamp


def on_learning_event(session: Session, event: LearningEvent) -> None:
    """Queue the score this event leads to for the learner's resource link, if any."""
    if event.kind not in EVENT_KINDS or not event.launch_session_id or not event.enrolment_id:
        return
    launch = session.get(LaunchSession, event.launch_session_id)
    if launch is None or launch.user_pk != event.user_id or launch.platform_id != event.platform_id:
        return
    ags = scoring_claim(launch)
    link = launch.resource_link
    target = target_of(link.custom) if link else None
    if ags is None or link is None or target is None or target.kind == "pathway":
        return
    enrolment = session.get(Enrolment, event.enrolment_id)
    version = session.get(CourseVersion, enrolment.version_id) if enrolment else None
    if enrolment is None or version is None or version.course.slug != target.course:
        return
    computed = compute_score(session, event, target, enrolment)
    if computed is None or launch.user is None:
        return
    if not computed.is_final and earned_result(session, launch.platform_id, event.user_id, target) is not None:
        return  # the gradebook holds (or will hold) the earned grade: a Pending score would clear it
    queue_score(session, launch, ags, target, enrolment.id, version.title, computed, event.occurred_at)


def queue_score(session: Session, launch: LaunchSession, ags: dict[str, Any], target: Target, enrolment_id: int,
                content_title: str, computed: ComputedScore, at: dt.datetime) -> None:
    """Queue ``computed`` for the learner of ``launch`` on its resource link, in the caller's transaction.

    The outbox key names the link, learner, enrolment and state, so the same result is queued once,
    whichever of a learning event or a launch gets there first.
    """
    link, user = launch.resource_link, launch.user
    assert link is not None and user is not None
    timestamp = _next_timestamp(session, launch, user.id, at)
    score = Score(user_id=user.subject, timestamp=timestamp, activity_progress=computed.activity,
                  grading_progress=computed.grading,
                  score_given=None if computed.fraction is None else round(computed.fraction * SCORE_MAXIMUM, 4),
                  score_maximum=None if computed.fraction is None else SCORE_MAXIMUM, comment=computed.comment)
    wanted = LineItem(label=(link.title or content_title)[:255], score_maximum=SCORE_MAXIMUM,
                      resource_link_id=link.resource_link_id, resource_id=target.resource_id, tag=LINE_ITEM_TAG)
    enqueue(session, kind=KIND, destination=str(ags.get("lineitem") or ags.get("lineitems")),
            key=score_key(link.id, user.id, enrolment_id, computed),
            payload={"platform_id": launch.platform_id, "resource_link_pk": link.id, "claim": ags,
                     "line_item": wanted.to_json(), "score": score.to_json()},
            platform_id=launch.platform_id)


def score_key(link_pk: int, user_id: int, enrolment_id: int, computed: ComputedScore) -> str:
    return f"ags:{link_pk}:{user_id}:{enrolment_id}:{computed.suffix}"


def install() -> None:
    for kind in EVENT_KINDS:
        subscribe(kind, on_learning_event)


install()
