"""Key rotation on both sides (Security Framework 1.0 §6.3): the platform's new ``kid`` is fetched once
and launches go on; the tool's JWKS publishes old and new keys until the old one is retired."""

from __future__ import annotations

import dataclasses

import jwt
import pytest

from plugin.keys.services import active_keys, retire_key, rotate_key
from tests.support.first_page import assert_first_page

from .helpers import TOOL_BASE, register
from .test_cli import cli


def test_platform_key_rotation_keeps_launches_working_after_one_refetch(platform, browser):
    assert_first_page(platform.launch(browser))
    assert platform.jwks_requests == 1
    new_kid = platform.rotate_key()
    assert_first_page(platform.launch(browser))
    assert jwt.get_unverified_header(platform.id_token("n" * 20))["kid"] == new_kid
    assert platform.jwks_requests == 2
    assert_first_page(platform.launch(browser))
    assert platform.jwks_requests == 2  # the new key is cached now


def test_platform_retiring_its_old_key_keeps_launches_working(platform, browser):
    assert_first_page(platform.launch(browser))
    platform.rotate_key(retire_old=True)
    assert_first_page(platform.launch(browser))
    assert platform.jwks_requests == 2


def test_token_signed_with_the_retired_platform_key_is_refused_once_the_new_set_is_fetched(platform, browser):
    assert_first_page(platform.launch(browser))
    platform.rotate_key(retire_old=True)
    assert_first_page(platform.launch(browser))  # fetches the set without the old key
    response = platform.launch(browser, token_options={"sign_with": "retired"})
    assert response.status_code == 400
    assert "<code>unknown_kid</code>" in response.text


def test_unknown_kid_refetch_is_rate_limited(strict_platform, tmp_path, database_url):
    from plugin import create_app
    from plugin.migrate import upgrade
    from tests.conftest import make_config
    from tests.support.browser import FlaskClientBrowser

    config = dataclasses.replace(make_config(tmp_path, database_url), jwks_refetch_seconds=3600.0)
    upgrade(config.database_url)
    app = create_app(config)
    try:
        runtime = app.extensions["skillbite"]
        platform = strict_platform(tool_base=TOOL_BASE)
        register(runtime, platform)
        browser = FlaskClientBrowser(app.test_client(), TOOL_BASE)
        assert_first_page(platform.launch(browser))
        for _ in range(3):
            response = platform.launch(browser, token_options=platform.token_case("unknown_kid"))
            assert response.status_code == 400 and "<code>unknown_kid</code>" in response.text
        assert platform.jwks_requests == 1
    finally:
        app.extensions["skillbite"].engine.dispose()


def served_kids(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    return {key["kid"] for key in response.get_json()["keys"]}


@pytest.mark.parametrize("path", ["/lti/jwks", "/.well-known/jwks.json"])
def test_tool_key_rotation_publishes_both_kids(path, client, runtime):
    [before] = served_kids(client, path)
    with runtime.sessions() as s, s.begin():
        new_kid = rotate_key(s, runtime.box).kid
    assert served_kids(client, path) == {before, new_kid}


def test_tool_key_retire_removes_exactly_that_kid(client, runtime):
    [old] = served_kids(client, "/lti/jwks")
    with runtime.sessions() as s, s.begin():
        new_kid = rotate_key(s, runtime.box).kid
    with runtime.sessions() as s, s.begin():
        retire_key(s, old)
    assert served_kids(client, "/lti/jwks") == {new_kid}
    assert served_kids(client, "/.well-known/jwks.json") == {new_kid}


def test_tool_jwks_keys_are_public_rsa_signing_keys(client):
    [key] = client.get("/lti/jwks").get_json()["keys"]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


@pytest.fixture
def cli_env(config, app):
    return {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_BASE_URL": config.base_url,
            "SKILLBITE_INSTANCE_PATH": str(config.instance_path), "SKILLBITE_MASTER_KEY": config.master_key,
            "SKILLBITE_LOG_FORMAT": "text"}


def test_cli_keys_rotate_then_jwks_serves_both_and_retire_removes_one(cli_env, client, runtime):
    [old] = served_kids(client, "/lti/jwks")
    result = cli(cli_env, "keys", "rotate")
    assert result.exit_code == 0, result.output
    with runtime.sessions() as s:
        kids = [k.kid for k in active_keys(s)]
    assert kids[0] == old and len(kids) == 2
    assert f"New signing key {kids[1]}" in result.output
    assert served_kids(client, "/lti/jwks") == set(kids)
    assert served_kids(client, "/.well-known/jwks.json") == set(kids)
    retired = cli(cli_env, "keys", "retire", old)
    assert retired.exit_code == 0, retired.output
    assert served_kids(client, "/lti/jwks") == {kids[1]}


def test_cli_refuses_to_retire_the_only_key(cli_env, client):
    [only] = served_kids(client, "/lti/jwks")
    result = cli(cli_env, "keys", "retire", only)
    assert result.exit_code != 0
    assert "only active key" in result.output
    assert served_kids(client, "/lti/jwks") == {only}


def test_cli_takes_a_kid_that_starts_with_a_dash(cli_env, client):
    # RFC 7638 thumbprints are base64url: one kid in 64 starts with "-", which is no option.
    result = cli(cli_env, "keys", "retire", "-Xnot-a-key")
    assert "No such option" not in result.output
    assert result.exit_code != 0 and "-Xnot-a-key" in result.output
