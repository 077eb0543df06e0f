"""NRPS: rosters fetched by the worker (paging, role filter), refreshed on launch at most every N minutes
and on demand, and the instructor's view of who has not started or finished, per platform and course."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lti import claims
from lti.message import Role
from plugin.config import Config, ConfigError
from plugin.db import transaction
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import issue_token
from plugin.roster.delivery import RosterDeliverer
from plugin.roster.models import RosterMember
from plugin.roster.services import request_sync
from tests.lti.ags_server import Reply, StrictPlatform
from tests.plugin.grades.support import (
    complete_course,
    drain,
    launch,
    learn,
    load_course,
    messages,
    register_lms,
    score_worker,
    start_lms,
)
from tests.plugin.launch.helpers import TOOL_BASE, register
from tests.support.browser import FlaskClientBrowser
from tests.support.first_page import assert_first_page


@pytest.fixture
def lms(runtime) -> Iterator[StrictPlatform]:
    platform = start_lms(runtime)
    try:
        platform.platform_id = register_lms(runtime, platform)  # type: ignore[attr-defined]
        load_course(runtime)
        for n in range(1, 5):
            platform.add_member(f"u-{n}", name=f"Learner {n}")
        platform.add_member("t-1", "Instructor", name="Teacher")
        yield platform
    finally:
        platform.__exit__(None, None, None)


def nrps(lms) -> dict:
    return {"context_memberships_url": lms.memberships_url, "service_versions": ["2.0"]}


def token_for(app, who) -> str:
    with app.test_request_context():
        return issue_token(who.session_id)


def ask(runtime, who) -> None:
    """What every launch does after opening its session (plugin.launch.views.launch)."""
    with transaction(runtime.sessions) as session:
        request_sync(session, session.get(LaunchSession, who.session_id))


def test_launches_ask_for_the_roster_at_most_once_in_the_refresh_period(strict_platform, runtime, client, lms):
    platform = strict_platform(tool_base=TOOL_BASE)
    register(runtime, platform)
    browser = FlaskClientBrowser(client, TOOL_BASE)
    for _ in range(2):
        assert_first_page(platform.launch(browser, claims={claims.NRPS_SERVICE: nrps(lms)}))
    [message] = messages(runtime, "nrps_sync")
    assert message.destination == lms.memberships_url
    assert lms.requests_of("members") == []  # nothing left the building during the requests


def test_the_refresh_period_is_the_configured_one(runtime, lms):
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    with transaction(runtime.sessions) as session:
        opened = session.get(LaunchSession, who.session_id)
        asked = [request_sync(session, opened, every=dt.timedelta(minutes=15)) for _ in range(2)]
        asked += [request_sync(session, opened, every=dt.timedelta(0))]
    assert asked == [True, False, True]  # 0 minutes: every launch asks
    assert len(messages(runtime, "nrps_sync")) == 2


def test_a_negative_refresh_period_is_refused():
    with pytest.raises(ConfigError, match="SKILLBITE_ROSTER_REFRESH_MINUTES must be at least 0"):
        Config.from_env({"SKILLBITE_ROSTER_REFRESH_MINUTES": "-5", "SKILLBITE_BASE_URL": "http://localhost"})


def test_the_worker_fetches_every_page_of_learners_and_records_them(app, client, runtime, lms):
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    ask(runtime, who)
    drain(score_worker(runtime, nrps_sync=RosterDeliverer(runtime, page_size=2)))
    pages = lms.requests_of("members")
    assert len(pages) == 2 and all("role=" in path for _, _, path in pages)  # 4 learners, 2 a page
    with transaction(runtime.sessions) as session:
        subjects = sorted(session.scalars(sa.select(RosterMember.subject)))
    assert subjects == ["u-1", "u-2", "u-3", "u-4"]
    assert {m.status for m in messages(runtime, "nrps_sync")} == {"delivered"}


def test_a_roster_fetch_during_an_outage_is_retried(app, client, runtime, lms):
    lms.script("members", Reply(503, {"error": "down"}, {"Retry-After": "0"}))
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    ask(runtime, who)
    drain(score_worker(runtime))
    [message] = messages(runtime, "nrps_sync")
    assert (message.status, message.attempts) == ("delivered", 2)


def test_the_instructor_sees_who_has_not_started_or_finished(app, client, runtime, lms):
    learners = {n: launch(runtime, lms.platform_id, subject=f"u-{n}", nrps=nrps(lms)) for n in (1, 2)}
    complete_course(runtime, learners[1])
    learn(runtime, learners[2], "quiz")
    teacher = launch(runtime, lms.platform_id, subject="t-1", role=Role.INSTRUCTOR, nrps=nrps(lms))
    ask(runtime, teacher)
    drain(score_worker(runtime))
    page = client.get("/roster", query_string={"lt": token_for(app, teacher)})
    assert page.status_code == 200
    rows = dict(re.findall(r"<th scope=\"row\">(Learner \d)[^<]*</th>\s*<td>([^<]+)</td>", page.text))
    assert rows == {"Learner 1": "completed (100 %)", "Learner 2": "in progress (33 %)", "Learner 3": "not started",
                    "Learner 4": "not started"}
    assert "Teacher" not in page.text
    assert "2 not started, 1 in progress, 1 completed" in page.text


def test_the_refresh_button_asks_the_worker_again(app, client, runtime, lms):
    teacher = launch(runtime, lms.platform_id, subject="t-1", role=Role.INSTRUCTOR, nrps=nrps(lms))
    lt = token_for(app, teacher)
    ask(runtime, teacher)
    page = client.get("/roster", query_string={"lt": lt})
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    answer = client.post("/roster/refresh", data={"lt": lt, "csrf": csrf})
    assert answer.status_code == 303 and "requested=1" in answer.headers["Location"]
    assert len(messages(runtime, "nrps_sync")) == 2


def test_learners_cannot_see_the_roster(app, client, runtime, lms):
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    page = client.get("/roster", query_string={"lt": token_for(app, who)})
    assert page.status_code == 403 and "for the instructors" in page.text


def test_an_instructor_sees_only_the_roster_of_their_own_platform_and_course(app, client, runtime, lms):
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    ask(runtime, who)
    drain(score_worker(runtime))
    other = start_lms(runtime)
    try:
        other_id = register_lms(runtime, other)
        other.add_member("x-1", name="Other tenant learner")
        # Same LMS course id and same subject names on another platform: still another tenant.
        teacher = launch(runtime, other_id, subject="t-1", role=Role.INSTRUCTOR,
                         nrps={"context_memberships_url": other.memberships_url})
        lt = token_for(app, teacher)
        ask(runtime, teacher)
        drain(score_worker(runtime))
        page = client.get("/roster", query_string={"lt": lt})
        assert "Other tenant learner" in page.text
        assert "Learner 1" not in page.text and "Learner 4" not in page.text
    finally:
        other.__exit__(None, None, None)


def test_without_a_roster_from_the_lms_the_learners_who_launched_are_shown(app, client, runtime, lms):
    # An LMS that offers no NRPS (or has not answered yet): the instructor still sees who started.
    learners = {n: launch(runtime, lms.platform_id, subject=f"u-{n}") for n in (1, 2)}
    complete_course(runtime, learners[1])
    launch(runtime, lms.platform_id, subject="u-3", context_id="another-course")  # not this LMS course
    other = start_lms(runtime)
    try:  # another tenant's learner in an LMS course with the same id
        launch(runtime, register_lms(runtime, other), subject="u-4")
    finally:
        other.__exit__(None, None, None)
    teacher = launch(runtime, lms.platform_id, subject="t-1", role=Role.INSTRUCTOR)
    page = client.get("/roster", query_string={"lt": token_for(app, teacher)})
    assert page.status_code == 200 and "the learners who opened Skillbite from this course" in page.text
    rows = dict(re.findall(r"<th scope=\"row\">(Person u-\d)[^<]*</th>\s*<td>([^<]+)</td>", page.text))
    assert rows == {"Person u-1": "completed (100 %)", "Person u-2": "not started"}
    assert "Person t-1" not in page.text  # instructors are not learners

    ask(runtime, launch(runtime, lms.platform_id, subject="t-1", role=Role.INSTRUCTOR, nrps=nrps(lms)))
    drain(score_worker(runtime))  # the LMS's roster, once it has one, replaces the guess
    page = client.get("/roster", query_string={"lt": token_for(app, teacher)})
    assert "Learner 4" in page.text and "Person u-1" not in page.text
    assert "opened Skillbite from this course" not in page.text


def test_a_completion_says_its_score_and_a_missed_pass_mark():
    from plugin.progress.models import Enrolment
    from plugin.roster.services import _result

    assert _result(Enrolment(score=0.79, passed=False)) == " (79 %, not passed)"
    assert _result(Enrolment(score=1.0, passed=True)) == " (100 %)"
    assert _result(Enrolment(score=None, passed=None)) == ""  # a course without quizzes


def test_values_longer_than_the_roster_holds_do_not_fail_the_roster(app, client, runtime, lms):
    """What an LMS sends is not bound by our columns (a DataError on PostgreSQL failed the whole roster,
    every time): a long name is cut, an impossible email left out, a sub no launch can carry skipped."""
    lms.add_member("u-long", name="N" * 300, email="e" * 330 + "@example.test")
    lms.add_member("s" * 300, name="Too long a sub")
    who = launch(runtime, lms.platform_id, nrps=nrps(lms))
    ask(runtime, who)
    drain(score_worker(runtime, nrps_sync=RosterDeliverer(runtime, page_size=10)))
    assert {m.status for m in messages(runtime, "nrps_sync")} == {"delivered"}
    with transaction(runtime.sessions) as session:
        members = {m.subject: m for m in session.scalars(sa.select(RosterMember))}
    assert sorted(members) == ["u-1", "u-2", "u-3", "u-4", "u-long"]
    assert members["u-long"].name == "N" * 255 and members["u-long"].email is None
