"""The plan agrees with the player after a new course version: a learner is offered the nuggets of the
version they learn in, and a nugget a new version changed is not done until they finish it again."""

from __future__ import annotations

from typing import Any

from plugin.catalog.package import PackageFiles
from plugin.catalog.services import import_package
from plugin.db import transaction
from plugin.plan.services import recommendations, week_plan
from tests.plugin.catalog.packages import MANIFEST, nugget_text
from tests.plugin.player.launches import Launch
from tests.plugin.skills.support import csrf_of


def tiny(nuggets: dict[str, str], fronts: dict[str, str] | None = None) -> PackageFiles:
    """A one-module course "tiny": ``nuggets`` maps a key to its body, ``fronts`` a key to front matter."""
    lines = "\n".join(f"      - nuggets/{key}.md" for key in nuggets)
    files = {"course.yaml": MANIFEST.format(slug="tiny", title="Tiny course", nuggets=lines).encode()}
    for key, body in nuggets.items():
        files[f"nuggets/{key}.md"] = nugget_text(key, body, (fronts or {}).get(key, "")).encode()
    return PackageFiles(files)


def publish(app: Any, package: PackageFiles) -> None:
    with transaction(app.extensions["skillbite"].sessions) as session:
        import_package(session, package)


def finish(client: Any, learner: Launch, key: str) -> None:
    page = client.get(f"/learn/c/tiny/n/{key}", query_string=learner.q())
    assert page.status_code == 200
    done = client.post(f"/learn/c/tiny/n/{key}/done", query_string=learner.q(), data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303


def offered(app: Any, learner: Launch) -> list[str]:
    with transaction(app.extensions["skillbite"].sessions) as session:
        return [r.nugget.key for r in recommendations(session, learner.platform_id, learner.user_id)]


def planned(app: Any, learner: Launch) -> list[str]:
    with transaction(app.extensions["skillbite"].sessions) as session:
        week = week_plan(session, learner.platform_id, learner.user_id)
    return [r.nugget.key for day in week.days for r in day.nuggets]


def test_a_learner_on_an_older_version_is_offered_that_versions_nuggets(client, app, launch_as):
    publish(app, tiny({"a": "Words A.", "b": "Words B.", "c": "Words C."},
                      {"b": "requires: [a]\n", "c": "requires: [b]\n"}))
    learner = launch_as("olga")
    finish(client, learner, "a")  # an unfinished enrolment: the learner stays on version 1
    # Version 2 adds a nugget and drops c's prerequisite; neither applies to version 1.
    publish(app, tiny({"intro": "New words.", "a": "Words A.", "b": "Words B.", "c": "Words C."},
                      {"b": "requires: [a]\n"}))
    assert offered(app, learner) == ["b"]
    assert planned(app, learner)[:2] == ["b", "c"]  # c after b, as version 1 requires
    page = client.get("/plan/next", query_string=learner.q())
    assert "/learn/c/tiny/n/b" in page.text and "/learn/c/tiny/n/intro" not in page.text
    assert client.get("/learn/c/tiny/n/b", query_string=learner.q()).status_code == 200


def test_a_nugget_a_new_version_changed_is_offered_again_not_what_it_unlocks(client, app, launch_as):
    publish(app, tiny({"a": "Words A.", "b": "Words B.", "c": "Words C."}, {"b": "requires: [a]\n"}))
    learner = launch_as("pia")
    for key in "abc":
        finish(client, learner, key)
    publish(app, tiny({"a": "Words A, corrected.", "b": "Words B.", "c": "Words C.", "d": "Words D."},
                      {"b": "requires: [a]\n", "d": "requires: [a]\n"}))
    # Not opened since: the player would carry over b and c only (unchanged content).
    assert offered(app, learner) == ["a"]
    assert client.get("/learn/c/tiny", query_string=learner.q()).status_code == 200  # now on version 2
    assert offered(app, learner) == ["a"]
    assert planned(app, learner)[:2] == ["a", "d"]
    assert client.get("/learn/c/tiny/n/a", query_string=learner.q()).status_code == 200
