"""Tenants: one issuer with two client_ids (each a registration of its own), several deployments each.
A launch of one tenant never lands in the other's records (LTI Core 1.3 §3.1.3)."""

from __future__ import annotations

import pytest

from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from tests.support.first_page import assert_first_page

from .helpers import TOOL_BASE, count, register, rows

ISSUER = "https://lms.example.test"


@pytest.fixture
def tenants(strict_platform, runtime):
    """Two registrations of the same issuer; same user sub, course and deployment ids on purpose."""
    a = strict_platform(issuer=ISSUER, client_id="client-a", deployment_ids=("dep-1", "a-dep-2"),
                        tool_base=TOOL_BASE)
    b = strict_platform(issuer=ISSUER, client_id="client-b", deployment_ids=("dep-1", "b-dep-2"),
                        tool_base=TOOL_BASE)
    return {"a": (a, register(runtime, a)), "b": (b, register(runtime, b))}


def test_launch_of_one_client_lands_only_in_its_own_records(tenants, browser, runtime):
    (a, a_id), (_, b_id) = tenants["a"], tenants["b"]
    assert_first_page(a.launch(browser))
    for model in (User, LmsContext, ResourceLink, LaunchSession):
        assert count(runtime, model, platform_id=a_id) == 1
        assert count(runtime, model, platform_id=b_id) == 0


def test_same_sub_course_and_link_ids_under_two_clients_are_different_records(tenants, browser, runtime):
    (a, a_id), (b, b_id) = tenants["a"], tenants["b"]
    assert_first_page(a.launch(browser))
    assert_first_page(b.launch(browser))
    users = {u.platform_id: u.id for u in rows(runtime, User, subject="u-1001")}
    assert set(users) == {a_id, b_id} and users[a_id] != users[b_id]
    assert {c.platform_id for c in rows(runtime, LmsContext, context_id="course-1")} == {a_id, b_id}
    sessions = {s.platform_id: s.user_pk for s in rows(runtime, LaunchSession)}
    assert sessions == users


def test_each_client_launches_through_each_of_its_deployments(tenants, browser, runtime):
    (a, a_id), (b, b_id) = tenants["a"], tenants["b"]
    assert_first_page(a.launch(browser, login_overrides={"lti_deployment_id": "a-dep-2"}))
    assert_first_page(b.launch(browser, login_overrides={"lti_deployment_id": "b-dep-2"}))
    assert_first_page(b.launch(browser, login_overrides={"lti_deployment_id": "dep-1"}))
    got = sorted((s.platform_id, s.deployment_id) for s in rows(runtime, LaunchSession))
    assert got == sorted([(a_id, "a-dep-2"), (b_id, "b-dep-2"), (b_id, "dep-1")])


def test_deployment_of_the_other_client_is_unknown(tenants, browser, runtime):
    a, _ = tenants["a"]
    response = a.launch(browser, login_overrides={"lti_deployment_id": "b-dep-2"})
    assert response.status_code == 400
    assert "<code>unknown_deployment</code>" in response.text
    assert count(runtime, LaunchSession) == 0


def test_token_of_one_client_cannot_finish_a_login_of_the_other(tenants, browser, runtime):
    a, _ = tenants["a"]
    b, _ = tenants["b"]
    b_form = b.authorize(b.start_login(browser))
    a_token = a.id_token(b.auth_requests[-1]["nonce"])  # even with the right nonce
    response = b.finish(browser, {"id_token": a_token, "state": b_form["state"]})
    assert response.status_code == 400
    assert "<code>wrong_audience</code>" in response.text
    assert count(runtime, LaunchSession) == 0


def test_login_naming_a_client_goes_to_that_clients_platform(tenants, browser):
    (a, _), (b, _) = tenants["a"], tenants["b"]
    assert a.start_login(browser).startswith(a.auth_login_url + "?")
    assert b.start_login(browser).startswith(b.auth_login_url + "?")


def test_login_without_client_id_for_an_issuer_with_two_registrations_is_a_clear_400(tenants, browser, runtime):
    a, _ = tenants["a"]
    response = browser.post(TOOL_BASE + "/lti/login", a.login_params(client_id=None))
    assert response.status_code == 400
    assert "<code>unknown_platform</code>" in response.text
    assert "several client_ids are registered" in response.text
    assert "client_id" in response.text
    assert "Location" not in response.headers


def test_login_without_client_id_works_when_the_issuer_has_one_registration(platform, browser, runtime):
    assert_first_page(platform.launch(browser, login_overrides={"client_id": None}))
    assert count(runtime, LaunchSession) == 1


def test_disabled_registration_no_longer_launches(tenants, browser, runtime):
    from plugin.platforms.models import Platform

    (a, a_id), (b, _) = tenants["a"], tenants["b"]
    with runtime.sessions() as s, s.begin():
        s.get(Platform, a_id).enabled = False
    response = browser.post(TOOL_BASE + "/lti/login", a.login_params())
    assert response.status_code == 400
    assert "<code>unknown_platform</code>" in response.text
    assert_first_page(b.launch(browser))
