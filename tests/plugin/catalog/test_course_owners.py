"""Only a course's owner publishes its new versions: an instructor of one organisation cannot replace a
course another organisation, or the operator's shared library, published under the same slug."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from lti.message import Role
from plugin.admin.models import AdminAction
from plugin.catalog.models import Course, CourseOwner, CourseVersion
from plugin.catalog.package import PackageInvalid, write_zip
from plugin.catalog.services import import_package
from plugin.cli import main
from plugin.deep_linking.services import Filters, search_catalog
from plugin.plan.catalog import current_catalog
from tests.plugin.catalog.packages import package
from tests.plugin.player.launches import DEMO, make_platform


def _upload(client: Any, teacher: Any, files: Any) -> Any:
    page = client.get("/learn/manage", query_string=teacher.q())
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text)
    assert csrf, page.text[:300]
    return client.post("/learn/manage", query_string=teacher.q(), content_type="multipart/form-data",
                       data={"csrf": csrf.group(1), "package": (io.BytesIO(write_zip(files)), "course.zip")},
                       follow_redirects=True)


def _versions(runtime: Any, slug: str) -> list[int]:
    with runtime.sessions() as session:
        return list(session.scalars(sa.select(CourseVersion.number).join(Course, Course.id == CourseVersion.course_id)
                                    .where(Course.slug == slug).order_by(CourseVersion.number)))


def test_an_instructor_owns_the_course_they_bring_and_may_update_it(app: Any, client: Any, launch_as: Any,
                                                                     runtime: Any) -> None:
    teacher = launch_as(subject="t-a", role=Role.INSTRUCTOR, name="Tess Teacher")
    assert "as version 1" in _upload(client, teacher, package().files).text
    assert "as version 2" in _upload(client, teacher, package({"a": "Changed text."}).files).text
    with runtime.sessions() as session:
        owner = session.scalar(sa.select(CourseOwner.platform_id).join(Course).where(Course.slug == "tiny"))
        [first, second] = session.scalars(sa.select(AdminAction).order_by(AdminAction.id)).all()
    assert owner == teacher.platform_id
    assert (first.action, first.platform_id, second.detail) == ("course.imported", teacher.platform_id, "version 2")
    assert first.actor.startswith("Tess Teacher (instructor, ")


def test_another_organisations_instructor_cannot_replace_it(app: Any, client: Any, launch_as: Any,
                                                            runtime: Any) -> None:
    owner = launch_as(subject="t-a", role=Role.INSTRUCTOR)
    _upload(client, owner, package().files)
    other = launch_as(subject="t-b", role=Role.INSTRUCTOR, platform_id=make_platform(app))
    refused = _upload(client, other, package({"a": "Not what organisation A wrote."}).files)
    assert refused.status_code == 422
    assert "another organisation or the Skillbite operator published" in refused.text
    assert _versions(runtime, "tiny") == [1]  # nothing was written


def test_an_instructor_cannot_replace_the_shared_library(app: Any, client: Any, launch_as: Any, runtime: Any,
                                                         demo_course: str) -> None:
    teacher = launch_as(subject="t-a", role=Role.INSTRUCTOR)
    refused = _upload(client, teacher, package(slug=DEMO, title="Hijacked").files)
    assert refused.status_code == 422 and "Give this course a slug of its own" in refused.text
    assert _versions(runtime, DEMO) == [1]


def test_the_operator_publishes_any_course_and_the_owner_stays(app: Any, client: Any, launch_as: Any,
                                                               runtime: Any) -> None:
    teacher = launch_as(subject="t-a", role=Role.INSTRUCTOR)
    _upload(client, teacher, package().files)
    with runtime.sessions() as session, session.begin():
        import_package(session, package({"a": "The operator's fix."}))  # owner None: the operator
    stranger = make_platform(app)
    with runtime.sessions() as session, session.begin(), pytest.raises(PackageInvalid):
        import_package(session, package({"a": "Again."}), owner=stranger)
    assert _versions(runtime, "tiny") == [1, 2]
    with runtime.sessions() as session:
        assert session.scalar(sa.select(CourseOwner.platform_id)) == teacher.platform_id


def test_people_of_another_organisation_never_see_it(app: Any, client: Any, launch_as: Any, runtime: Any,
                                                      demo_course: str) -> None:
    teacher = launch_as(subject="t-a", role=Role.INSTRUCTOR)
    _upload(client, teacher, package(title="Organisation A's own course").files)
    colleague = launch_as(subject="l-a")  # a learner of the same organisation
    outsider_platform = make_platform(app)
    outsider = launch_as(subject="l-b", platform_id=outsider_platform)
    outsider_teacher = launch_as(subject="t-b", role=Role.INSTRUCTOR, platform_id=outsider_platform)

    assert "Organisation A&#39;s own course" in client.get("/learn/courses", query_string=colleague.q()).text
    theirs = client.get("/learn/courses", query_string=outsider.q()).text
    assert "Organisation A" not in theirs and "Giving useful feedback" in theirs  # the shared library is shared
    assert client.get("/learn/c/tiny", query_string=colleague.q()).status_code == 200
    assert client.get("/learn/c/tiny", query_string=outsider.q()).status_code == 404
    assert "Organisation A" not in client.get("/learn/manage", query_string=outsider_teacher.q()).text
    with runtime.sessions() as session:
        course_id = session.scalar(sa.select(Course.id).where(Course.slug == "tiny"))
    assert client.get(f"/learn/manage/{course_id}/export", query_string=outsider_teacher.q()).status_code == 404
    assert client.get(f"/learn/manage/{course_id}/export", query_string=teacher.q()).status_code == 200

    with runtime.sessions() as session:
        offered = current_catalog(session)
        own = {n.course_title for n in offered.for_platform(teacher.platform_id).nuggets}
        other = {n.course_title for n in offered.for_platform(outsider_platform).nuggets}
        picker = [c.title for c in search_catalog(session, outsider_platform, Filters())]
    assert own == {"Organisation A's own course", "Giving useful feedback"}
    assert other == {"Giving useful feedback"} and picker == ["Giving useful feedback"]


def test_the_operator_hands_a_course_to_an_organisation_and_back(app: Any, runtime: Any, launch_as: Any,
                                                                 demo_course: str) -> None:
    config = runtime.config
    env = {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
           "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}
    mine, theirs = launch_as(subject="l-a"), launch_as(subject="l-b", platform_id=make_platform(app))
    client = app.test_client()

    def sees(launch: Any) -> bool:
        return client.get(f"/learn/c/{DEMO}", query_string=launch.q()).status_code == 200

    runner = CliRunner()
    assert runner.invoke(main, ["course", "owner", DEMO], env=env).exit_code == 2  # neither option: usage
    assert "no platform 999" in runner.invoke(main, ["course", "owner", DEMO, "--platform-id", "999"], env=env).output
    handed = runner.invoke(main, ["course", "owner", DEMO, "--platform-id", str(mine.platform_id)], env=env)
    assert handed.exit_code == 0 and f"now belongs to platform {mine.platform_id}" in handed.output
    assert sees(mine) and not sees(theirs)
    assert f"[platform {mine.platform_id}]" in runner.invoke(main, ["course", "list"], env=env).output
    assert runner.invoke(main, ["course", "owner", DEMO, "--shared"], env=env).exit_code == 0
    assert sees(mine) and sees(theirs)
    with runtime.sessions() as session:
        entries = session.scalars(sa.select(AdminAction.detail).where(AdminAction.action == "course.owner")).all()
    assert entries == [f"now belongs to platform {mine.platform_id}", "now belongs to the shared library"]


def test_a_roster_lists_only_courses_its_organisation_sees(app: Any, client: Any, launch_as: Any,
                                                           runtime: Any) -> None:
    from plugin.launch.models import LaunchSession
    from plugin.roster.services import context_courses

    teacher = launch_as(subject="t-a", role=Role.INSTRUCTOR, custom={"skillbite_course": "tiny"})
    _upload(client, teacher, package(title="Organisation A's own course").files)
    outsider = launch_as(subject="t-b", role=Role.INSTRUCTOR, platform_id=make_platform(app),
                         custom={"skillbite_course": "tiny"})  # a link naming A's slug in another LMS
    with runtime.sessions() as session:
        def courses(launch: Any) -> list[tuple[str, str]]:
            context_pk = session.get(LaunchSession, launch.session_id).context_pk
            return context_courses(session, launch.platform_id, context_pk)

        assert courses(teacher) == [("tiny", "Organisation A's own course")]
        assert courses(outsider) == []


def test_recommendations_follow_a_course_that_changes_hands(app: Any, runtime: Any, launch_as: Any,
                                                            demo_course: str) -> None:
    from plugin.catalog.services import course_by_slug, set_owner

    mine, theirs = make_platform(app), make_platform(app)
    with runtime.sessions() as session:
        assert current_catalog(session).for_platform(theirs).nuggets  # the shared demo course, cached
    with runtime.sessions() as session, session.begin():
        set_owner(session, course_by_slug(session, DEMO), mine)
    with runtime.sessions() as session:  # the cached catalog is rebuilt: the hand-over changed its fingerprint
        assert current_catalog(session).for_platform(theirs).nuggets == ()
        assert current_catalog(session).for_platform(mine).nuggets
