"""LTI Dynamic Registration 1.0 end to end over real HTTP: StrictPlatform's openid-configuration and
registration endpoint (Moodle 4.x shaped, strict) against the tool on a live server."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
import sqlalchemy as sa

from plugin.admin.models import AdminAction
from plugin.platforms.models import Platform
from tests.support.browser import RequestsBrowser
from tests.support.first_page import first_page


def hidden_form_value(page: str) -> str:
    found = re.search(r'<input type="hidden" name="form" value="([^"]+)"', page)
    assert found, page[:1000]
    return unescape(found.group(1))


@pytest.fixture
def browser():
    made = RequestsBrowser()
    yield made
    made.close()


@pytest.fixture
def lms(strict_platform, live_server):
    return strict_platform(tool_base=live_server.url)


def stored_platforms(live_server) -> list[Platform]:
    runtime = live_server.app.extensions["skillbite"]
    with runtime.sessions() as s:
        found = list(s.scalars(sa.select(Platform).order_by(Platform.id)))
        for p in found:
            _ = p.deployments  # load while the session is open
        return found


def register(lms, browser, live_server):
    confirm = lms.start_registration(browser)
    assert confirm.status_code == 200, confirm.text[:800]
    return browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})


def test_registration_page_shows_the_platform_and_asks_for_confirmation(lms, browser, live_server):
    page = lms.start_registration(browser)
    assert page.status_code == 200
    assert "Register Skillbite with your LMS" in page.text
    assert f"<code>{lms.issuer}</code>" in page.text
    assert "moodle" in page.text
    assert lms.registrations == []  # nothing is registered before the admin confirms


def test_confirmed_registration_is_accepted_by_the_strict_platform(lms, browser, live_server):
    done = register(lms, browser, live_server)
    assert done.status_code == 200, done.text[:800]
    assert lms.registration_errors == []
    [record] = lms.registrations
    body = record["request"]
    assert record["headers"]["Authorization"].startswith("Bearer rt-")
    assert body["initiate_login_uri"] == live_server.url + "/lti/login"
    assert body["redirect_uris"] == [live_server.url + "/lti/launch"]
    assert body["jwks_uri"] == live_server.url + "/lti/jwks"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    tool = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool["domain"] == live_server.url.split("://", 1)[1]
    assert {m["type"] for m in tool["messages"]} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scope"].split()
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in body["scope"].split()


def test_done_page_tells_the_platform_to_close(lms, browser, live_server):
    done = register(lms, browser, live_server)
    assert lms.registrations[0]["client_id"] in done.text
    script = re.search(r'<script src="([^"]*registration-close\.js)"', done.text)
    assert script, done.text
    js = requests.get(live_server.url + script.group(1), timeout=5)
    assert js.status_code == 200
    assert "org.imsglobal.lti.close" in js.text
    assert "postMessage" in js.text


def test_registration_stores_the_platform_and_its_deployment(lms, browser, live_server):
    register(lms, browser, live_server)
    [record] = lms.registrations
    [stored] = stored_platforms(live_server)
    assert (stored.issuer, stored.client_id) == (lms.issuer, record["client_id"])
    assert (stored.auth_login_url, stored.auth_token_url, stored.key_set_url) == (
        lms.auth_login_url, lms.auth_token_url, lms.jwks_url)
    assert [d.deployment_id for d in stored.deployments] == [record["deployment_id"]]
    assert (stored.registered_by, stored.product) == ("dynamic", "moodle")
    with live_server.app.extensions["skillbite"].sessions() as s:  # the activity log names how it came
        [entry] = s.scalars(sa.select(AdminAction)).all()
    assert (entry.action, entry.platform_id, entry.actor_kind) == ("platform.registered", stored.id, "platform")
    assert entry.actor == f"dynamic registration from {lms.issuer}"


def test_launch_from_the_newly_registered_client_works(lms, browser, live_server):
    register(lms, browser, live_server)
    lms.adopt_registration()
    page = first_page(lms.launch(browser))
    assert page.status_code == 200 and page.path == "/learn/courses"
    assert browser.get(live_server.url + page.url).status_code == 200


def test_registration_form_posted_twice_is_refused_by_the_platform_with_a_4xx_page(lms, browser, live_server):
    confirm = lms.start_registration(browser)
    form = {"form": hidden_form_value(confirm.text)}
    assert browser.post(live_server.url + "/lti/register", form).status_code == 200
    again = browser.post(live_server.url + "/lti/register", form)
    assert again.status_code == 400
    assert "<code>registration_rejected</code>" in again.text
    assert len(stored_platforms(live_server)) == 1


def test_issuer_not_matching_the_configuration_url_is_refused(strict_platform, live_server, browser):
    lms = strict_platform(tool_base=live_server.url, issuer="https://other-lms.example.test")
    page = lms.start_registration(browser)
    assert page.status_code == 400
    assert "<code>issuer_mismatch</code>" in page.text
    assert lms.registrations == [] and stored_platforms(live_server) == []


def test_platform_refusing_the_registration_gives_a_400_page(lms, browser, live_server):
    params = lms.registration_start_params()
    params["registration_token"] = "rt-not-issued-by-the-platform"
    confirm = browser.get(live_server.url + "/lti/register", params)
    done = browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})
    assert done.status_code == 400
    assert "<code>registration_rejected</code>" in done.text
    assert "invalid_token" in done.text
    assert stored_platforms(live_server) == []


def test_tampered_registration_form_is_refused(lms, browser, live_server):
    confirm = lms.start_registration(browser)
    value = hidden_form_value(confirm.text)
    tampered = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    done = browser.post(live_server.url + "/lti/register", {"form": tampered})
    assert done.status_code == 400
    assert "expired or was altered" in done.text
    assert lms.registrations == [] and stored_platforms(live_server) == []


def test_registration_page_without_openid_configuration_explains_itself(live_server, browser):
    page = browser.get(live_server.url + "/lti/register")
    assert page.status_code == 400
    assert "dynamic registration URL" in page.text


def test_unreachable_openid_configuration_is_a_gateway_error_not_a_crash(live_server, browser):
    from tests.conftest import free_port

    page = browser.get(live_server.url + "/lti/register",
                       {"openid_configuration": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"})
    assert page.status_code == 502
    assert "<code>configuration_unavailable</code>" in page.text


def test_canvas_json_describes_the_tool(client, config):
    body = client.get("/lti/canvas.json").get_json()
    assert body["oidc_initiation_url"] == config.base_url + "/lti/login"
    assert body["target_link_uri"] == config.base_url + "/lti/launch"
    assert body["public_jwk_url"] == config.base_url + "/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scopes"]
    [extension] = body["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["domain"] == "localhost"
    placements = {p["placement"]: p["message_type"] for p in extension["settings"]["placements"]}
    assert placements["course_navigation"] == "LtiResourceLinkRequest"
    assert placements["link_selection"] == "LtiDeepLinkingRequest"
    assert all(p["target_link_uri"] == config.base_url + "/lti/launch"
               for p in extension["settings"]["placements"])
