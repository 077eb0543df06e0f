"""The statement log and the credentials on a phone (390×844) in real Chromium: no sideways page, no cell
hidden in a sideways scroll, long ids wrapped, pages of 25, and axe-core finds nothing serious."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from plugin.admin import accounts
from plugin.credentials.achievements import upsert_achievement
from plugin.credentials.services import Evidence, award_credential
from plugin.db import transaction, utcnow
from plugin.launch.models import User
from plugin.xapi.models import XapiStatement
from tests.e2e.axe import axe_violations
from tests.plugin.admin.browser import EMAIL, PASSWORD, in_chromium, signed_in_page
from tests.plugin.admin.conftest import _tenant

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LONG_SUB = "lti-subject-" + "0123456789abcdef" * 3
NO_SIDEWAYS_PAGE = "document.documentElement.scrollWidth <= window.innerWidth"
CELLS_ON_SCREEN = ("[...document.querySelectorAll('main td')]"
                   ".every(td => td.getBoundingClientRect().right <= innerWidth)")
TALLEST_ROW = "Math.max(...[...document.querySelectorAll('main tbody tr')].map(r => r.getBoundingClientRect().height))"


def _statement(platform_id: int, user_id: int, i: int) -> XapiStatement:
    iri = f"https://skillbite.example.com/course/workplace-safety-basics/nugget/handling-hazardous-substances-{i}"
    body = {"id": str(uuid.uuid4()), "actor": {"account": {"homePage": "https://lms.example.com", "name": LONG_SUB}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {"id": iri}, "timestamp": utcnow().isoformat(),
            "result": {"score": {"scaled": 0.9, "raw": 9, "min": 0, "max": 10}, "success": True,
                       "response": "option-a[,]option-b[,]option-c", "duration": "PT1M2S"}}
    return XapiStatement(id=body["id"], platform_id=platform_id, user_id=user_id, verb="answered",
                         course_iri="https://skillbite.example.com/course/workplace-safety-basics", object_iri=iri,
                         timestamp=utcnow(), statement=json.dumps(body))


@pytest.fixture
def console(live_server: Any) -> str:
    runtime = live_server.app.extensions["skillbite"]
    with live_server.app.app_context(), transaction(runtime.sessions) as session:
        accounts.create_admin(session, EMAIL, PASSWORD)
        tenant = _tenant(session, runtime.box, "A")
        user = session.get(User, tenant.user_id)
        user.subject = LONG_SUB
        for i in range(30):
            session.add(_statement(tenant.platform_id, tenant.user_id, i))
            badge = upsert_achievement(session, tenant.platform_id, f"skill-{i}", name=f"Badge {i}",
                                       description="A skill.", criteria_narrative="Finish the course.")
            session.flush()
            award_credential(session, user, badge, Evidence(course_title="Safety", completed_at=utcnow(), score=0.9,
                                                            course_url="https://lms.example.com/c/7",
                                                            course_version_id=7))
    return str(live_server.url)


def _fits_a_phone(page: Any) -> None:
    assert page.evaluate(NO_SIDEWAYS_PAGE)
    assert page.evaluate(CELLS_ON_SCREEN)  # nothing to find by scrolling a table sideways
    assert page.evaluate(TALLEST_ROW) < PHONE["height"] / 2  # a row is read at a glance
    assert axe_violations(page) == []


def test_the_statement_log_fits_a_phone_and_pages_by_25(console: str) -> None:
    def check(browser: Any) -> None:
        phone = signed_in_page(browser, console, PHONE)
        phone.goto(f"{console}/admin/statements")
        _fits_a_phone(phone)
        assert phone.locator("main tbody tr").count() == 25
        assert phone.get_by_text(LONG_SUB).first.is_visible()  # the whole id, wrapped
        phone.get_by_text("Whole statement").first.click()
        whole = json.loads(phone.locator("main pre").first.inner_text())
        assert {"actor", "verb", "object"} <= set(whole)
        phone.get_by_role("link", name="Older").click()
        assert phone.locator("main tbody tr").count() >= 6  # 30 answers, the tenant's, and the badges earned
        assert phone.get_by_role("link", name="Newer").is_visible()
        _fits_a_phone(phone)

    in_chromium(check)


def test_the_credentials_fit_a_phone_and_page_by_25(console: str) -> None:
    def check(browser: Any) -> None:
        phone = signed_in_page(browser, console, PHONE)
        phone.goto(f"{console}/admin/credentials")
        _fits_a_phone(phone)
        assert phone.locator("main tbody tr").count() == 25
        phone.locator("main summary", has_text="Revoke").first.click()
        reason = phone.get_by_label("Reason (the learner sees it)").first
        box = reason.bounding_box()
        assert reason.is_visible() and box["x"] + box["width"] <= PHONE["width"]
        phone.get_by_role("link", name="Older").click()
        assert phone.locator("main tbody tr").count() == 6  # 30 badges and the tenant's own
        _fits_a_phone(phone)

    in_chromium(check)
