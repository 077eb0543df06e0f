"""Third-party initiated login (LTI Core 1.3 §4.1, Security Framework 1.0 §5.1.1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lti.errors import LaunchError
from lti.oidc import begin_login
from tests.lti.platform_fixture import CLIENT_ID, ISSUER, World

REDIRECT = "https://tool.example.com/lti/launch"


def login_params(**overrides: str) -> dict[str, str]:
    return {
        "iss": ISSUER,
        "login_hint": "hint-9",
        "target_link_uri": "https://tool.example.com/lti/launch",
        "client_id": CLIENT_ID,
        "lti_message_hint": "msg-3",
        "lti_deployment_id": "deployment-1",
        **overrides,
    }


def login(world: World, params: dict[str, Any]) -> Any:
    return begin_login(params, registrations=world.registrations, states=world.states, redirect_uri=REDIRECT)


def test_redirect_carries_the_oidc_authentication_request(world: World) -> None:
    redirect = login(world, login_params())
    url = urlsplit(redirect.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}

    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://lms.example.edu/auth"
    assert query == {
        "tenant": "a",  # the auth URL's own query string is kept
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "login_hint": "hint-9",
        "lti_message_hint": "msg-3",
        "state": redirect.state,
        "nonce": redirect.nonce,
    }
    assert redirect.registration == world.registration


def test_state_is_saved_server_side_with_what_the_launch_checks(world: World) -> None:
    redirect = login(world, login_params(lti_storage_target="_parent"))
    assert redirect.storage_target == "_parent"
    assert world.states.take_state(redirect.state) == {
        "nonce": redirect.nonce,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "registration_id": 1,
        "deployment_id": "deployment-1",
        "target_link_uri": "https://tool.example.com/lti/launch",
        "storage_target": "_parent",
    }


def test_state_expires_after_its_ttl(world: World) -> None:
    redirect = login(world, login_params())
    world.clock.now += 601
    assert world.states.take_state(redirect.state) is None


def test_state_and_nonce_are_fresh_and_unguessable(world: World) -> None:
    first, second = login(world, login_params()), login(world, login_params())
    assert len({first.state, first.nonce, second.state, second.nonce}) == 4
    assert len(first.state) >= 43


def test_client_id_is_optional_when_the_issuer_has_one_registration(world: World) -> None:
    params = login_params()
    del params["client_id"], params["lti_message_hint"], params["lti_deployment_id"]
    redirect = login(world, params)
    query = parse_qs(urlsplit(redirect.url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert "lti_message_hint" not in query
    assert world.states.take_state(redirect.state)["deployment_id"] is None  # type: ignore[index]


@pytest.mark.parametrize("name", ["iss", "login_hint", "target_link_uri"])
def test_missing_required_parameter_is_named(world: World, name: str) -> None:
    params = login_params()
    del params[name]
    with pytest.raises(LaunchError) as caught:
        login(world, params)
    assert caught.value.code == "missing_login_parameter"
    assert repr(name) in caught.value.message


@pytest.mark.parametrize("params", [{"iss": "https://unknown.example"}, {"client_id": "someone-else"}])
def test_unregistered_platform_tells_the_admin_what_to_register(world: World, params: dict[str, str]) -> None:
    with pytest.raises(LaunchError) as caught:
        login(world, login_params(**params))
    assert caught.value.code == "unknown_platform"
    assert caught.value.status == 400
    assert "register" in caught.value.hint
    assert world.states.states == {}
