"""A sitting is cmi5's session: ``initialized`` opens it on the course, ``terminated`` closes it with its
own time. What the statement log holds after real progress calls (docs/xapi-profile.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from plugin.catalog.services import course_by_slug
from plugin.db import transaction
from plugin.platforms.services import add_platform
from plugin.progress import services as progress
from plugin.progress.models import Enrolment, NuggetProgress, Sitting
from plugin.xapi import vocabulary as v
from plugin.xapi.models import XapiStatement
from tests.plugin.grades.support import SLUG, LearnerLaunch, launch, load_course


@pytest.fixture
def platform_id(runtime: Any) -> int:
    load_course(runtime)
    with transaction(runtime.sessions) as session:
        row = add_platform(session, issuer="https://lms.example.com", client_id="skillbite",
                           auth_login_url="https://lms.example.com/auth",
                           auth_token_url="https://lms.example.com/token",
                           key_set_url="https://lms.example.com/jwks", deployment_ids=["d1"])
        session.flush()
        return int(row.id)


def _learner(who: LearnerLaunch) -> progress.Learner:
    return progress.Learner(who.platform_id, who.user_id, who.session_id)


def open_course(runtime: Any, who: LearnerLaunch) -> None:
    """A course page: what every player page does first."""
    with transaction(runtime.sessions) as session:
        progress.enrol(session, _learner(who), course_by_slug(session, SLUG))


def _nugget(session: Any, enrolment: Any, key: str) -> Any:
    return next(n for n in progress.load_version(session, enrolment.version_id).nuggets if n.key == key)


def view(runtime: Any, who: LearnerLaunch, key: str) -> None:
    with transaction(runtime.sessions) as session:
        learner = _learner(who)
        enrolment = progress.enrol(session, learner, course_by_slug(session, SLUG))
        nugget = _nugget(session, enrolment, key)
        progress.view_nugget(session, learner, enrolment, nugget)


def answer(runtime: Any, who: LearnerLaunch, *, correct: bool) -> None:
    with transaction(runtime.sessions) as session:
        learner = _learner(who)
        enrolment = progress.enrol(session, learner, course_by_slug(session, SLUG))
        nugget = _nugget(session, enrolment, "quiz")
        progress.submit_answers(session, learner, enrolment, nugget, {"q": {"": ["false" if correct else "true"]}})


def done(runtime: Any, who: LearnerLaunch, key: str) -> None:
    with transaction(runtime.sessions) as session:
        learner = _learner(who)
        enrolment = progress.enrol(session, learner, course_by_slug(session, SLUG))
        nugget = _nugget(session, enrolment, key)
        progress.mark_done(session, learner, enrolment, nugget)


def leave(runtime: Any, who: LearnerLaunch) -> None:
    with transaction(runtime.sessions) as session:
        learner = _learner(who)
        progress.terminate(session, learner, progress.enrol(session, learner, course_by_slug(session, SLUG)))


def stated(runtime: Any, verb: str | None = None) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        query = sa.select(XapiStatement).order_by(XapiStatement.timestamp, XapiStatement.id)
        if verb is not None:
            query = query.where(XapiStatement.verb == verb)
        return [json.loads(row.statement) for row in session.scalars(query)]


def verbs(runtime: Any) -> list[str]:
    return [s["verb"]["display"]["en-US"] for s in stated(runtime)]


def seconds(duration: str) -> float:
    assert duration.startswith("PT") and duration.endswith("S"), duration
    return float(duration[2:-1])


def rewind(runtime: Any, by: dt.timedelta) -> None:
    """Pretend the learner's last page view or heartbeat was ``by`` ago."""
    with transaction(runtime.sessions) as session:
        for model in (Enrolment, Sitting, NuggetProgress):
            for row in session.scalars(sa.select(model)):
                if row.last_seen_at is not None:
                    row.last_seen_at = row.last_seen_at - by


def course_iri(runtime: Any) -> str:
    return f"{runtime.config.base_url}/xapi/activities/course/{SLUG}"


