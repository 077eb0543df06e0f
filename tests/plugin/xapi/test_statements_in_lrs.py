"""A learner session becomes the documented statements, in order, accepted by a real LRS."""

from __future__ import annotations

import hashlib
import json
import re

import sqlalchemy as sa

from plugin.db import transaction
from plugin.events import publish
from plugin.outbox.models import OutboxMessage
from plugin.xapi import vocabulary as v
from plugin.xapi.models import XapiStatement

from .source import ISSUER, QUESTIONS

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _publish_all(runtime, events) -> None:
    for event in events:
        with transaction(runtime.sessions) as session:
            publish(session, event)


def test_a_learner_session_arrives_as_the_documented_statements_in_order(runtime, learner, lrs, add_lrs, deliver):
    add_lrs(lrs.url, lrs.auth)
    _publish_all(runtime, learner.session_events())

    stats = deliver()

    assert stats.outcomes["delivered"] == 9
    stored = lrs.statements()
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in stored] == [
        "initialized", "answered", "answered", "passed", "completed", "progressed", "completed", "passed",
        "terminated"]
    base = runtime.config.base_url
    registration = {s["context"]["registration"] for s in stored}
    assert len(registration) == 1
    for s in stored:
        assert s["actor"]["account"] == {"homePage": ISSUER, "name": "learner-1"}
        assert "mbox" not in s["actor"]
        assert TIMESTAMP.match(s["timestamp"])
        context = s["context"]
        assert context["platform"] == "Skillbite"
        assert context["language"] == "en"
        assert context["extensions"][v.DEPLOYMENT_EXTENSION] == "dep-1"
        assert context["extensions"][v.LMS_CONTEXT_EXTENSION] == "course-77"
        assert re.match(r"^[0-9a-f-]{36}$", context["extensions"][v.SESSION_EXTENSION])
        assert "session-learner-1" not in json.dumps(s)  # the session secret itself never leaves
        assert context["contextActivities"]["category"][0]["id"] == v.PROFILE_VERSION_ID
        grouping = [a["id"] for a in context["contextActivities"].get("grouping", [])]
        assert f"{base}/xapi/activities/lms-context/{learner.platform_id}/course-77" in grouping
    initialized, answered, matching, nugget_passed, completed, progressed, _, passed, terminated = stored
    course = f"{base}/xapi/activities/course/feedback-that-lands"
    assert initialized["object"]["id"] == course
    assert initialized["object"]["definition"]["type"] == v.ACTIVITY_TYPES["course"]
    assert "result" not in initialized
    assert progressed["result"]["extensions"] == {v.PROGRESS_EXTENSION: 40}
    assert progressed["object"]["id"] == course
    assert progressed["object"]["definition"]["type"] == v.ACTIVITY_TYPES["course"]
    assert nugget_passed["object"]["definition"]["type"] == v.ACTIVITY_TYPES["nugget"]
    assert nugget_passed["result"] == {"score": {"scaled": 1, "raw": 2, "min": 0, "max": 2}, "success": True,
                                       "duration": "PT90S"}
    question = answered["object"]["definition"]
    assert question["interactionType"] == "choice"
    assert question["correctResponsesPattern"] == ["b"]
    assert [c["id"] for c in question["choices"]] == ["a", "b", "c"]
    assert answered["result"] == {"score": {"scaled": 1, "raw": 1, "min": 0, "max": 1}, "success": True,
                                  "response": "b"}
    assert answered["context"]["contextActivities"]["parent"][0]["id"].endswith("/nugget/31")
    assert [c["id"] for c in matching["object"]["definition"]["source"]] == ["s1", "s2"]
    assert [c["id"] for c in matching["object"]["definition"]["target"]] == ["t1", "t2"]
    assert completed["result"] == {"completion": True, "duration": "PT95S"}
    assert passed["result"]["success"] is True
    assert passed["result"]["score"] == {"scaled": 0.8, "raw": 8, "min": 0, "max": 10}
    assert passed["object"]["id"] == course and passed["result"]["duration"] == "PT300S"
    assert terminated["object"]["id"] == course
    assert terminated["result"] == {"duration": "PT310S"}


