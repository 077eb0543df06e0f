"""The admin console in real Chromium: sign in, dashboard, platforms, content and activity on a phone and a
desktop, axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plugin.admin import accounts
from plugin.catalog.services import load_demo_course
from plugin.db import transaction
from plugin.platforms.services import add_platform
from tests.e2e.axe import axe_violations

EMAIL, PASSWORD = "it-admin@example.com", "correct horse battery staple"
pytestmark = pytest.mark.browser




@pytest.fixture(params=[{"width": 360, "height": 740}, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def console_page(request: Any, chromium: Any) -> Iterator[tuple[Any, list[str]]]:
    context = chromium.new_context(viewport=request.param)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    yield page, problems
    context.close()


def test_admin_signs_in_and_reads_dashboard_and_platforms(live_server: Any, console_page: Any) -> None:
    page, problems = console_page
    with transaction(live_server.app.extensions["skillbite"].sessions) as session:
        accounts.create_admin(session, EMAIL, PASSWORD)
        add_platform(session, issuer="https://moodle.acme.example", client_id="abc",
                     auth_login_url="https://moodle.acme.example/mod/lti/auth.php",
                     auth_token_url="https://moodle.acme.example/mod/lti/token.php",
                     key_set_url="https://moodle.acme.example/mod/lti/certs.php", deployment_ids=("1",),
                     name="Acme Moodle")
        load_demo_course(session)
    page.goto(f"{live_server.url}/admin/")
    assert page.url.startswith(f"{live_server.url}/admin/login")
    assert axe_violations(page) == []
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("svg[role=img]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways page
    assert axe_violations(page) == []

    page.get_by_role("link", name="Platforms").click()
    page.wait_for_url(f"{live_server.url}/admin/platforms")
    assert page.get_by_role("link", name="Acme Moodle").is_visible()
    assert f"{live_server.url}/lti/register" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Content", exact=True).click()
    page.wait_for_url(f"{live_server.url}/admin/content")
    assert page.get_by_label("Whose is Giving useful feedback").is_visible()  # the hand-over control
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Activity").click()
    page.wait_for_url(f"{live_server.url}/admin/activity")
    assert page.get_by_role("cell", name=f"{EMAIL}", exact=True).is_visible()  # the sign-in just now
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    assert problems == []  # no CSP refusal or script error on any page
