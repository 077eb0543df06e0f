"""A module or nugget the instructor linked in the LMS opens in a launch of that link even when its course
prerequisites are unmet (the LMS sequences its activities); everything else keeps the course's locks, and
the picker says what each item builds on."""

from __future__ import annotations

import re

import sqlalchemy as sa

from plugin.catalog.models import Nugget, QuizItem
from plugin.db import transaction
from plugin.deep_linking.services import Filters, search_catalog
from plugin.progress.models import NuggetProgress
from tests.plugin.player.launches import make_platform
from tests.plugin.skills.support import csrf_of

NUGGET = "skillbite_nugget"
MODULE = "skillbite_module"


def linked(launch_as, demo_course: str, subject: str, **named: str):
    """A learner's launch of a link deep linking made (custom parameters naming a module or a nugget)."""
    custom = {"skillbite_course": demo_course}
    custom.update({NUGGET: named["nugget"]} if "nugget" in named else {MODULE: named["module"]})
    return launch_as(subject, custom=custom)


def right_answers(items: list[QuizItem]) -> dict[str, str | list[str]]:
    """The form fields that answer the demo course's items rightly (those of the types it uses)."""
    fields: dict[str, str | list[str]] = {}
    for item in items:
        spec, name = item.spec, f"i.{item.key}"
        if item.type == "true_false":
            fields[name] = str(spec["answer"]).lower()
        elif item.type == "single_choice":
            fields[name] = str(next(i for i, c in enumerate(spec["choices"]) if c["correct"]))
        elif item.type == "multiple_response":
            fields[name] = [str(i) for i, c in enumerate(spec["choices"]) if c["correct"]]
        elif item.type == "ordering":
            fields.update({f"{name}.{step}": str(step + 1) for step in range(len(spec["order"]))})
        else:
            raise AssertionError(f"no form for a {item.type} item here")
    return fields


def page(client, learner, demo_course: str, key: str):
    return client.get(f"/learn/c/{demo_course}/n/{key}", query_string=learner.q())


def completed(runtime, user_id: int) -> set[str]:
    with runtime.sessions() as s:
        return set(s.scalars(sa.select(NuggetProgress.nugget_key).where(
            NuggetProgress.user_id == user_id, NuggetProgress.completed_at.is_not(None))))


def mark_done(client, learner, demo_course: str, key: str, csrf_page):
    return client.post(f"/learn/c/{demo_course}/n/{key}/done", query_string=learner.q(),
                       data={"csrf": csrf_of(csrf_page.text)})


def test_a_nugget_link_opens_it_before_what_it_builds_on_and_names_that(client, launch_as, demo_course):
    learner = linked(launch_as, demo_course, "ann", nugget="conversation")  # requires timing and Foundations
    landed = client.get("/learn", query_string=learner.q())
    assert landed.status_code == 303 and f"/learn/c/{demo_course}/n/conversation" in landed.headers["Location"]
    shown = client.get(landed.headers["Location"])
    assert shown.status_code == 200 and "opens once you finish" not in shown.text
    assert 'name="i.' in shown.text  # its quiz is there to answer
    note = re.search(r'<p class="status" role="note">This nugget builds on (.*?)</p>', shown.text, re.S)
    assert note, shown.text
    assert re.findall(r'href="/learn/c/[^/]+/n/([^"?]+)\?lt=', note.group(1)) == [
        "why-feedback", "sbi-model", "timing"]  # in course order, each a link that keeps the launch


def test_the_quiz_of_a_linked_nugget_is_graded_and_completes_it(client, launch_as, demo_course, runtime):
    learner = linked(launch_as, demo_course, "abe", nugget="sbi-model")  # requires why-feedback
    shown = page(client, learner, demo_course, "sbi-model")
    with runtime.sessions() as s:
        answers = right_answers(list(s.scalars(sa.select(QuizItem).join(Nugget).where(Nugget.key == "sbi-model"))))
    posted = client.post(f"/learn/c/{demo_course}/n/sbi-model/answers", query_string=learner.q(),
                         data={"csrf": csrf_of(shown.text), **answers})
    assert posted.status_code == 303, posted.text
    assert completed(runtime, learner.user_id) == {"sbi-model"}
    elsewhere = client.post(f"/learn/c/{demo_course}/n/timing/answers", query_string=learner.q(),
                            data={"csrf": csrf_of(shown.text), **answers})
    assert elsewhere.status_code == 403  # another nugget of the course: locked as ever
    assert completed(runtime, learner.user_id) == {"sbi-model"}


