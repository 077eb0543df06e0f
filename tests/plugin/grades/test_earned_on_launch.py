"""Grades earned before a graded link was opened reach its gradebook column with the launch, once; and a
grade once earned is never taken out of the gradebook by the progress of a newer course version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from lti.message import Role
from plugin.catalog.services import import_package
from plugin.db import transaction
from plugin.grades.launches import queue_earned_score
from plugin.launch.services import load_launch_session
from tests.plugin.catalog.packages import package

from .support import (
    MANIFEST,
    QUIZ,
    SLUG,
    ags_claim,
    complete_course,
    drain,
    launch,
    learn,
    messages,
    register_lms,
    score_worker,
)

NUGGET_LINK = {"skillbite_course": SLUG, "skillbite_nugget": "quiz"}
MODULE_LINK = {"skillbite_course": SLUG, "skillbite_module": "basics"}


def queued_for(runtime: Any, line_item: str) -> list[dict[str, Any]]:
    """The scores queued for one gradebook column, oldest first."""
    return [json.loads(m.body)["score"] for m in messages(runtime) if m.destination == line_item]


def summary(score: dict[str, Any]) -> tuple[str, str, float | None]:
    return score["activityProgress"], score["gradingProgress"], score.get("scoreGiven")


def grade_moodle_keeps(sent: list[dict[str, Any]]) -> float | None:
    """The grade Moodle holds after these scores: it drops ``scoreGiven`` from any score that is not
    FullyGraded and stores that as the grade (mod/lti/service/gradebookservices, resources/scores.php)."""
    last = sent[-1]
    return last.get("scoreGiven") if last["gradingProgress"] == "FullyGraded" else None


def publish_version_2(runtime: Any, *, quiz_prompt: str | None = None) -> None:
    """A new version of the course: ``read`` and ``extra`` rewritten (and the quiz, given a new prompt)."""
    files = package({"quiz": "", "read": "Read this, revised.", "extra": "And this, revised."}, manifest=MANIFEST)
    quiz = QUIZ.format(key="quiz")
    if quiz_prompt:
        quiz = quiz.replace("Hard hats are optional on site.", quiz_prompt)
    files.files["nuggets/quiz.md"] = quiz.encode()
    with transaction(runtime.sessions) as session:
        import_package(session, files)


@contextmanager
def counted_statements(runtime: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(runtime.engine, "before_cursor_execute", count)


# -- a result earned elsewhere, then a new graded link ------------------------------------------------------

def test_a_course_finished_through_another_link_is_graded_when_a_new_graded_link_opens(runtime, lms):
    first, second = lms.add_line_item("Safety (week 1)"), lms.add_line_item("Safety (week 5)")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=first)))
    assert queued_for(runtime, second) == []
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=second), link_id="rl-2")
    [score] = queued_for(runtime, second)
    assert summary(score) == ("Completed", "FullyGraded", 100.0)
    drain(score_worker(runtime))
    assert [summary(s) for s in lms.scores[(2, "u-1")]] == [("Completed", "FullyGraded", 100.0)]
    assert lms.violations == []


def test_a_course_finished_in_the_catalog_is_graded_when_a_graded_link_opens(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, custom={}, link_id="catalog"))  # no AGS claim
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), link_id="rl-2")
    assert [summary(s) for s in queued_for(runtime, item)] == [("Completed", "FullyGraded", 100.0)]


def test_relaunching_the_new_link_queues_its_grade_only_once(runtime, lms):
    first, second = lms.add_line_item("Week 1"), lms.add_line_item("Week 5")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=first)))
    for _ in range(3):
        launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=second), link_id="rl-2")
    assert len(queued_for(runtime, second)) == 1


def test_relaunching_the_link_the_course_was_finished_in_queues_nothing_more(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)))
    before = [m.key for m in messages(runtime)]
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    assert [m.key for m in messages(runtime)] == before


def test_completions_on_another_platform_never_count(runtime, lms):
    other = register_lms(runtime, lms, issuer="https://other-lms.example.com")
    item = lms.add_line_item("Site safety")
    # The same subject on another platform (another tenant) is another person, with their own progress.
    complete_course(runtime, launch(runtime, other, ags=ags_claim(lms, lineitem=lms.add_line_item("Theirs"))))
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), link_id="rl-2")
    assert queued_for(runtime, item) == []


def test_a_quiz_nugget_passed_elsewhere_is_graded_when_a_link_to_it_opens(runtime, lms):
    item = lms.add_line_item("Quiz")
    learn(runtime, launch(runtime, lms.platform_id), "quiz")
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), custom=NUGGET_LINK, link_id="rl-quiz")
    assert [summary(s) for s in queued_for(runtime, item)] == [("Completed", "FullyGraded", 100.0)]


def test_a_quiz_nugget_failed_with_every_attempt_used_is_graded_with_its_score(runtime, lms):
    item = lms.add_line_item("Quiz")
    who = launch(runtime, lms.platform_id)
    learn(runtime, who, "quiz", correct=False)
    learn(runtime, who, "quiz", correct=False)  # the quiz allows 2 attempts: completed, not passed
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), custom=NUGGET_LINK, link_id="rl-quiz")
    assert [summary(s) for s in queued_for(runtime, item)] == [("Completed", "FullyGraded", 0.0)]


def test_a_module_finished_elsewhere_is_graded_when_a_link_to_it_opens(runtime, lms):
    basics, more = lms.add_line_item("Basics"), lms.add_line_item("More")
    who = launch(runtime, lms.platform_id)
    learn(runtime, who, "quiz")
    learn(runtime, who, "read")
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=basics), custom=MODULE_LINK, link_id="rl-basics")
    launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=more), link_id="rl-more",
           custom={"skillbite_course": SLUG, "skillbite_module": "more"})
    assert [summary(s) for s in queued_for(runtime, basics)] == [("Completed", "FullyGraded", 100.0)]
    assert queued_for(runtime, more) == []  # not finished: nothing to grade yet


def test_progress_made_elsewhere_sends_nothing_on_launch_and_the_grade_follows_when_finished_here(runtime, lms):
    item = lms.add_line_item("Site safety")
    learn(runtime, launch(runtime, lms.platform_id), "quiz")
    here = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), link_id="rl-2")
    assert queued_for(runtime, item) == []
    learn(runtime, here, "read")
    learn(runtime, here, "extra")
    sent = queued_for(runtime, item)
    assert summary(sent[-1]) == ("Completed", "FullyGraded", 100.0)
    assert [s["gradingProgress"] for s in sent[:-1]] == ["Pending"] * (len(sent) - 1)


def test_a_link_without_its_own_line_item_is_not_graded_by_a_launch(runtime, lms):
    complete_course(runtime, launch(runtime, lms.platform_id))
    launch(runtime, lms.platform_id, ags=ags_claim(lms), link_id="rl-2")  # lineitems only: no gradebook column
    assert messages(runtime) == []


def test_an_instructor_opening_a_graded_link_to_content_they_finished_sends_no_score(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, subject="i-1"))
    launch(runtime, lms.platform_id, subject="i-1", role=Role.INSTRUCTOR, ags=ags_claim(lms, lineitem=item),
           link_id="rl-2")
    assert queued_for(runtime, item) == []


def test_a_launch_looks_nothing_up_without_an_ags_claim_and_once_when_nothing_is_finished(runtime, lms):
    item = lms.add_line_item("Site safety")
    plain = launch(runtime, lms.platform_id)
    graded = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), link_id="rl-2")
    counts = []
    for who in (plain, graded):
        with transaction(runtime.sessions) as session:
            opened = load_launch_session(session, who.session_id)
            assert opened is not None
            with counted_statements(runtime) as statements:
                queue_earned_score(session, opened)
            counts.append(len(statements))
    assert counts == [0, 1]


# -- a grade earned, then a new version of the course --------------------------------------------------------

def test_working_through_a_new_course_version_never_takes_the_earned_grade_out_of_the_gradebook(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)))
    publish_version_2(runtime)
    again = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    learn(runtime, again, "read")  # version 2: the quiz carried over, the rewritten nuggets to do again
    drain(score_worker(runtime))
    sent = lms.scores[(1, "u-1")]
    assert summary(sent[-1]) == ("Completed", "FullyGraded", 100.0)
    assert grade_moodle_keeps(sent) == 100.0
    learn(runtime, again, "extra")
    drain(score_worker(runtime))
    sent = lms.scores[(1, "u-1")]
    first_final = next(i for i, s in enumerate(sent) if s["gradingProgress"] == "FullyGraded")
    assert [s["gradingProgress"] for s in sent[first_final:]] == ["FullyGraded", "FullyGraded"]
    assert [m.key.rsplit(":", 2)[-2:] for m in messages(runtime)][-1] == ["course", "final"]


def test_attempts_at_a_revised_quiz_never_take_the_earned_nugget_grade_out_of_the_gradebook(runtime, lms):
    item = lms.add_line_item("Quiz")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), custom=NUGGET_LINK))
    publish_version_2(runtime, quiz_prompt="Hard hats may stay in the van.")  # learners move on when finished
    again = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item), custom=NUGGET_LINK)
    learn(runtime, again, "quiz", correct=False)  # attempt 1 of the revised quiz: no grade yet
    assert [summary(s) for s in queued_for(runtime, item)] == [("Completed", "FullyGraded", 100.0)]
    learn(runtime, again, "quiz")
    assert [summary(s) for s in queued_for(runtime, item)] == [("Completed", "FullyGraded", 100.0)] * 2


def test_before_any_grade_is_earned_progress_is_still_reported_as_pending(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    learn(runtime, who, "quiz")
    assert [summary(s)[:2] for s in queued_for(runtime, item)] == [("InProgress", "Pending")]
