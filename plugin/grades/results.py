"""What a learner has achieved on a link's content, as AGS scores: the score shapes, and the final results
already earned, read from the learner's progress rows (never from anything the browser sent).

A final result is a FullyGraded, Completed score: a completed enrolment for a course, every nugget of a
module done, a quiz nugget completed (passed, or attempts used up). :func:`earned_result` finds the
newest one a learner holds for a target, in any enrolment of the course (an older version, another link,
the catalog), within their own platform only: a person's rows are per platform and user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lti.ags import ActivityProgress, GradingProgress
from plugin.catalog.models import Course, Module, Nugget, QuizItem
from plugin.catalog.services import visible_to
from plugin.deep_linking.targets import Target
from plugin.progress.models import Enrolment, NuggetProgress


@dataclass(frozen=True)
class ComputedScore:
    """A score before its timestamp: what the learner has achieved on the link's content."""

    suffix: str  # makes the outbox key: one message per distinct state
    activity: ActivityProgress
    grading: GradingProgress
    fraction: float | None = None  # 0..1 of SCORE_MAXIMUM
    comment: str | None = None

    @property
    def is_final(self) -> bool:
        return self.grading is GradingProgress.FULLY_GRADED


def _final(suffix: str, fraction: float | None, comment: str) -> ComputedScore:
    """Content without quizzes scores full marks on completion."""
    return ComputedScore(suffix, ActivityProgress.COMPLETED, GradingProgress.FULLY_GRADED,
                         1.0 if fraction is None else fraction, comment)


def mean(values: Sequence[float | None]) -> float | None:
    scored = [v for v in values if v is not None]
    return sum(scored) / len(scored) if scored else None


def course_final(enrolment: Enrolment) -> ComputedScore:
    return _final("course:final", enrolment.score, "Course completed in Skillbite.")


def module_final(module_key: str, done: Sequence[NuggetProgress]) -> ComputedScore:
    return _final(f"module:{module_key}/final", mean([r.score for r in done]), "Module completed in Skillbite.")


def nugget_final(nugget_key: str, row: NuggetProgress) -> ComputedScore:
    return _final(f"nugget:{nugget_key}/final", row.score, "Nugget completed in Skillbite.")


@dataclass(frozen=True)
class Earned:
    """A final result and the enrolment it was earned in (its id is part of the score's outbox key)."""

    enrolment_id: int
    version_id: int
    score: ComputedScore


def earned_result(session: Session, platform_id: int, user_id: int, target: Target) -> Earned | None:
    """The learner's newest final result on ``target`` (a course, module or quiz nugget), else None.

    One query when there is none: this runs on launches (:mod:`plugin.grades.launches`).
    """
    if target.kind == "pathway" or not target.course:
        return None
    course_id = sa.select(Course.id).where(Course.slug == target.course, visible_to(platform_id)).scalar_subquery()
    mine = (Enrolment.platform_id == platform_id, Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    if target.kind == "course":
        enrolment = session.scalar(sa.select(Enrolment).where(*mine, Enrolment.completed_at.is_not(None))
                                   .order_by(Enrolment.id.desc()).limit(1))
        return Earned(enrolment.id, enrolment.version_id, course_final(enrolment)) if enrolment else None
    rows_of_mine = (NuggetProgress.enrolment_id == Enrolment.id, NuggetProgress.platform_id == platform_id,
                    NuggetProgress.user_id == user_id, NuggetProgress.completed_at.is_not(None))
    if target.kind == "nugget" and target.key:
        found = session.execute(
            sa.select(NuggetProgress, Enrolment.version_id).join(Enrolment, sa.and_(*rows_of_mine))
            .where(*mine, NuggetProgress.nugget_key == target.key,
                   # a nugget without a quiz has no grade (plugin.deep_linking gives it no line item)
                   sa.exists().where(QuizItem.nugget_id == NuggetProgress.nugget_id))
            .order_by(NuggetProgress.enrolment_id.desc()).limit(1)).first()
        return Earned(found[0].enrolment_id, found[1], nugget_final(target.key, found[0])) if found else None
    if target.kind == "module" and target.key:
        return _earned_module(session, platform_id, user_id, target.key, mine, rows_of_mine)
    return None


def _earned_module(session: Session, platform_id: int, user_id: int, module_key: str,
                   mine: tuple[sa.ColumnElement[bool], ...], rows_of_mine: tuple[sa.ColumnElement[bool], ...],
                   ) -> Earned | None:
    # Enrolments with at least one nugget of the module done, newest first; then the first one where
    # every nugget of the module (in that enrolment's version) is done.
    started = session.execute(
        sa.select(Enrolment.id, Enrolment.version_id).join(NuggetProgress, sa.and_(*rows_of_mine))
        .join(Nugget, Nugget.id == NuggetProgress.nugget_id).join(Module, Module.id == Nugget.module_id)
        .where(*mine, Module.key == module_key).distinct().order_by(Enrolment.id.desc())).all()
    for enrolment_id, version_id in started:
        keys = list(session.scalars(sa.select(Nugget.key).join(Module, Module.id == Nugget.module_id)
                                    .where(Module.version_id == version_id, Module.key == module_key)
                                    .order_by(Nugget.position)))
        rows = {row.nugget_key: row for row in session.scalars(sa.select(NuggetProgress).where(
            NuggetProgress.enrolment_id == enrolment_id, NuggetProgress.platform_id == platform_id,
            NuggetProgress.user_id == user_id, NuggetProgress.completed_at.is_not(None)))}
        if keys and all(key in rows for key in keys):
            return Earned(enrolment_id, version_id, module_final(module_key, [rows[k] for k in keys]))
    return None
