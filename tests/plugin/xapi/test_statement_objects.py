"""What each statement is about: the object and parent the profile names (docs/xapi-profile.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plugin.events import LearningEvent
from plugin.xapi import vocabulary as v
from plugin.xapi.activities import IdOnlyCatalog
from plugin.xapi.statements import LaunchContext, Learner, build_statement

BASE = "https://tool.example"
AT = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)
BADGE = BASE + "/credentials/achievements/fire-safety"


def _event(kind: str, **fields: Any) -> LearningEvent:
    return LearningEvent(kind=kind, occurred_at=AT, platform_id=1, user_id=1, course_version_id=5, **fields)


def _statement(event: LearningEvent) -> dict[str, Any]:
    activities = IdOnlyCatalog().describe(None, event)  # type: ignore[arg-type]  (it reads no table)
    return build_statement(event, base_url=BASE, learner=Learner("https://lms.example", "sub-1"),
                           launch=LaunchContext("d1", "ctx-1", "Safety", "launch-1"),
                           activities=activities).statement


def test_earned_is_stated_on_the_achievement_as_a_badge_with_the_course_as_parent() -> None:
    statement = _statement(_event("earned", extra={"credential_url": BASE + "/credentials/abc",
                                                   "achievement_id": BADGE, "achievement_name": "Fire Safety",
                                                   "achievement_description": "Knows fire safety."}))

    assert statement["object"]["id"] == BADGE
    definition = statement["object"]["definition"]
    assert definition["type"] == v.ACTIVITY_TYPES["badge"]
    assert definition["name"] == {"und": "Fire Safety"} and definition["description"] == {"und": "Knows fire safety."}
    assert definition["extensions"] == {v.BADGE_CLASS_EXTENSION: {"@id": BADGE}}
    parents = statement["context"]["contextActivities"]["parent"]
    assert [(p["id"], p["definition"]["type"]) for p in parents] == [
        (BASE + "/xapi/activities/course/5", v.ACTIVITY_TYPES["course"])]
    assert [g["id"] for g in statement["context"]["contextActivities"]["grouping"]] == [
        BASE + "/xapi/activities/lms-context/1/ctx-1"]


def test_an_earned_event_that_names_no_achievement_is_refused_not_stated_on_the_course() -> None:
    with pytest.raises(ValueError, match="achievement"):
        _statement(_event("earned", extra={"credential_url": BASE + "/credentials/abc"}))


def test_initialized_progressed_and_terminated_are_stated_on_the_course() -> None:
    for event in (_event("initialized"), _event("progressed", progress=50), _event("terminated", duration_seconds=9)):
        statement = _statement(event)
        assert statement["object"]["id"] == BASE + "/xapi/activities/course/5", event.kind
        assert statement["object"]["definition"]["type"] == v.ACTIVITY_TYPES["course"], event.kind


def test_reviewed_is_stated_on_the_question_with_its_verdict_and_its_nugget_as_parent() -> None:
    statement = _statement(_event("reviewed", nugget_id=3, item_id=8, success=True, score_raw=2, score_min=0,
                                  score_max=2, response="free text", duration_seconds=4.5))

    assert statement["object"]["definition"]["type"] == v.ACTIVITY_TYPES["question"]
    assert statement["context"]["contextActivities"]["parent"][0]["id"] == BASE + "/xapi/activities/nugget/3"
    assert statement["result"] == {"score": {"scaled": 1.0, "raw": 2.0, "min": 0.0, "max": 2.0}, "success": True,
                                   "duration": "PT4.5S"}


def test_answered_states_no_duration_because_none_is_measured_per_question() -> None:
    statement = _statement(_event("answered", nugget_id=3, item_id=8, success=True, score_raw=1, score_min=0,
                                  score_max=1, response="a", duration_seconds=3))
    assert "duration" not in statement["result"]


def test_launched_is_not_a_learning_event_skillbite_states() -> None:
    assert "launched" not in v.VERBS
    with pytest.raises(ValueError, match="unknown learning event kind"):
        _event("launched")
