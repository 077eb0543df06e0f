"""LTI Dynamic Registration 1.0 end to end over real HTTP: StrictPlatform's openid-configuration and
registration endpoint (Moodle 4.x shaped, strict) against the tool on a live server. Every registration
starts from a registration link the operator made (``/lti/register?invite=…``)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from html import unescape

import pytest
import requests
import sqlalchemy as sa
from werkzeug.wrappers import Request, Response

from plugin.admin.models import AdminAction
from plugin.db import utcnow
from plugin.platforms.models import Platform
from plugin.registration import invites
from plugin.registration import views as registration_views
from plugin.registration.models import RegistrationInvite
from tests.plugin.launch import live
from tests.plugin.launch.test_cli import cli
from tests.support.browser import RequestsBrowser
from tests.support.first_page import first_page
from tests.support.local_server import LocalServer

browser, lms = live.browser, live.lms  # the fixtures over real HTTP


def hidden_form_value(page: str) -> str:
    found = re.search(r'<input type="hidden" name="form" value="([^"]+)"', page)
    assert found, page[:1000]
    return unescape(found.group(1))




def stored_platforms(live_server) -> list[Platform]:
    runtime = live_server.app.extensions["skillbite"]
    with runtime.sessions() as s:
        found = list(s.scalars(sa.select(Platform).order_by(Platform.id)))
        for p in found:
            _ = p.deployments  # load while the session is open
        return found


def make_link(live_server, **kwargs) -> str:
    """A registration link's token, as `skillbite platform invite` makes it."""
    runtime = live_server.app.extensions["skillbite"]
    with runtime.sessions() as s, s.begin():
        return invites.create_invite(s, **kwargs).token


@pytest.fixture
def link(live_server) -> str:
    return make_link(live_server)


def link_url(live_server, token: str) -> str:
    """The URL the LMS admin pastes; the LMS adds openid_configuration and registration_token to it."""
    return f"{live_server.url}/lti/register?invite={token}"


def register(lms, browser, live_server, token):
    confirm = lms.start_registration(browser, link_url(live_server, token))
    assert confirm.status_code == 200, confirm.text[:800]
    return browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})


def test_registration_page_shows_the_platform_and_asks_for_confirmation(lms, browser, live_server, link):
    page = lms.start_registration(browser, link_url(live_server, link))
    assert page.status_code == 200, page.text[:2000]
    assert "Register Skillbite with your LMS" in page.text
    assert f"<code>{lms.issuer}</code>" in page.text
    assert "moodle" in page.text
    assert lms.registrations == []  # nothing is registered before the admin confirms


def test_confirmed_registration_is_accepted_by_the_strict_platform(lms, browser, live_server, link):
    done = register(lms, browser, live_server, link)
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


def test_done_page_tells_the_platform_to_close(lms, browser, live_server, link):
    done = register(lms, browser, live_server, link)
    assert lms.registrations[0]["client_id"] in done.text
    script = re.search(r'<script src="([^"]*registration-close\.js)"', done.text)
    assert script, done.text
    js = requests.get(live_server.url + script.group(1), timeout=5)
    assert js.status_code == 200
    assert "org.imsglobal.lti.close" in js.text
    assert "postMessage" in js.text


def test_registration_stores_the_platform_and_its_deployment(lms, browser, live_server, link):
    register(lms, browser, live_server, link)
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


def test_launch_from_the_newly_registered_client_works(lms, browser, live_server, link):
    register(lms, browser, live_server, link)
    lms.adopt_registration()
    page = first_page(lms.launch(browser))
    assert page.status_code == 200 and page.path == "/learn/courses"
    assert browser.get(live_server.url + page.url).status_code == 200


def test_registration_form_posted_twice_is_refused_before_it_reaches_the_platform(lms, browser, live_server,
                                                                                   link):
    confirm = lms.start_registration(browser, link_url(live_server, link))
    form = {"form": hidden_form_value(confirm.text)}
    assert browser.post(live_server.url + "/lti/register", form).status_code == 200
    again = browser.post(live_server.url + "/lti/register", form)
    assert again.status_code == 403  # the link is used: the platform is not asked again
    assert "<code>registration_link_used</code>" in again.text
    assert len(lms.registrations) == 1
    assert len(stored_platforms(live_server)) == 1


def test_issuer_not_matching_the_configuration_url_is_refused(strict_platform, live_server, browser, link):
    lms = strict_platform(tool_base=live_server.url, issuer="https://other-lms.example.test")
    page = lms.start_registration(browser, link_url(live_server, link))
    assert page.status_code == 400
    assert "<code>issuer_mismatch</code>" in page.text
    assert lms.registrations == [] and stored_platforms(live_server) == []