def test_statements_are_sent_without_version_and_with_deterministic_ids(runtime, learner):
    events = learner.session_events()[:3]
    _publish_all(runtime, events)
    _publish_all(runtime, events)  # the same events again: same ids, nothing new

    with transaction(runtime.sessions) as session:
        bodies = session.scalars(sa.select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
        logged = session.scalar(sa.select(sa.func.count()).select_from(XapiStatement))
    assert len(bodies) == 3 and logged == 3
    for body in bodies:
        assert "version" not in json.loads(body)


def test_the_lrs_accepts_every_statement_the_profile_defines(runtime, learner, lrs, add_lrs, deliver):
    add_lrs(lrs.url, lrs.auth)
    events = learner.session_events()
    events += [learner.event("answered", nugget_id=32, item_id=item, response=resp, success=False, score_raw=0,
                             score_min=0, score_max=1, duration_seconds=3)
               for item, resp in [(2, "false"), (4, "plan[,]check[,]do[,]act"), (5, "praise"), (6, "3"),
                                  (7, "12")]]
    events += [learner.event("failed", score_raw=2, score_min=0, score_max=10, duration_seconds=100),
               learner.event("reviewed", nugget_id=31, item_id=1, success=False, score_raw=0, score_min=0,
                             score_max=1, response="Blame", duration_seconds=6),
               learner.event("earned", module_id=None,
                             extra={"credential_url": "https://tool.example/credentials/abc",
                                    "achievement_id": "https://tool.example/credentials/achievements/feedback",
                                    "achievement_name": "Feedback Practitioner"})]
    _publish_all(runtime, events)

    stats = deliver()

    assert stats.outcomes.get("parked", 0) == 0
    stored = lrs.statements()
    assert len(stored) == len(events) == 17
    assert {s["object"]["definition"].get("interactionType") for s in stored} >= {
        q.type for q in QUESTIONS.values() if q.type != "choice"} | {"choice"}
    reviewed, earned = stored[-2:]
    assert reviewed["object"]["definition"]["type"] == v.ACTIVITY_TYPES["question"]
    assert reviewed["object"]["definition"]["interactionType"] == "choice"
    assert reviewed["context"]["contextActivities"]["parent"][0]["id"].endswith("/nugget/31")
    assert reviewed["result"] == {"score": {"scaled": 0, "raw": 0, "min": 0, "max": 1}, "success": False,
                                  "duration": "PT6S"}
    assert earned["verb"]["id"] == v.VERBS["earned"]
    assert earned["object"]["id"] == "https://tool.example/credentials/achievements/feedback"
    assert earned["object"]["definition"]["type"] == v.ACTIVITY_TYPES["badge"]
    assert [p["id"] for p in earned["context"]["contextActivities"]["parent"]] == [
        f"{runtime.config.base_url}/xapi/activities/course/feedback-that-lands"]
    assert earned["result"]["extensions"][v.BADGE_ASSERTION_EXTENSION] == {
        "@id": "https://tool.example/credentials/abc"}
    assert v.OPEN_BADGES_RECIPE in [c["id"] for c in earned["context"]["contextActivities"]["category"]]


def test_mbox_is_used_only_when_the_platform_turns_it_on(runtime, learner, lrs, add_lrs, deliver):
    from plugin.xapi.services import set_actor_identifier

    from .source import make_learner

    add_lrs(lrs.url, lrs.auth)
    with_email = make_learner(runtime.sessions, subject="learner-2", email="ada@example.com")
    with_email.publish(runtime.sessions, "initialized")
    with transaction(runtime.sessions) as session:
        set_actor_identifier(session, learner.platform_id, "mbox_sha1sum")
    with_email.publish(runtime.sessions, "terminated", duration_seconds=5)
    deliver()

    first, second = lrs.statements()
    assert first["actor"]["account"]["name"] == "learner-2" and "mbox_sha1sum" not in first["actor"]
    assert second["actor"]["mbox_sha1sum"] == hashlib.sha1(b"mailto:ada@example.com").hexdigest()
    assert "account" not in second["actor"]
