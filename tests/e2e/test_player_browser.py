"""The player in real Chromium on a phone-sized viewport: launch, learn, answer, reload, resume, axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from plugin.catalog.services import load_demo_course
from plugin.db import transaction
from tests.e2e.axe import axe_violations
from tests.plugin.player.launches import DEMO, launch_factory

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(chromium):
    # One Playwright per test process (the session's ``chromium``): a second sync_playwright in the
    # same process would find the first one's event loop running.
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    yield page, errors
    context.close()




def test_learner_completes_a_quiz_nugget_reloads_and_resumes(live_server, browser_page):
    app = live_server.app
    with transaction(app.extensions["skillbite"].sessions) as session:
        load_demo_course(session)
    launch = launch_factory(app)(custom={"skillbite_course": DEMO})
    page, page_errors = browser_page
    checked: list[str] = []

    def check_accessibility() -> None:
        violations = axe_violations(page)
        assert violations == [], f"{page.url}: {violations}"
        checked.append(page.url)

    page.goto(f"{live_server.url}/learn?lt={launch.token}")
    assert page.locator("h1").inner_text() == "Giving useful feedback"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a narrow iframe
    check_accessibility()

    page.get_by_role("link", name="Start: Why feedback matters").click()
    assert page.locator("h1").inner_text() == "Why feedback matters"
    check_accessibility()
    page.get_by_label("True").check()
    page.get_by_role("button", name="Check my answers").click()
    status = page.get_by_role("status").first
    assert "You scored 0%" in status.inner_text()
    # Focus moves to the result once the (deferred) player script has run; bounded wait, no sleep. (Not
    # wait_for_function: its polling evaluates a string in the page, which the page's CSP forbids.)
    expect(page.locator("#result")).to_be_focused(timeout=5000)
    check_accessibility()
    page.get_by_label("False").check()
    page.get_by_role("button", name="Try again").click()
    assert "Well done" in page.get_by_role("status").first.inner_text()

    page.reload()  # the result is still there after a reload
    assert "Well done" in page.get_by_role("status").first.inner_text()
    page.get_by_role("link", name="Next: The SBI model: situation, behaviour, impact").click()
    assert page.locator("video track[kind=captions]").count() == 1
    check_accessibility()

    page.goto(f"{live_server.url}/learn?lt={launch.token}")  # a new visit resumes where the learner left off
    assert "1 of 7 done" in page.locator(".progress-line").first.inner_text()
    page.get_by_role("link", name="Continue: The SBI model: situation, behaviour, impact").click()
    assert page.locator("h1").inner_text() == "The SBI model: situation, behaviour, impact"
    page.get_by_label("In Monday's client call", exact=False).check()
    page.get_by_role("button", name="Check my answers").click()  # the order question left blank
    assert "Answer every question first" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_label("In Monday's client call", exact=False).is_checked()  # kept, not graded
    check_accessibility()
    for step in range(4):  # every step a position: now it is an attempt
        page.locator(f"[name='i.sbi-order.{step}']").select_option(str(4 - step))
    page.get_by_role("button", name="Check my answers").click()
    assert "You scored" in page.get_by_role("status").first.inner_text()
    check_accessibility()
    assert len(checked) == 6
    # the one error answer is the blank question's 422, which the page explained
    assert [e.split(" ")[0] for e in page_errors] == ["422"], page_errors