def test_platform_refusing_the_registration_gives_a_400_page(lms, browser, live_server, link):
    params = lms.registration_start_params()
    params["registration_token"] = "rt-not-issued-by-the-platform"
    confirm = browser.get(live_server.url + "/lti/register", {**params, "invite": link})
    done = browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})
    assert done.status_code == 400
    assert "<code>registration_rejected</code>" in done.text
    assert "invalid_token" in done.text
    assert stored_platforms(live_server) == []


def test_tampered_registration_form_is_refused(lms, browser, live_server, link):
    confirm = lms.start_registration(browser, link_url(live_server, link))
    value = hidden_form_value(confirm.text)
    tampered = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    done = browser.post(live_server.url + "/lti/register", {"form": tampered})
    assert done.status_code == 400
    assert "expired or was altered" in done.text
    assert lms.registrations == [] and stored_platforms(live_server) == []


def test_registration_page_without_openid_configuration_explains_itself(live_server, browser, link):
    page = browser.get(link_url(live_server, link))
    assert page.status_code == 400
    assert "dynamic registration URL" in page.text


def test_unreachable_openid_configuration_is_a_gateway_error_not_a_crash(live_server, browser, link):
    from tests.conftest import free_port

    page = browser.get(live_server.url + "/lti/register",
                       {"openid_configuration": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
                        "invite": link})
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


# --- registration links: the operator decides who becomes a tenant ------------------------------------

@pytest.fixture
def bystander():
    """A server on 127.0.0.1 posing as a platform; it records every request Skillbite sends it."""
    seen: list[str] = []

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen.append(Request(environ).full_path)
        return Response("{}", mimetype="application/json")(environ, start_response)

    server = LocalServer(app=app)
    server.start()
    server.seen = seen  # type: ignore[attr-defined]
    yield server
    server.stop()


def start_params(bystander) -> dict[str, str]:
    return {"openid_configuration": f"{bystander.base_url}/.well-known/openid-configuration",
            "registration_token": "rt-anything"}


def link_row(live_server, token: str) -> RegistrationInvite:
    with live_server.app.extensions["skillbite"].sessions() as s:
        return s.scalars(sa.select(RegistrationInvite).filter_by(token_hash=invites.token_hash(token))).one()


def test_registration_without_a_link_is_refused_before_any_request_leaves(live_server, browser, bystander):
    page = browser.get(live_server.url + "/lti/register", start_params(bystander))
    assert page.status_code == 403
    assert "ask the skillbite operator for a registration link" in page.text.lower()
    assert "<code>registration_link_missing</code>" in page.text
    assert bystander.seen == []
    assert stored_platforms(live_server) == []


def test_registration_with_a_link_skillbite_never_made_is_refused_before_any_request_leaves(
        live_server, browser, bystander):
    page = browser.get(live_server.url + "/lti/register", {**start_params(bystander), "invite": "made-up"})
    assert page.status_code == 403 and "<code>registration_link_unknown</code>" in page.text
    assert bystander.seen == []


@pytest.mark.parametrize("state", ["expired", "revoked", "used"])
def test_a_link_that_is_expired_revoked_or_used_is_refused_before_any_request_leaves(
        live_server, browser, bystander, state):
    past = utcnow() - dt.timedelta(days=8)
    token = make_link(live_server, days=7, now=past) if state == "expired" else make_link(live_server)
    if state != "expired":
        with live_server.app.extensions["skillbite"].sessions() as s, s.begin():
            row = s.scalars(sa.select(RegistrationInvite)).one()
            row.revoked_at, row.used_at = (utcnow(), None) if state == "revoked" else (None, utcnow())
    page = browser.get(live_server.url + "/lti/register", {**start_params(bystander), "invite": token})
    assert page.status_code == 403
    assert f"<code>registration_link_{state}</code>" in page.text
    assert "ask the skillbite operator for a registration link" in page.text.lower()
    assert bystander.seen == []


def test_a_used_link_cannot_register_a_second_platform(lms, browser, live_server, link):
    assert register(lms, browser, live_server, link).status_code == 200
    again = lms.start_registration(browser, link_url(live_server, link))  # a new registration token, same link
    assert again.status_code == 403 and "<code>registration_link_used</code>" in again.text
    assert len(lms.registrations) == 1
    assert len(stored_platforms(live_server)) == 1