def test_initialized_is_stated_once_per_sitting_on_the_course(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    open_course(runtime, who)
    view(runtime, who, "quiz")
    view(runtime, who, "read")
    view(runtime, who, "quiz")

    [initialized] = stated(runtime, "initialized")
    assert initialized["object"]["id"] == course_iri(runtime)
    assert initialized["object"]["definition"]["type"] == v.ACTIVITY_TYPES["course"]
    assert v.SESSION_EXTENSION in initialized["context"]["extensions"]


def test_each_launch_is_a_sitting_of_its_own(runtime: Any, platform_id: int) -> None:
    first = launch(runtime, platform_id)
    view(runtime, first, "quiz")
    second = launch(runtime, platform_id)
    view(runtime, second, "quiz")

    sessions = {s["context"]["extensions"][v.SESSION_EXTENSION] for s in stated(runtime, "initialized")}
    assert len(sessions) == 2


def test_terminated_states_this_sittings_time_not_the_enrolments(runtime: Any, platform_id: int) -> None:
    yesterday = launch(runtime, platform_id)
    view(runtime, yesterday, "quiz")
    with transaction(runtime.sessions) as session:  # earlier sittings took 40 minutes
        session.execute(sa.update(Enrolment).values(seconds=2400.0))
    today = launch(runtime, platform_id)
    view(runtime, today, "quiz")
    rewind(runtime, dt.timedelta(seconds=40))

    leave(runtime, today)

    [terminated] = stated(runtime, "terminated")
    assert terminated["object"]["id"] == course_iri(runtime)
    assert 40 <= seconds(terminated["result"]["duration"]) < 45
    with runtime.sessions() as session:  # the enrolment's running total still counts every sitting
        assert session.scalar(sa.select(Enrolment.seconds)) >= 2440


def test_time_away_counts_nothing_in_the_sitting(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    view(runtime, who, "quiz")
    rewind(runtime, dt.timedelta(hours=2))

    leave(runtime, who)

    [terminated] = stated(runtime, "terminated")
    assert seconds(terminated["result"]["duration"]) < 1


def test_leaving_twice_closes_the_sitting_once(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    view(runtime, who, "quiz")
    leave(runtime, who)
    open_course(runtime, who)  # the page shown after leaving does not start a new sitting
    leave(runtime, who)

    assert verbs(runtime) == ["initialized", "terminated"]


def test_learning_again_after_leaving_opens_the_next_sitting(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    view(runtime, who, "quiz")
    leave(runtime, who)
    view(runtime, who, "read")
    leave(runtime, who)

    assert verbs(runtime) == ["initialized", "terminated", "initialized", "terminated"]
    with runtime.sessions() as session:
        assert sorted(session.scalars(sa.select(Sitting.number))) == [1, 2]


def test_a_heartbeat_after_leaving_opens_no_sitting(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    view(runtime, who, "quiz")
    leave(runtime, who)
    with transaction(runtime.sessions) as session:  # a page left open in another tab
        learner = _learner(who)
        enrolment = progress.enrol(session, learner, course_by_slug(session, SLUG))
        nugget = _nugget(session, enrolment, "quiz")
        progress.heartbeat(session, learner, enrolment, nugget)

    assert verbs(runtime) == ["initialized", "terminated"]


def test_progressed_is_stated_on_the_course(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    done(runtime, who, "read")

    [progressed] = stated(runtime, "progressed")
    assert progressed["object"]["id"] == course_iri(runtime)
    assert progressed["object"]["definition"]["type"] == v.ACTIVITY_TYPES["course"]
    assert progressed["result"]["extensions"] == {v.PROGRESS_EXTENSION: 33}


def test_each_quiz_attempt_is_passed_or_failed_on_the_nugget_with_its_time(runtime: Any,
                                                                            platform_id: int) -> None:
    who = launch(runtime, platform_id)
    view(runtime, who, "quiz")
    rewind(runtime, dt.timedelta(seconds=30))
    answer(runtime, who, correct=False)

    [failed] = stated(runtime, "failed")
    assert failed["object"]["id"] == f"{course_iri(runtime)}/nugget/quiz"
    assert failed["object"]["definition"]["type"] == v.ACTIVITY_TYPES["nugget"]
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0
    assert 30 <= seconds(failed["result"]["duration"]) < 35


def test_the_course_is_passed_with_its_score_and_time(runtime: Any, platform_id: int) -> None:
    who = launch(runtime, platform_id)
    answer(runtime, who, correct=True)
    done(runtime, who, "read")
    with transaction(runtime.sessions) as session:
        session.execute(sa.update(Enrolment).values(seconds=600.0))
    done(runtime, who, "extra")

    course_level = [s for s in stated(runtime) if s["object"]["id"] == course_iri(runtime)]
    assert [s["verb"]["display"]["en-US"] for s in course_level] == [
        "initialized", "progressed", "progressed", "progressed", "completed", "passed"]
    passed = course_level[-1]
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 1
    assert 600 <= seconds(passed["result"]["duration"]) < 605
    assert passed["result"]["duration"] == course_level[-2]["result"]["duration"]  # as the course's completed
