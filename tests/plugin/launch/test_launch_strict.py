"""Launches from StrictPlatform through the in-process tool: the good launch and every rejection.

Each rejection must answer 4xx (never 500) with a page naming the error code for the LMS admin, and must
leave no user, course, link or session behind (LTI Core 1.3 §5, Security Framework 1.0 §5.1.3).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

import pytest

from lti import claims
from lti.storage import DeploymentPolicy
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.launch.tokens import COOKIE, read_token
from plugin.platforms.models import Deployment
from tests.support.browser import FlaskClientBrowser
from tests.support.first_page import assert_first_page, first_page, launch_token
from tests.support.platform import TOKEN_CASES_REJECTED

from .helpers import TOOL_BASE, count, launch_records, launch_through_platform_storage, register, rows

PREVIEW_NOTICE = "nothing you do here is saved"  # the read-only preview's words (LTI Core 1.3 §5.3.6)

# The code each rejected token case must show (lti/launch.py, lti/launch_claims.py, lti/keys.py).
EXPECTED_CODE = {
    "expired": "expired",
    "iat_in_future": "issued_in_future",
    "missing_exp": "missing_claim",
    "bad_signature": "bad_signature",
    "unknown_kid": "unknown_kid",
    "no_kid": "missing_kid",
    "alg_none": "malformed_jwt",  # its empty signature fails the JWS shape check before the alg check
    "hs256_public_key": "unsupported_alg",
    "wrong_iss": "wrong_issuer",
    "wrong_aud": "wrong_audience",
    "multiple_aud_without_azp": "missing_azp",
    "multiple_aud_wrong_azp": "wrong_azp",
    "wrong_nonce": "nonce_mismatch",
    "missing_nonce": "missing_claim",
    "missing_deployment_id": "missing_deployment_id",
    "unknown_deployment": "unknown_deployment",
    "wrong_version": "wrong_version",
    "missing_message_type": "missing_message_type",
    "unknown_message_type": "unknown_message_type",
    "missing_roles": "missing_roles",
    "missing_resource_link": "missing_resource_link",
}


def b64(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assert_rejected(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text[:800])
    assert "This launch could not be completed" in response.text
    assert f"<code>{code}</code>" in response.text
    assert "What to check" in response.text


REPLACE_STATE = re.compile(r'<script nonce="([^"]+)">history\.replaceState\(null, "", ("(?:[^"\\]|\\.)*")\);</script>')


def heading(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, html[:800]
    return match.group(1).strip()


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_every_rejected_token_case_has_an_expected_code():
    assert set(TOKEN_CASES_REJECTED) == set(EXPECTED_CODE)


# -- the good launch ---------------------------------------------------------------------------------

def test_good_launch_answers_200_with_content_location_naming_the_first_page_and_its_token(
        platform, browser, runtime, app):
    response = platform.launch(browser)
    assert response.status_code == 200, response.text[:800]
    location = response.headers["Content-Location"]
    # No custom parameter names a course, so the launch lands on the catalog, token in hand.
    assert urlsplit(location).path == "/learn/courses"
    assert heading(response.text) == "Courses"
    [session] = rows(runtime, LaunchSession)
    token = launch_token(location)
    with app.test_request_context():
        assert read_token(token, max_age_seconds=60) == session.id
    assert any(cookie.startswith(f"{COOKIE}={token};") for cookie in response.headers.getlist("Set-Cookie"))


def test_good_launch_leads_to_a_signed_in_first_page(platform, browser):
    page = first_page(platform.launch(browser))
    assert page.status_code == 200
    assert page.path.startswith("/learn")
    assert PREVIEW_NOTICE not in page.text
    assert "could not be completed" not in page.text


def test_good_launch_records_user_context_link_and_session(platform, browser, runtime):
    assert_first_page(platform.launch(browser))
    [user] = rows(runtime, User)
    assert (user.subject, user.name, user.email) == ("u-1001", "Ada Lovelace", "ada.lovelace@example.test")
    [context] = rows(runtime, LmsContext)
    assert (context.context_id, context.title, context.deployment_id) == ("course-1", "Onboarding skills", "dep-1")
    [link] = rows(runtime, ResourceLink)
    assert (link.resource_link_id, link.context_pk) == ("rl-1", context.id)
    [session] = rows(runtime, LaunchSession)
    assert (session.user_pk, session.context_pk, session.resource_link_pk) == (user.id, context.id, link.id)
    assert (session.role, session.deployment_id) == ("learner", "dep-1")
    assert session.message_type == claims.RESOURCE_LINK_REQUEST
    assert session.services["ags"]["lineitems"].startswith(platform.base_url)


def test_login_initiation_by_get_launches_too(platform, browser, runtime):
    assert_first_page(platform.launch(browser, method="GET"))
    assert count(runtime, LaunchSession) == 1


def test_instructor_launch_opens_an_instructor_session(platform, browser, runtime):
    assert_first_page(platform.launch(browser, role="Instructor"))
    [session] = rows(runtime, LaunchSession)
    assert session.role == "instructor"


def test_second_deployment_of_the_same_client_launches(platform, browser, runtime):
    response = platform.launch(browser, login_overrides={"lti_deployment_id": "dep-2"})
    assert_first_page(response)
    [session] = rows(runtime, LaunchSession)
    assert session.deployment_id == "dep-2"


def test_two_launches_of_one_person_reuse_their_user_row(platform, browser, runtime):
    assert_first_page(platform.launch(browser))
    assert_first_page(platform.launch(browser))
    assert count(runtime, User) == 1
    assert count(runtime, LaunchSession) == 2


def test_launch_with_several_audiences_and_matching_azp_is_accepted(platform, browser, runtime):
    response = platform.launch(browser, token_options=platform.token_case("multiple_aud_with_azp"))
    assert_first_page(response)
    assert count(runtime, LaunchSession) == 1


def test_anonymous_launch_gets_a_read_only_preview_and_no_user(platform, browser, runtime):
    page = first_page(platform.launch(browser, token_options=platform.token_case("anonymous")))
    assert page.status_code == 200
    assert PREVIEW_NOTICE in page.text
    assert "Ada" not in page.text
    assert count(runtime, User) == 0
    [session] = rows(runtime, LaunchSession)
    assert session.user_pk is None


def test_deep_linking_request_launch_is_accepted(platform, browser, runtime):
    response = platform.launch(browser, message_type=claims.DEEP_LINKING_REQUEST)
    assert response.status_code == 303 and response.headers["Location"].startswith("/deep-linking?lt=")
    [session] = rows(runtime, LaunchSession)
    assert session.message_type == claims.DEEP_LINKING_REQUEST
    assert session.services["deep_linking"]["deep_link_return_url"] == platform.base_url + "/deep_linking/return"
    assert session.resource_link_pk is None


def test_unknown_deployment_is_recorded_when_the_platform_policy_says_so(strict_platform, runtime, browser):
    platform = strict_platform(tool_base=TOOL_BASE, deployment_ids=("dep-1",))
    platform_id = register(runtime, platform, policy=DeploymentPolicy.RECORD_FIRST_SEEN)
    response = platform.launch(browser, login_overrides={"lti_deployment_id": "canvas-install-7"})
    assert_first_page(response)
    recorded = {d.deployment_id: d.recorded_on_first_launch for d in rows(runtime, Deployment,
                                                                          platform_id=platform_id)}
    assert recorded == {"dep-1": False, "canvas-install-7": True}
    [session] = rows(runtime, LaunchSession)
    assert session.deployment_id == "canvas-install-7"


# -- the first page, answered in place (RFC 9110 §8.7 Content-Location) ---------------------------------

def test_first_page_puts_its_own_url_in_the_address_bar_with_a_script_the_csp_allows(platform, browser):
    response = platform.launch(browser)
    [(nonce, url)] = REPLACE_STATE.findall(response.text)
    assert json.loads(url) == response.headers["Content-Location"]
    assert f"'nonce-{nonce}'" in csp_directives(response)["script-src"]


@pytest.mark.parametrize("cookies", ["kept", "refused"])
def test_get_of_the_content_location_shows_the_same_page(cookies, platform, browser, app):
    page = first_page(platform.launch(browser))
    # A reload (the URL replaceState left in the address bar); with cookies refused the URL alone must do.
    reloader = browser if cookies == "kept" else FlaskClientBrowser(app.test_client(), TOOL_BASE)
    again = reloader.get(TOOL_BASE + page.url)
    assert again.status_code == 200, again.text[:800]
    assert heading(again.text) == heading(page.text) == "Courses"
    assert f'href="{page.url}" aria-current="page"' in again.text  # the same signed-in navigation


def test_reload_without_javascript_posts_the_launch_again_and_opens_no_second_session(platform, browser, runtime):
    form = platform.authorize(platform.start_login(browser))
    page = first_page(platform.finish(browser, form))
    reposted = platform.finish(browser, form)  # what reloading the POST answer does without history.replaceState
    assert 400 <= reposted.status_code < 500, (reposted.status_code, reposted.text[:800])
    assert re.search(r"<code>(replayed|invalid_state)</code>", reposted.text), reposted.text[:800]
    assert count(runtime, LaunchSession) == 1
    assert browser.get(TOOL_BASE + page.url).status_code == 200  # the one session goes on


def test_platform_storage_page_is_no_first_page_and_the_launch_it_continues_answers_with_one(
        platform, browser, runtime):
    asking, answered = launch_through_platform_storage(platform, browser)
    assert asking.status_code == 200 and "Content-Location" not in asking.headers
    assert 'data-action="get"' in asking.text and "history.replaceState" not in asking.text
    assert first_page(answered).path == "/learn/courses"
    assert count(runtime, LaunchSession) == 1


# -- rejected tokens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", TOKEN_CASES_REJECTED)
def test_rejected_token_case_answers_4xx_with_its_code_and_records_nothing(case, platform, browser, runtime):
    # An unknown deployment must be unknown from the login on, or it is a login/launch mismatch.
    overrides = {"lti_deployment_id": "dep-unknown"} if case == "unknown_deployment" else None
    response = platform.launch(browser, token_options=platform.token_case(case), login_overrides=overrides)
    assert_rejected(response, EXPECTED_CODE[case])
    assert launch_records(runtime) == {"User": 0, "LmsContext": 0, "ResourceLink": 0, "LaunchSession": 0}


def test_deployment_differing_from_the_login_hint_is_rejected(platform, browser):
    response = platform.launch(browser, token_options=platform.token_case("unknown_deployment"))
    assert_rejected(response, "deployment_mismatch")


def test_unknown_kid_is_refused_after_exactly_one_jwks_refetch(platform, browser):
    assert_first_page(platform.launch(browser))
    fetched = platform.jwks_requests
    assert fetched == 1
    response = platform.launch(browser, token_options=platform.token_case("unknown_kid"))
    assert_rejected(response, "unknown_kid")
    assert platform.jwks_requests == fetched + 1


def test_known_kid_launches_do_not_refetch_the_jwks(platform, browser):
    for _ in range(3):
        assert_first_page(platform.launch(browser))
    assert platform.jwks_requests == 1


# -- replay, state and cookies -----------------------------------------------------------------------

def test_same_id_token_form_posted_twice_from_the_same_browser_is_refused(platform, browser, runtime):
    auth_url = platform.start_login(browser)
    form = platform.authorize(auth_url)
    assert_first_page(platform.finish(browser, form))
    assert_rejected(platform.finish(browser, form), "invalid_state")
    assert count(runtime, LaunchSession) == 1


def test_replayed_id_token_with_a_fresh_login_state_is_refused(platform, browser, runtime):
    first = platform.authorize(platform.start_login(browser))
    assert_first_page(platform.finish(browser, first))
    fresh = platform.authorize(platform.start_login(browser))
    response = platform.finish(browser, {"id_token": first["id_token"], "state": fresh["state"]})
    assert_rejected(response, "nonce_mismatch")
    assert count(runtime, LaunchSession) == 1


def test_id_token_of_another_login_is_refused(platform, browser, runtime):
    first = platform.authorize(platform.start_login(browser))
    second = platform.authorize(platform.start_login(browser))
    response = platform.finish(browser, {"id_token": second["id_token"], "state": first["state"]})
    assert_rejected(response, "nonce_mismatch")
    assert count(runtime, LaunchSession) == 0


def test_launch_without_state_is_refused(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {"id_token": form["id_token"]})
    assert_rejected(response, "missing_state")


def test_launch_with_a_state_the_tool_never_issued_is_refused(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {**form, "state": "s-" + "x" * 40})
    assert_rejected(response, "invalid_state")


def test_launch_whose_state_cookie_was_lost_is_refused_as_not_bound(platform, browser, client, runtime):
    form = platform.authorize(platform.start_login(browser))
    client.delete_cookie("lti_state_" + form["state"], domain="localhost", path="/lti/")
    response = platform.finish(browser, form)
    assert_rejected(response, "state_not_bound", status=401)
    assert "Third-party cookies" in response.text
    assert count(runtime, LaunchSession) == 0


def test_launch_from_another_browser_is_refused_as_not_bound(platform, browser, app):
    form = platform.authorize(platform.start_login(browser))
    stranger = FlaskClientBrowser(app.test_client(), TOOL_BASE)
    assert_rejected(platform.finish(stranger, form), "state_not_bound", status=401)


def test_launch_without_id_token_is_refused(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {"state": form["state"]})
    assert_rejected(response, "missing_id_token")


def test_platform_error_answer_is_shown_not_crashed_on(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {"error": "login_required", "state": form["state"]})
    assert_rejected(response, "platform_error")
    assert "login_required" in response.text


def test_a_posted_error_that_is_no_error_code_is_not_shown(platform, browser):
    """Any site can post to /lti/launch: only an OAuth error code reaches the page, never a sentence."""
    said = "Skillbite moved. Sign in again at https://evil.example/login"
    response = platform.launch(browser, tamper=lambda form: {"error": said, "state": form["state"]})
    assert_rejected(response, "platform_error")
    assert "evil.example" not in response.text and "Skillbite moved" not in response.text


def test_the_spent_state_cookie_is_deleted_with_the_attributes_it_was_set_with(platform, browser):
    """Inside the LMS iframe a browser ignores the deletion of a Partitioned, SameSite=None cookie that
    does not repeat those attributes."""
    response = platform.launch(browser)
    assert response.status_code == 200
    [deletion] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lti_state_")]
    assert "Max-Age=0" in deletion or "Expires=Thu, 01 Jan 1970" in deletion
    for attribute in ("Secure", "SameSite=None", "Partitioned", "Path=/lti/"):
        assert attribute in deletion, deletion


MALFORMED = {
    "one_segment": "abc",
    "two_segments": "eyJhbGciOiJSUzI1NiJ9.eyJ9",
    "four_segments": "a.b.c.d",
    "not_base64url": "!!!.###.$$$",
    "header_not_json": f"{b64(b'not json')}.{b64({'iss': 'x'})}.c2ln",
    "header_not_object": f"{b64([1, 2])}.{b64({'iss': 'x'})}.c2ln",
    "payload_not_object": f"{b64({'alg': 'RS256', 'kid': 'k'})}.{b64('text')}.c2ln",
    "empty_signature_rs256": f"{b64({'alg': 'RS256', 'kid': 'k'})}.{b64({'iss': 'x'})}.",
    "dots_only": "..",
    "whitespace": "   ",
    "too_long": "a" * 300_000 + ".b.c",
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_malformed_jwt_is_refused_with_400(shape, platform, browser, runtime):
    response = platform.launch(browser, tamper=lambda form: {**form, "id_token": MALFORMED[shape]})
    assert_rejected(response, "malformed_jwt")
    assert count(runtime, LaunchSession) == 0


def test_garbled_signature_of_a_real_token_is_refused(platform, browser):
    def garble(form: dict[str, str]) -> dict[str, str]:
        head, body, sig = form["id_token"].split(".")
        flipped = ("B" if sig[0] != "B" else "C") + sig[1:]
        return {**form, "id_token": f"{head}.{body}.{flipped}"}

    assert_rejected(platform.launch(browser, tamper=garble), "bad_signature")


def test_payload_swapped_under_a_valid_signature_is_refused(platform, browser):
    def swap(form: dict[str, str]) -> dict[str, str]:
        head, body, sig = form["id_token"].split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        payload[claims.ROLES] = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
        return {**form, "id_token": f"{head}.{b64(payload)}.{sig}"}

    assert_rejected(platform.launch(browser, tamper=swap), "bad_signature")


def test_alg_none_with_a_signature_is_refused_as_unsupported_alg(platform, browser):
    def unsigned_with_junk_signature(form: dict[str, str]) -> dict[str, str]:
        head, body, _ = form["id_token"].split(".")
        return {**form, "id_token": f"{b64({'alg': 'none', 'kid': platform.kid})}.{body}.c2ln"}

    assert_rejected(platform.launch(browser, tamper=unsigned_with_junk_signature), "unsupported_alg")


def test_rs256_token_with_header_claiming_hs256_is_refused(platform, browser):
    def relabel(form: dict[str, str]) -> dict[str, str]:
        _, body, sig = form["id_token"].split(".")
        return {**form, "id_token": f"{b64({'alg': 'HS256', 'kid': platform.kid})}.{body}.{sig}"}

    assert_rejected(platform.launch(browser, tamper=relabel), "unsupported_alg")


def test_junk_form_fields_around_a_good_launch_are_ignored(platform, browser, runtime):
    junk = {"utm_source": "lms", "id_token_hint": "x" * 50, "lt": "forged", "__proto__": "{}"}
    response = platform.launch(browser, tamper=lambda form: {**form, **junk})
    assert_first_page(response)
    assert count(runtime, LaunchSession) == 1


def test_junk_in_place_of_every_field_is_a_4xx(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {"id_token": "\x00\x01junk", "state": "\u202e" * 20})
    assert 400 <= response.status_code < 500
    assert "<code>" in response.text


def test_state_of_a_rejected_launch_cannot_be_used_again(platform, browser, runtime):
    form = platform.authorize(platform.start_login(browser), token_options=platform.token_case("wrong_aud"))
    assert_rejected(platform.finish(browser, form), "wrong_audience")
    good_token = platform.id_token(platform.auth_requests[-1]["nonce"])
    assert_rejected(platform.finish(browser, {"id_token": good_token, "state": form["state"]}), "invalid_state")
    assert count(runtime, LaunchSession) == 0


@pytest.mark.parametrize("field", ["iss", "client_id", "lti_deployment_id", "login_hint"])
def test_login_parameter_with_a_nul_character_is_a_400(field, platform, browser):
    params = {**platform.login_params(), field: platform.login_params()[field] + "\x00"}
    response = browser.post(TOOL_BASE + "/lti/login", params)
    assert_rejected(response, "invalid_login_parameter")


def test_launch_state_with_a_nul_character_is_a_400(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {**form, "state": form["state"] + "\x00"})
    assert_rejected(response, "invalid_state")


def test_an_lms_administrators_launch_opens_their_console(platform, browser):
    # docs/admin-setup.md: a launch with the LMS administrator role opens the console of their platform
    role = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
    response = platform.launch(browser, role=role)
    assert response.status_code == 303, response.text[:800]
    assert urlsplit(response.headers["Location"]).path == "/admin/"
    page = first_page(platform.launch(browser, role=role), browser=browser, base=TOOL_BASE)
    assert page.status_code == 200 and page.path == "/admin/", page.text[:800]
    assert "Admin console" in page.text or "Dashboard" in page.text


def test_names_and_titles_longer_than_skillbite_keeps_are_cut_not_a_500(platform, browser, runtime):
    """An LMS's names, titles and e-mail are shown, never matched: longer than their columns (a 500 on
    PostgreSQL) they are cut, and an e-mail or locale too long to be one is left out."""
    response = platform.launch(browser, claims={
        "name": "N" * 300, "email": "e" * 400 + "@example.test", "locale": "x" * 50,
        claims.CONTEXT: {"id": "course-1", "label": "L" * 300, "title": "T" * 600},
        claims.RESOURCE_LINK: {"id": "link-1", "title": "R" * 600}})
    assert response.status_code == 200, response.text[:500]
    [user], [context], [link] = rows(runtime, User), rows(runtime, LmsContext), rows(runtime, ResourceLink)
    assert (user.name, user.email, user.locale) == ("N" * 255, None, None)
    assert (context.label, context.title, link.title) == ("L" * 255, "T" * 500, "R" * 500)
