"""The console's "Add a platform" form speaks the LMS's words and says each problem at its field."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from plugin.admin import accounts
from plugin.db import transaction
from plugin.platforms.models import Platform
from tests.e2e.axe import axe_violations
from tests.plugin.admin.browser import EMAIL, PASSWORD, in_chromium, signed_in_page
from tests.plugin.admin.html import by_id, described_by, label_of
from tests.plugin.admin.test_setup_pages import NEW_PLATFORM

LMS_WORDS = {"issuer": "Platform ID (issuer)", "client_id": "Client ID", "auth_login_url": "Authentication request URL",
             "auth_token_url": "Access token URL", "key_set_url": "Public keyset URL",
             "deployment_ids": "Deployment ID (optional)"}


def _add(local: Any, **changes: str) -> Any:
    return local.post("/admin/platforms", data={"csrf": local.csrf, **NEW_PLATFORM, **changes})


def test_the_form_labels_fields_as_moodle_and_canvas_do_with_a_hint_each(local: Any) -> None:
    page = local.get("/admin/platforms").get_data(as_text=True)
    for name, label in LMS_WORDS.items():
        assert label_of(page, name) == label
        hint = described_by(page, name)
        assert "Moodle" in hint and "Canvas" in hint, name  # where to find it in either LMS
    assert "auth-url" not in page and "token-url" not in page  # the CLI's option names stay in the CLI


def test_each_problem_is_told_at_its_field_and_summed_up_at_the_top(local: Any, runtime: Any) -> None:
    response = _add(local, client_id=" ", auth_token_url="not a url")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    ids = by_id(page)
    assert ids["client_id"].attrs.get("aria-invalid") == "true"
    assert described_by(page, "client_id").startswith("Error: Enter the Client ID.")
    assert ids["auth_token_url"].attrs.get("aria-invalid") == "true"
    assert described_by(page, "auth_token_url").startswith(
        "Error: Access token URL must be a full address starting with https://")
    for fine in ("issuer", "auth_login_url", "key_set_url", "name"):
        assert "aria-invalid" not in ids[fine].attrs, fine
        assert "Error:" not in described_by(page, fine)
    summary = ids["error-summary-title"].text
    assert summary == "Check these 2 fields"
    assert '<a href="#client_id">Enter the Client ID.</a>' in page and '<a href="#auth_token_url">' in page
    assert page.index("error-summary-title") < page.index("<h1>")  # the summary opens the page
    assert ids["issuer"].attrs["value"] == NEW_PLATFORM["issuer"]  # what was typed is kept
    assert ids["auth_token_url"].attrs["value"] == "not a url"
    assert ids["deployment_ids"].text == NEW_PLATFORM["deployment_ids"]
    assert "<title>Error: Platforms" in page
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 0


def test_a_platform_registered_already_is_told_at_its_client_id(local: Any, runtime: Any) -> None:
    assert _add(local).status_code == 303
    again = _add(local, name="Same again")
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert by_id(page)["client_id"].attrs.get("aria-invalid") == "true"
    assert "are already registered" in described_by(page, "client_id")
    assert "skillbite platform" not in described_by(page, "client_id")  # the error is in the console's words
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 1


def test_an_unknown_deployment_policy_is_told_at_its_choices(local: Any) -> None:
    response = _add(local, policy="whatever")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose how unknown deployment ids are treated." in described_by(page, "policy")
    assert '<a href="#policy">' in page


def test_token_and_keyset_urls_skillbite_would_not_call_are_refused_at_their_fields(local: Any,
                                                                                   runtime: Any) -> None:
    response = _add(local, auth_token_url="http://169.254.169.254/token", key_set_url="https://10.0.0.1/jwks",
                    auth_login_url="https://10.0.0.2/auth")  # the browser goes there, not Skillbite: not checked
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert described_by(page, "auth_token_url").startswith("Error: This address is link-local")
    assert described_by(page, "key_set_url").startswith(
        "Error: This address is on a private network (10.0.0.1). Skillbite only calls private networks when "
        "SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 is set")
    assert "aria-invalid" not in by_id(page)["auth_login_url"].attrs
    assert by_id(page)["error-summary-title"].text == "Check these 2 fields"
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 0


def test_public_addresses_are_added_without_asking_a_resolver(local: Any, runtime: Any) -> None:
    response = _add(local, auth_token_url="https://93.184.216.34/login/oauth2/token",
                    key_set_url="https://93.184.216.34/api/lti/security/jwks")
    assert response.status_code == 303
    with runtime.sessions() as session:
        assert session.scalars(sa.select(Platform.key_set_url)).one() == "https://93.184.216.34/api/lti/security/jwks"


@pytest.mark.browser
def test_the_refused_form_reads_well_on_a_phone(live_server: Any) -> None:
    with transaction(live_server.app.extensions["skillbite"].sessions) as session:
        accounts.create_admin(session, EMAIL, PASSWORD)

    def check(browser: Any) -> None:
        page = signed_in_page(browser, live_server.url, {"width": 390, "height": 844})
        page.goto(f"{live_server.url}/admin/platforms")
        page.get_by_label("Platform ID (issuer)").fill("moodle.acme.example")  # no https://
        page.get_by_label("Client ID").fill("abc")
        page.get_by_role("button", name="Add platform").click()
        page.get_by_role("link", name="Platform ID (issuer) must be a full address").click()
        field = page.get_by_label("Platform ID (issuer)")
        assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "moodle.acme.example"
        assert field.is_visible()  # the summary's link led to it
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(page) == []

    in_chromium(check)
