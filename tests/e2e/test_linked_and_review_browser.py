"""In real Chromium, with axe-core: a nugget opened by its LMS link names what it builds on; the picker says
what each item builds on; a blank review answer comes back with the hint."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from lti.message import Context, LaunchMessage, Role
from plugin.catalog.services import load_demo_course
from plugin.db import transaction
from plugin.launch.services import open_launch_session
from plugin.launch.tokens import issue_token
from plugin.platforms.models import Platform
from plugin.review.models import ReviewCard
from tests.e2e.axe import axe_violations
from tests.e2e.test_player_browser import browser_page  # noqa: F401
from tests.plugin.player.launches import DEMO, launch_factory, make_platform

pytestmark = pytest.mark.browser


def accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def picker_token(app) -> str:
    """An instructor's deep linking launch (LTI Deep Linking 2.0 §4.4): the picker's launch token."""
    platform_id = make_platform(app)
    with transaction(app.extensions["skillbite"].sessions) as session:
        platform = session.get(Platform, platform_id)
        message = LaunchMessage(
            issuer=platform.issuer, client_id=platform.client_id, deployment_id="d1",
            message_type="LtiDeepLinkingRequest", subject="teacher", roles=(), role=Role.INSTRUCTOR,
            target_link_uri="http://localhost/lti/launch", context=Context("course-1", "C1", "Course 1"),
            resource_link=None, name="Tess Teacher",
            deep_linking_settings={"deep_link_return_url": "https://lms.example.com/dl/return",
                                   "accept_types": ["ltiResourceLink"],
                                   "accept_presentation_document_targets": ["iframe"], "accept_multiple": True})
        session_id = open_launch_session(session, message, dt.timedelta(hours=1)).id
    with app.test_request_context():
        return issue_token(session_id)


def test_a_linked_nugget_names_what_it_builds_on_and_the_picker_says_it(live_server, browser_page):  # noqa: F811
    app = live_server.app
    with transaction(app.extensions["skillbite"].sessions) as session:
        load_demo_course(session)
    page, errors = browser_page
    learner = launch_factory(app)(custom={"skillbite_course": DEMO, "skillbite_nugget": "sbi-model"})
    page.goto(f"{live_server.url}/learn?lt={learner.token}")
    assert page.locator("h1").inner_text() == "The SBI model: situation, behaviour, impact"
    note = page.get_by_role("note")
    assert note.inner_text() == ("This nugget builds on Why feedback matters: if something here is new to you, "
                                 "look there.")
    assert page.get_by_role("button", name="Check my answers").is_visible()
    accessible(page)
    note.get_by_role("link", name="Why feedback matters").click()
    assert page.locator("h1").inner_text() == "Why feedback matters"

    page.goto(f"{live_server.url}/deep-linking?lt={picker_token(app)}")
    page.get_by_text("Modules and nuggets").click()
    listed = page.get_by_role("listitem").filter(has=page.get_by_label("Make it a conversation"))
    assert "builds on Foundations; Timing and frequency" in listed.last.inner_text()
    accessible(page)
    assert errors == [], errors


def test_a_blank_review_answer_comes_back_with_the_hint(live_server, browser_page):  # noqa: F811
    app = live_server.app
    with transaction(app.extensions["skillbite"].sessions) as session:
        load_demo_course(session)
    page, errors = browser_page
    learner = launch_factory(app)(custom={"skillbite_course": DEMO})
    page.goto(f"{live_server.url}/learn/c/{DEMO}/n/why-feedback?lt={learner.token}")
    page.get_by_label("True").check()
    page.get_by_role("button", name="Check my answers").click()  # wrong: a card, due again soon
    with transaction(app.extensions["skillbite"].sessions) as session:
        session.execute(sa.update(ReviewCard).values(due=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    page.goto(f"{live_server.url}/review?lt={learner.token}")
    page.get_by_role("button", name="Check").click()
    assert page.get_by_role("alert").inner_text() == "Answer first: True or false. Nothing was recorded."
    accessible(page)
    page.get_by_label("False").check()
    page.get_by_role("button", name="Check").click()
    assert page.locator("h1").inner_text() == "Right"
    accessible(page)
    assert [e.split(" ")[0] for e in errors] == ["422"], errors  # the blank answer's, which the page explained
