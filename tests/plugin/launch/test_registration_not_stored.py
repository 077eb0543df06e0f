"""Dynamic registration (DR 1.0 §3.6) when the LMS accepted the tool but Skillbite cannot store its answer:
a 400 page saying what to delete in the LMS, never a 500; and an openid configuration whose endpoints are
not URLs refused on the confirm page, before anything is registered."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from plugin.registration import services as registration_services
from tests.plugin.launch import live
from tests.plugin.launch.test_dynamic_registration import (
    link_row,
    link_url,
    make_link,
    register,
    stored_platforms,
)

browser, lms = live.browser, live.lms  # the fixtures over real HTTP


def lms_answers(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """The LMS registers the tool as usual, and its answer carries ``changes`` (client_id, deployment_id)."""
    register_tool = registration_services.register_tool

    def answered(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(register_tool(*args, **kwargs), **changes)

    monkeypatch.setattr(registration_services, "register_tool", answered)


def assert_not_stored_page(done: Any) -> None:
    assert done.status_code == 400, done.text[:800]
    assert "<code>registration_not_stored</code>" in done.text
    assert "Your LMS now holds a Skillbite registration that does not work: delete it there" in done.text


def test_a_client_id_already_registered_for_the_issuer_gives_a_page_saying_to_delete_it_in_the_lms(
        lms, browser, live_server, monkeypatch):
    assert register(lms, browser, live_server, make_link(live_server)).status_code == 200
    [first] = stored_platforms(live_server)
    lms_answers(monkeypatch, client_id=first.client_id)
    token = make_link(live_server)
    done = register(lms, browser, live_server, token)
    assert_not_stored_page(done)
    assert f"with client_id {first.client_id} is already registered" in done.text
    assert len(lms.registrations) == 2 and [p.id for p in stored_platforms(live_server)] == [first.id]
    assert link_row(live_server, token).used_at is None  # rolled back: nothing was stored for this link


def test_a_deployment_id_longer_than_skillbite_stores_gives_a_page_naming_the_limit(
        lms, browser, live_server, monkeypatch):
    lms_answers(monkeypatch, deployment_id="d" * 300)
    done = register(lms, browser, live_server, make_link(live_server))
    assert_not_stored_page(done)
    assert "deployment_id must be at most 255 characters, got 300" in done.text
    assert stored_platforms(live_server) == []


def test_an_authorization_endpoint_that_is_not_a_url_is_refused_on_the_confirm_page(
        lms, browser, live_server, monkeypatch):
    monkeypatch.setattr(type(lms), "auth_login_url", property(lambda _: "not a url"))
    token = make_link(live_server)
    page = lms.start_registration(browser, link_url(live_server, token))
    assert page.status_code == 400, page.text[:800]
    assert "<code>invalid_configuration_url</code>" in page.text
    assert "authorization_endpoint" in page.text and "absolute http(s) URL" in page.text
    assert 'name="form"' not in page.text  # nothing to confirm
    assert lms.registrations == [] and stored_platforms(live_server) == []

