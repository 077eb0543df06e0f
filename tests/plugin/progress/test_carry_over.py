"""A new enrolment on a newer course version starts with the nuggets carried over, and says so."""

from __future__ import annotations

import sqlalchemy as sa

from plugin.catalog.package import PackageFiles
from plugin.catalog.services import import_package
from plugin.db import transaction
from plugin.progress.models import Enrolment
from tests.plugin.catalog.packages import MANIFEST, nugget_text
from tests.plugin.player.launches import launch_factory
from tests.plugin.skills.support import csrf_of


def tiny(nuggets: dict[str, str]) -> PackageFiles:
    lines = "\n".join(f"      - nuggets/{key}.md" for key in nuggets)
    files = {"course.yaml": MANIFEST.format(slug="tiny", title="Tiny course", nuggets=lines).encode()}
    files.update({f"nuggets/{key}.md": nugget_text(key, body).encode() for key, body in nuggets.items()})
    return PackageFiles(files)


def test_carried_over_nuggets_count_in_the_new_enrolments_percent(client, app):
    sessions = app.extensions["skillbite"].sessions
    with transaction(sessions) as session:
        import_package(session, tiny({"a": "Words A.", "b": "Words B.", "c": "Words C."}))
    learner = launch_factory(app)("una")
    for key in "abc":
        page = client.get(f"/learn/c/tiny/n/{key}", query_string=learner.q())
        client.post(f"/learn/c/tiny/n/{key}/done", query_string=learner.q(), data={"csrf": csrf_of(page.text)})
    with transaction(sessions) as session:
        import_package(session, tiny({"a": "Words A, corrected.", "b": "Words B.", "c": "Words C.", "d": "D."}))
    assert client.get("/learn/c/tiny", query_string=learner.q()).status_code == 200
    with transaction(sessions) as session:
        newest = session.scalars(sa.select(Enrolment).where(Enrolment.user_id == learner.user_id)
                                 .order_by(Enrolment.id.desc())).first()
        assert newest is not None and newest.completed_at is None
        assert newest.percent == 50  # b and c of a, b, c, d
    catalog = client.get("/learn/courses", query_string=learner.q()).text
    assert "nothing done yet" not in catalog and "50%" in catalog


def test_a_version_that_changes_nothing_the_learner_did_keeps_the_course_completed(client, app):
    """A new version with the same nuggets (a new title, say): the learner who had finished the course has
    nothing left to do, and the course stays completed instead of showing 100 % in progress for ever."""
    sessions = app.extensions["skillbite"].sessions
    with transaction(sessions) as session:
        import_package(session, tiny({"a": "Words A.", "b": "Words B."}))
    learner = launch_factory(app)("vic")
    for key in "ab":
        page = client.get(f"/learn/c/tiny/n/{key}", query_string=learner.q())
        client.post(f"/learn/c/tiny/n/{key}/done", query_string=learner.q(), data={"csrf": csrf_of(page.text)})
    renamed = tiny({"a": "Words A.", "b": "Words B."})
    renamed.files["course.yaml"] = renamed.files["course.yaml"].replace(b"Tiny course", b"Tiny course, renamed")
    with transaction(sessions) as session:
        import_package(session, renamed)
    assert client.get("/learn/c/tiny", query_string=learner.q()).status_code == 200
    with transaction(sessions) as session:
        first, newest = session.scalars(sa.select(Enrolment).where(Enrolment.user_id == learner.user_id)
                                        .order_by(Enrolment.id)).all()
        assert newest.version_id != first.version_id
        assert (newest.percent, newest.completed_at) == (100, first.completed_at)
    assert "Completed" in client.get("/learn/courses", query_string=learner.q()).text
