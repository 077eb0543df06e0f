"""Tenant isolation, anonymous preview, CSRF, server-measured time on task, and published events."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lti.message import Role
from plugin import events
from plugin.progress.models import Enrolment, NuggetProgress
from tests.plugin.player.launches import DEMO, make_platform
from tests.plugin.player.test_player_flow import csrf_of


def _answer_first(client, launch, value="false"):
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    return client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                       data={"csrf": csrf_of(page.text), "i.praise-counts": value})


def test_same_subject_on_two_platforms_never_shares_progress(app, client, launch_as, demo_course, runtime):
    alice = launch_as(subject="same-sub")
    mallory = launch_as(subject="same-sub", platform_id=make_platform(app))
    _answer_first(client, alice)
    page = client.get(f"/learn/c/{DEMO}", query_string=mallory.q())
    assert "0 of 7 done" in page.text
    page = client.get(f"/learn/c/{DEMO}", query_string=alice.q())
    assert "1 of 7 done" in page.text
    with runtime.sessions() as session:
        rows = session.execute(sa.select(NuggetProgress.platform_id, NuggetProgress.completed_at)).all()
        assert [r.platform_id for r in rows if r.completed_at] == [alice.platform_id]


def test_a_csrf_value_from_another_session_is_refused(client, launch_as, demo_course, runtime):
    alice, bob = launch_as(subject="alice"), launch_as(subject="bob")
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=alice.q())
    response = client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=bob.q(),
                           data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    assert response.status_code == 403
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(NuggetProgress).where(
            NuggetProgress.completed_at.is_not(None))) == 0


def test_post_without_csrf_is_refused(client, launch_as, demo_course):
    launch = launch_as()
    response = client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                           data={"i.praise-counts": "false"})
    assert response.status_code == 403 and "expired" in response.text


def test_guessed_token_or_no_token_gets_no_page(client, launch_as, demo_course):
    launch_as()
    assert client.get(f"/learn/c/{DEMO}", query_string={"lt": "guessed.token.value"}).status_code == 401
    assert client.get(f"/learn/c/{DEMO}").status_code == 401


def test_disabling_a_platform_ends_its_open_sessions_at_once(client, launch_as, demo_course, runtime):
    from plugin.platforms.models import Platform

    launch = launch_as()
    assert client.get(f"/learn/c/{DEMO}", query_string=launch.q()).status_code == 200
    with runtime.sessions() as s, s.begin():
        s.get(Platform, launch.platform_id).enabled = False
    assert client.get(f"/learn/c/{DEMO}", query_string=launch.q()).status_code == 401


def test_anonymous_launch_previews_and_saves_nothing(client, launch_as, demo_course, runtime):
    anonymous = launch_as(subject=None)
    page = client.get(f"/learn/c/{DEMO}/n/putting-it-together", query_string=anonymous.q())
    assert page.status_code == 200 and "Preview" in page.text  # everything open in a preview
    response = client.post(f"/learn/c/{DEMO}/n/putting-it-together/answers", query_string=anonymous.q(),
                           data={"csrf": csrf_of(page.text), "i.count": "3", "i.best-opening": "0",
                                 "i.follow-up": "ask", "i.praise": "true"})
    assert response.status_code == 200 and "nothing is saved" in response.text and "Correct." in response.text
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0


def test_time_on_task_comes_from_server_clock_and_caps_gaps(client, launch_as, demo_course, runtime):
    launch = launch_as()
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    csrf = csrf_of(page.text)
    with runtime.sessions() as session, session.begin():  # pretend the last view was 40 s ago
        row = session.scalar(sa.select(NuggetProgress))
        row.last_seen_at = row.last_seen_at - dt.timedelta(seconds=40)
    response = client.post(f"/learn/c/{DEMO}/n/why-feedback/heartbeat", query_string=launch.q(),
                           headers={"X-Skillbite-CSRF": csrf}, data={"seconds": "99999"})
    assert response.status_code == 204
    with runtime.sessions() as session, session.begin():
        row = session.scalar(sa.select(NuggetProgress))
        assert 40 <= row.seconds < 45
        row.last_seen_at = row.last_seen_at - dt.timedelta(hours=2)  # away: counts nothing
    client.post(f"/learn/c/{DEMO}/n/why-feedback/heartbeat", query_string=launch.q(),
                headers={"X-Skillbite-CSRF": csrf})
    with runtime.sessions() as session:
        assert session.scalar(sa.select(NuggetProgress.seconds)) < 45


def test_learning_events_are_published_for_each_step(client, launch_as, demo_course):
    seen: list[events.LearningEvent] = []

    def record(session, event):
        seen.append(event)

    events.subscribe("*", record)
    try:
        launch = launch_as()
        _answer_first(client, launch, "true")
        _answer_first(client, launch, "false")
        page = client.get(f"/learn/c/{DEMO}", query_string=launch.q())
        client.post(f"/learn/c/{DEMO}/leave", query_string=launch.q(), data={"csrf": csrf_of(page.text)})
    finally:
        events._handlers["*"].remove(record)
    kinds = [e.kind for e in seen]
    assert kinds == ["initialized", "answered", "failed", "answered", "passed", "completed", "progressed",
                     "terminated"]
    assert all(e.platform_id == launch.platform_id and e.user_id == launch.user_id for e in seen)
    assert seen[2].score_raw == 0 and seen[4].success is True


def test_new_version_keeps_learners_in_progress_and_carries_over_unchanged(app, client, launch_as, demo_course,
                                                                          runtime, tmp_path):
    from plugin.catalog.services import DEMO_COURSE, import_package
    from tests.plugin.catalog.packages import PackageFiles

    launch = launch_as()
    _answer_first(client, launch)
    files = {p.relative_to(DEMO_COURSE).as_posix(): p.read_bytes() for p in DEMO_COURSE.rglob("*") if p.is_file()}
    files["nuggets/04-timing.md"] = files["nuggets/04-timing.md"].replace(b"Feedback loses", b"Feedback soon loses")
    with runtime.sessions() as session, session.begin():
        assert import_package(session, PackageFiles(files)).version.number == 2
    client.get(f"/learn/c/{DEMO}", query_string=launch.q())
    with runtime.sessions() as session:
        (enrolment,) = session.scalars(sa.select(Enrolment)).all()  # still on version 1, unfinished
        assert enrolment.version_id == 1
    newcomer = launch_as(subject="newcomer")
    client.get(f"/learn/c/{DEMO}", query_string=newcomer.q())
    with runtime.sessions() as session:
        versions = sorted(e.version_id for e in session.scalars(sa.select(Enrolment)))
        assert versions == [1, 2]


def test_instructor_sees_manage_link_learner_cannot_manage(client, launch_as, demo_course):
    assert client.get("/learn/manage", query_string=launch_as().q()).status_code == 403
    instructor = launch_as(subject="teacher", role=Role.INSTRUCTOR)
    assert "Manage courses" in client.get("/learn/courses", query_string=instructor.q()).text