def test_a_link_revoked_after_the_confirm_page_registers_nothing(lms, browser, live_server, link):
    confirm = lms.start_registration(browser, link_url(live_server, link))
    with live_server.app.extensions["skillbite"].sessions() as s, s.begin():
        invites.revoke_invite(s, s.scalars(sa.select(RegistrationInvite)).one().id)
    done = browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})
    assert done.status_code == 403 and "<code>registration_link_revoked</code>" in done.text
    assert lms.registrations == [] and stored_platforms(live_server) == []


def test_the_platform_takes_the_links_name_and_the_link_records_it(lms, browser, live_server):
    token = make_link(live_server, name="Acme Moodle")
    assert register(lms, browser, live_server, token).status_code == 200
    [stored] = stored_platforms(live_server)
    assert stored.name == "Acme Moodle"
    row = link_row(live_server, token)
    assert row.used_by_platform_id == stored.id and row.used_at is not None
    with live_server.app.extensions["skillbite"].sessions() as s:
        [entry] = s.scalars(sa.select(AdminAction)).all()
    assert entry.action == "platform.registered" and f"#{row.id} (Acme Moodle)" in entry.detail


def test_a_registration_the_platform_refuses_leaves_the_link_usable(lms, browser, live_server, link):
    params = {**lms.registration_start_params(), "registration_token": "rt-not-issued", "invite": link}
    confirm = browser.get(live_server.url + "/lti/register", params)
    refused = browser.post(live_server.url + "/lti/register", {"form": hidden_form_value(confirm.text)})
    assert refused.status_code == 400
    assert link_row(live_server, link).used_at is None
    assert register(lms, browser, live_server, link).status_code == 200
    [stored] = stored_platforms(live_server)
    assert link_row(live_server, link).used_by_platform_id == stored.id


def test_two_confirmations_racing_with_one_link_store_one_platform(lms, live_server, link, monkeypatch):
    confirms = []
    for _ in range(2):  # the admin opened the link twice: two registration tokens, two confirm pages
        page = lms.start_registration(RequestsBrowser(), link_url(live_server, link))
        confirms.append(hidden_form_value(page.text))
    both_checked = threading.Barrier(2, timeout=20)
    register_with_platform = registration_views.register_with_platform

    def after_both_checked_the_link(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_checked.wait()  # each request has passed the link check; neither has stored its platform
        return register_with_platform(*args, **kwargs)

    monkeypatch.setattr(registration_views, "register_with_platform", after_both_checked_the_link)
    statuses: list[int] = []

    def confirm(form: str) -> None:
        statuses.append(requests.post(live_server.url + "/lti/register", data={"form": form}, timeout=30).status_code)

    threads = [threading.Thread(target=confirm, args=(form,)) for form in confirms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=40)
    assert sorted(statuses) == [200, 403]
    assert len(lms.registrations) == 2  # both reached the LMS; Skillbite kept one
    [stored] = stored_platforms(live_server)
    assert link_row(live_server, link).used_by_platform_id == stored.id


def test_cli_invite_prints_a_link_that_registers_the_lms(lms, browser, live_server, database_url, tmp_path):
    env = {"SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_BASE_URL": live_server.url,
           "SKILLBITE_INSTANCE_PATH": str(tmp_path / "cli-instance"), "SKILLBITE_LOG_FORMAT": "text",
           "SKILLBITE_MASTER_KEY": live_server.app.extensions["skillbite"].config.master_key}
    made = cli(env, "platform", "invite", "--name", "Acme Moodle", "--days", "3")
    assert made.exit_code == 0, made.output
    found = re.search(re.escape(live_server.url) + r"/lti/register\?invite=([A-Za-z0-9_-]{43})(?=\s)", made.output)
    assert found, made.output
    assert "Manage tools" in made.output and "Tool URL" in made.output and "Canvas" in made.output
    with live_server.app.extensions["skillbite"].sessions() as s:
        stored_link = s.scalars(sa.select(RegistrationInvite)).one()
        [entry] = s.scalars(sa.select(AdminAction)).all()
    assert stored_link.token_hash != found.group(1)  # only the hash is kept
    assert stored_link.expires_at - stored_link.created_at == dt.timedelta(days=3)
    assert (entry.action, entry.actor_kind) == ("registration_link.created", "cli")
    assert register(lms, browser, live_server, found.group(1)).status_code == 200
    assert [p.name for p in stored_platforms(live_server)] == ["Acme Moodle"]
