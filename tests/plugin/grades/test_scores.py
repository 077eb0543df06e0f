"""Scores from Skillbite to a strict LMS that plays Moodle: computed on the server, queued with the
progress change, delivered by the worker with one cached token, retried, parked or counted delivered."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from lti import claims
from lti.message import Role
from plugin.db import transaction
from plugin.grades.models import AgsLineItem, ServiceAccessToken
from tests.lti.ags_server import Reply

from .support import ags_claim, complete_course, drain, launch, learn, messages, score_worker


def scores_of(lms, subject: str, item: int = 1) -> list[dict]:
    return lms.scores[(item, subject)]


def test_completing_the_course_puts_a_fully_graded_score_in_the_gradebook(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    complete_course(runtime, who)
    drain(score_worker(runtime))
    final = scores_of(lms, "u-1")[-1]
    assert (final["activityProgress"], final["gradingProgress"]) == ("Completed", "FullyGraded")
    assert (final["scoreGiven"], final["scoreMaximum"]) == (100.0, 100.0)
    assert lms.violations == []
    assert {m.status for m in messages(runtime)} == {"delivered"}


def test_progress_before_completion_is_pending_and_timestamps_rise_by_whole_seconds(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    complete_course(runtime, who)
    drain(score_worker(runtime))
    sent = scores_of(lms, "u-1")
    assert [s["gradingProgress"] for s in sent[:-1]] == ["Pending"] * (len(sent) - 1)
    assert all("scoreGiven" not in s for s in sent[:-1])
    seconds = [int(dt.datetime.fromisoformat(s["timestamp"]).timestamp()) for s in sent]
    assert seconds == sorted(set(seconds))  # Moodle refuses a second score in the same second


def test_the_score_body_is_sent_as_the_score_media_type_to_the_moodle_scores_url(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)))
    drain(score_worker(runtime))
    assert {mime for mime, _ in lms.score_bodies} == {"application/vnd.ims.lis.v1.score+json"}
    assert all(path.endswith("/lineitem/scores?type_id=3") for _, _, path in lms.requests_of("scores"))


def test_many_scores_for_many_learners_use_one_token(runtime, lms):
    item = lms.add_line_item("Site safety")
    for n in range(4):
        complete_course(runtime, launch(runtime, lms.platform_id, subject=f"u-{n}", ags=ags_claim(lms, lineitem=item)))
    worker = score_worker(runtime)
    drain(worker)
    assert len(lms.requests_of("scores")) == len(messages(runtime)) >= 12
    assert lms.token_requests == [[claims.SCOPE_AGS_SCORE]]


def test_the_token_is_kept_sealed_in_the_database_for_every_worker(runtime, lms):
    item = lms.add_line_item("Site safety")
    learn(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)), "quiz")
    drain(score_worker(runtime))
    learn(runtime, launch(runtime, lms.platform_id, subject="u-2", ags=ags_claim(lms, lineitem=item)), "quiz")
    drain(score_worker(runtime))  # a second worker process: no in-memory token
    assert len(lms.token_requests) == 1
    with transaction(runtime.sessions) as session:
        [row] = session.scalars(sa.select(ServiceAccessToken))
        issued = next(iter(lms._tokens))
        assert issued.encode() not in row.token_sealed


def test_a_token_refused_with_401_is_replaced_and_the_score_delivered(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    worker = score_worker(runtime)
    learn(runtime, who, "quiz")
    drain(worker)
    lms.revoke_tokens()  # the LMS forgot every token (restart, revocation)
    learn(runtime, who, "read")
    drain(worker)
    assert len(lms.token_requests) == 2
    assert [r[0] for r in lms.requests if r[0] in ("scores", "token")][-3:] == ["scores", "token", "scores"]
    assert {m.status for m in messages(runtime)} == {"delivered"}


def test_an_lms_down_for_a_while_gets_every_score_once_when_it_is_back(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    lms.script("scores", *[Reply(503, {"error": "maintenance"}, {"Retry-After": "0"})] * 3)
    complete_course(runtime, who)
    worker = score_worker(runtime)
    drain(worker)
    stored = scores_of(lms, "u-1")
    assert len(stored) == len(messages(runtime))
    assert len({s["timestamp"] for s in stored}) == len(stored)
    assert {m.status for m in messages(runtime)} == {"delivered"}
    assert stored[-1]["gradingProgress"] == "FullyGraded"


def test_a_resent_score_the_lms_already_holds_counts_as_delivered(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    # The first answer is lost (timeout, 502); the re-send meets Moodle's 409 for a score it holds.
    lms.script("scores", Reply(502), Reply(409, {"status": 409, "reason": "Refusing score with an earlier timestamp"}))
    learn(runtime, who, "quiz")
    drain(score_worker(runtime))
    [message] = [m for m in messages(runtime)]
    assert (message.status, message.attempts) == ("delivered", 2)


def test_a_score_the_lms_refuses_as_older_than_the_one_it_holds_counts_as_delivered(runtime, lms):
    item = lms.add_line_item("Site safety")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item))
    # Parallel workers delivered a later score of this learner first: Moodle refuses the earlier one.
    lms.script("scores", Reply(409, {"status": 409, "reason": "Refusing score with an earlier timestamp for item"}))
    learn(runtime, who, "quiz")
    drain(score_worker(runtime))
    [message] = messages(runtime)
    assert (message.status, message.attempts) == ("delivered", 1)


def test_a_score_for_a_teacher_is_parked_with_the_status_and_our_hint(runtime, lms):
    item = lms.add_line_item("Site safety")
    lms.teachers.add("t-1")
    who = launch(runtime, lms.platform_id, subject="t-1", ags=ags_claim(lms, lineitem=item))  # a learner here
    learn(runtime, who, "quiz")
    drain(score_worker(runtime))
    [message] = messages(runtime)
    assert message.status == "parked" and message.attempts == 1
    assert "answered HTTP 400" in (message.last_error or "") and "Moodle refuses scores" in (message.last_error or "")
    assert "not a learner" not in (message.last_error or "")  # the LMS's own words are never shown


def test_a_refusal_that_will_never_succeed_is_parked_not_retried(runtime, lms):
    item = lms.add_line_item("Site safety")
    lms.script("scores", Reply(404, {"error": "not_found", "error_description": "line item deleted"}))
    learn(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)), "quiz")
    drain(score_worker(runtime))
    [message] = messages(runtime)
    assert (message.status, message.attempts) == ("parked", 1)
    assert "404" in (message.last_error or "")


def test_instructors_trying_content_out_send_no_score(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, subject="i-1", role=Role.INSTRUCTOR,
                                    ags=ags_claim(lms, lineitem=item)))
    assert messages(runtime) == []


def test_without_a_launch_line_item_one_is_created_per_resource_link_and_reused(runtime, lms):
    for n in range(3):
        learn(runtime, launch(runtime, lms.platform_id, subject=f"u-{n}", ags=ags_claim(lms)), "quiz")
    drain(score_worker(runtime))
    assert [r[1] for r in lms.requests_of("lineitems")] == ["GET", "POST"]
    [created] = lms.line_items.values()
    assert (created["resourceLinkId"], created["resourceId"], created["tag"]) == (
        "rl-1", "course:site-safety", "skillbite")
    assert len([k for k in lms.scores if k[0] == 1]) == 3
    with transaction(runtime.sessions) as session:
        [row] = session.scalars(sa.select(AgsLineItem))
        assert row.url == created["id"]


def test_an_existing_line_item_of_the_link_is_found_through_the_pages(runtime, lms):
    lms.page_size = 1
    for n in range(3):
        lms.add_line_item(f"Other {n}", resourceLinkId=f"rl-other-{n}")
    mine = lms.add_line_item("Site safety", resourceLinkId="rl-1", resourceId="course:site-safety", tag="skillbite")
    learn(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms)), "quiz")
    drain(score_worker(runtime))
    assert "POST" not in [r[1] for r in lms.requests_of("lineitems")]
    assert scores_of(lms, "u-1", item=int(mine.split("/lineitems/")[1].split("/")[0]))


def test_a_nugget_link_scores_each_attempt_then_the_final_grade(runtime, lms):
    item = lms.add_line_item("Quiz")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item),
                 custom={"skillbite_course": "site-safety", "skillbite_nugget": "quiz"})
    learn(runtime, who, "quiz", correct=False)
    learn(runtime, who, "quiz", correct=True)
    learn(runtime, who, "read")  # not this link's content: no score
    drain(score_worker(runtime))
    sent = [(s["activityProgress"], s["gradingProgress"], s["scoreGiven"]) for s in scores_of(lms, "u-1")]
    assert sent == [("Submitted", "Pending", 0.0), ("Completed", "FullyGraded", 100.0)]


def test_a_module_link_is_graded_when_every_nugget_of_the_module_is_done(runtime, lms):
    item = lms.add_line_item("Basics")
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item),
                 custom={"skillbite_course": "site-safety", "skillbite_module": "basics"})
    learn(runtime, who, "quiz")
    learn(runtime, who, "read")
    learn(runtime, who, "extra")  # another module
    drain(score_worker(runtime))
    sent = [(s["gradingProgress"], s.get("scoreGiven")) for s in scores_of(lms, "u-1")]
    assert sent == [("Pending", None), ("FullyGraded", 100.0)]


def test_each_score_message_has_a_deterministic_key_so_a_repeated_event_queues_nothing(runtime, lms):
    item = lms.add_line_item("Site safety")
    complete_course(runtime, launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=item)))
    keys = [m.key for m in messages(runtime)]
    assert len(keys) == len(set(keys))
    assert [json.loads(m.body)["score"]["gradingProgress"] for m in messages(runtime)][-1] == "FullyGraded"
    assert sum(1 for k in keys if k.endswith("course:final")) == 1
