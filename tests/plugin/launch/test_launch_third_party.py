"""Launches produced by the independent ``lti1p3platform`` package (ThirdPartyPlatform): its login
initiation, its id_tokens (thumbprint ``kid``, its own claim set) must pass our validator, and its
tokens bent one rule at a time must be refused with the same codes as from StrictPlatform."""

from __future__ import annotations

import pytest

from lti import claims
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from tests.support.first_page import assert_first_page, first_page

from .helpers import TOOL_BASE, count, launch_records, register, rows


@pytest.fixture
def peer(third_party_platform, runtime):
    made = third_party_platform(tool_base=TOOL_BASE)
    register(runtime, made)
    return made


def assert_rejected(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text[:800])
    assert f"<code>{code}</code>" in response.text


def test_third_party_launch_leads_to_a_signed_in_first_page(peer, browser):
    page = first_page(peer.launch(browser))
    assert page.status_code == 200
    assert page.path.startswith("/learn")
    assert "nothing you do here is saved" not in page.text


def test_third_party_launch_records_user_context_link_and_session(peer, browser, runtime):
    assert_first_page(peer.launch(browser))
    [user] = rows(runtime, User)
    assert (user.subject, user.email) == ("peer-u-2002", "grace.hopper@example.test")
    [context] = rows(runtime, LmsContext)
    assert (context.context_id, context.deployment_id) == ("peer-course-1", "peer-dep-1")
    [link] = rows(runtime, ResourceLink)
    assert link.resource_link_id == "peer-rl-1"
    [session] = rows(runtime, LaunchSession)
    assert (session.user_pk, session.role) == (user.id, "learner")
    assert session.services["nrps"]["context_memberships_url"].startswith(peer.base_url)


def test_third_party_instructor_launch_opens_an_instructor_session(peer, browser, runtime):
    assert_first_page(peer.launch(browser, role="Instructor"))
    [session] = rows(runtime, LaunchSession)
    assert session.role == "instructor"


def test_third_party_deep_linking_launch_is_accepted(peer, browser, runtime):
    response = peer.launch(browser, message_type=claims.DEEP_LINKING_REQUEST)
    assert response.status_code == 303 and response.headers["Location"].startswith("/deep-linking?lt=")
    [session] = rows(runtime, LaunchSession)
    assert session.message_type == claims.DEEP_LINKING_REQUEST


# Each case: extra claims the package merges over its own, and the code the tool must answer. (It sets
# exp, iat and nonce itself after the extra claims, so time and nonce cases come from StrictPlatform.)
CLAIM_CASES = {
    "wrong_iss": ({"iss": "https://evil.example.test"}, "wrong_issuer"),
    "wrong_aud": ({"aud": "someone-else", "azp": "someone-else"}, "wrong_audience"),
    "multiple_aud_without_azp": ({"aud": ["lti1p3platform-peer-client", "x"], "azp": None}, "missing_azp"),
    "multiple_aud_wrong_azp": ({"aud": ["lti1p3platform-peer-client", "x"], "azp": "x"}, "wrong_azp"),
    "missing_deployment_id": ({claims.DEPLOYMENT_ID: None}, "missing_deployment_id"),
    "wrong_version": ({claims.VERSION: "1.1"}, "wrong_version"),
    "missing_message_type": ({claims.MESSAGE_TYPE: None}, "missing_message_type"),
    "missing_roles": ({claims.ROLES: None}, "missing_roles"),
    "missing_resource_link": ({claims.RESOURCE_LINK: None}, "missing_resource_link"),
}


@pytest.mark.parametrize("case", sorted(CLAIM_CASES))
def test_third_party_token_with_a_broken_claim_is_refused(case, peer, browser, runtime):
    extra, code = CLAIM_CASES[case]
    response = peer.launch(browser, claims=extra)
    assert_rejected(response, code)
    assert launch_records(runtime) == {"User": 0, "LmsContext": 0, "ResourceLink": 0, "LaunchSession": 0}


def test_third_party_unknown_deployment_is_refused(third_party_platform, runtime, browser):
    peer = third_party_platform(tool_base=TOOL_BASE)
    register(runtime, peer, deployment_ids=["some-other-deployment"])
    assert_rejected(peer.launch(browser), "unknown_deployment")


def test_third_party_token_with_a_garbled_signature_is_refused(peer, browser):
    def garble(form: dict[str, str]) -> dict[str, str]:
        head, body, sig = form["id_token"].split(".")
        return {**form, "id_token": f"{head}.{body}.{('B' if sig[0] != 'B' else 'C') + sig[1:]}"}

    assert_rejected(peer.launch(browser, tamper=garble), "bad_signature")


def test_third_party_malformed_id_token_is_refused(peer, browser):
    assert_rejected(peer.launch(browser, tamper=lambda form: {**form, "id_token": "not.a.jwt"}), "malformed_jwt")


def test_third_party_form_replayed_from_the_same_browser_is_refused(peer, browser, runtime):
    form = peer.authorize(peer.start_login(browser))
    assert_first_page(peer.finish(browser, form))
    assert_rejected(peer.finish(browser, form), "invalid_state")
    assert count(runtime, LaunchSession) == 1


def test_third_party_launch_without_state_is_refused(peer, browser):
    assert_rejected(peer.launch(browser, tamper=lambda form: {"id_token": form["id_token"]}), "missing_state")


def test_third_party_launch_with_lost_cookies_is_refused_as_not_bound(peer, browser, client):
    form = peer.authorize(peer.start_login(browser))
    client.delete_cookie("lti_state_" + form["state"], domain="localhost", path="/lti/")
    assert_rejected(peer.finish(browser, form), "state_not_bound", status=401)


def test_third_party_login_for_an_unregistered_client_is_refused(third_party_platform, browser):
    peer = third_party_platform(tool_base=TOOL_BASE)  # never registered with the tool
    response = browser.get(TOOL_BASE + "/lti/login", {"iss": peer.issuer, "login_hint": "u",
                                                      "target_link_uri": TOOL_BASE + "/lti/launch",
                                                      "client_id": peer.client_id})
    assert_rejected(response, "unknown_platform")