def test_a_nugget_link_unlocks_no_other_nugget(client, launch_as, demo_course, runtime):
    learner = linked(launch_as, demo_course, "bob", nugget="conversation")
    opened = page(client, learner, demo_course, "conversation")
    assert page(client, learner, demo_course, "timing").status_code == 403
    assert "opens once you finish" in page(client, learner, demo_course, "putting-it-together").text
    refused = mark_done(client, learner, demo_course, "receiving", opened)  # no quiz, locked by Foundations
    assert refused.status_code == 403
    assert completed(runtime, learner.user_id) == set()


def test_the_linked_nugget_keeps_its_lock_in_a_launch_of_another_link(client, launch_as, demo_course):
    by_link = linked(launch_as, demo_course, "cat", nugget="sbi-model")
    assert page(client, by_link, demo_course, "sbi-model").status_code == 200
    browsing = launch_as("cat", custom={"skillbite_course": demo_course})  # same learner, the course's link
    assert browsing.user_id == by_link.user_id
    locked = page(client, browsing, demo_course, "sbi-model")
    assert locked.status_code == 403 and "This nugget opens once you finish: Why feedback matters." in locked.text
    other_course = linked(launch_as, "another-course", "cat", nugget="sbi-model")  # names another course
    assert page(client, other_course, demo_course, "sbi-model").status_code == 403


def test_a_module_link_opens_the_module_in_its_own_order(client, launch_as, demo_course, runtime):
    learner = linked(launch_as, demo_course, "dan", module="delivering")  # the module requires Foundations
    assert page(client, learner, demo_course, "behaviour-not-character").status_code == 200
    assert page(client, learner, demo_course, "timing").status_code == 200
    waiting = page(client, learner, demo_course, "conversation")  # requires timing, inside the module
    assert waiting.status_code == 403 and "opens once you finish: Timing and frequency." in waiting.text
    assert page(client, learner, demo_course, "receiving").status_code == 403  # another module: locked


def test_done_in_a_linked_module_continues_in_the_module(client, launch_as, demo_course, runtime):
    learner = linked(launch_as, demo_course, "eve", module="receiving")  # receiving (no quiz), then the wrap-up
    shown = page(client, learner, demo_course, "receiving")
    assert shown.status_code == 200
    done = mark_done(client, learner, demo_course, "receiving", shown)
    assert done.status_code == 303 and completed(runtime, learner.user_id) == {"receiving"}
    resumed = client.get(done.headers["Location"])
    assert resumed.status_code == 303 and "/n/putting-it-together" in resumed.headers["Location"]
    assert page(client, learner, demo_course, "putting-it-together").status_code == 200


def test_a_module_link_lands_on_the_modules_first_nugget_not_yet_done(client, launch_as, demo_course, runtime):
    """Each launch of the LMS activity takes the learner back to where they are in the module."""
    learner = linked(launch_as, demo_course, "fay", module="receiving")
    first = client.get("/learn", query_string=learner.q())
    assert first.status_code == 303 and f"/learn/c/{demo_course}/n/receiving" in first.headers["Location"]
    mark_done(client, learner, demo_course, "receiving", page(client, learner, demo_course, "receiving"))
    again = client.get("/learn", query_string=learner.q())
    assert again.status_code == 303 and f"/learn/c/{demo_course}/n/putting-it-together" in again.headers["Location"]


def test_the_picker_says_what_each_module_and_nugget_builds_on(app, demo_course):
    platform_id = make_platform(app)
    with transaction(app.extensions["skillbite"].sessions) as session:
        [course] = search_catalog(session, platform_id, Filters(query="feedback"))
    modules = {m.target.key: m for m in course.modules}
    nuggets = {n.target.key: n for m in course.modules for n in m.nuggets}
    assert modules["foundations"].builds_on == ()
    assert modules["delivering"].builds_on == ("Foundations",)
    assert modules["receiving"].builds_on == ("Foundations", "Describe behaviour, not character",
                                              "Make it a conversation")  # its wrap-up needs delivering's
    assert nuggets["why-feedback"].builds_on == ()
    assert nuggets["sbi-model"].builds_on == ("Why feedback matters",)
    assert nuggets["conversation"].builds_on == ("Foundations", "Timing and frequency")
