"""StrictPlatform's dynamic registration and token endpoints, over HTTP."""

from __future__ import annotations

import requests

from lti import claims
from tests.support.dynamic_registration import PLATFORM_CONFIGURATION, TOOL_CONFIGURATION
from tests.support.keys import SigningKey
from tests.support.local_server import LocalServer, json_response
from tests.support_selftest.stub_tool import client_assertion

TOOL = "http://127.0.0.1:9"


def tool_registration(**overrides):
    body = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": TOOL + "/lti/login",
        "redirect_uris": [TOOL + "/lti/launch"],
        "client_name": "Skillbite",
        "jwks_uri": TOOL + "/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(claims.TOOL_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": "127.0.0.1:9",
            "target_link_uri": TOOL + "/lti/launch",
            "claims": ["iss", "sub", "name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": TOOL + "/lti/launch"}],
        },
    }
    body.update(overrides)
    return body


def register(platform, token, body):
    return requests.post(platform.registration_url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def test_openid_configuration_is_moodle_shaped(strict_platform):
    platform = strict_platform()
    start = platform.registration_start_params()
    config = requests.get(start["openid_configuration"], timeout=5).json()
    assert config["issuer"] == platform.issuer
    assert config["registration_endpoint"] == platform.registration_url
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config[PLATFORM_CONFIGURATION]["product_family_code"] == "moodle"


def test_registration_answers_with_client_id_and_deployment(strict_platform):
    platform = strict_platform()
    token = platform.registration_start_params()["registration_token"]
    response = register(platform, token, tool_registration())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["client_id"] == platform.registrations[0]["client_id"]
    assert body[TOOL_CONFIGURATION]["deployment_id"] == platform.registrations[0]["deployment_id"]
    assert platform.registrations[0]["request"]["client_name"] == "Skillbite"
    client = platform.adopt_registration()
    assert platform.client_id == client.client_id
    assert platform.tool_login_url == TOOL + "/lti/login"


def test_registration_refuses_a_reused_token(strict_platform):
    platform = strict_platform()
    token = platform.registration_start_params()["registration_token"]
    assert register(platform, token, tool_registration()).status_code == 200
    again = register(platform, token, tool_registration())
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_token"
    assert len(platform.registrations) == 1


def test_registration_refuses_a_bad_body_with_the_reason(strict_platform):
    platform = strict_platform()
    token = platform.registration_start_params()["registration_token"]
    response = register(platform, token, tool_registration(grant_types=["implicit"], redirect_uris=[]))
    assert response.status_code == 400
    assert "grant_types" in response.json()["error_description"]
    assert "redirect_uris" in response.json()["error_description"]


def test_registration_needs_json(strict_platform):
    platform = strict_platform()
    token = platform.registration_start_params()["registration_token"]
    response = requests.post(
        platform.registration_url, data="x=1", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 400


def test_token_endpoint_verifies_the_client_assertion_against_the_tool_jwks(strict_platform):
    tool_key = SigningKey.generate()
    routes = {("GET", "/lti/jwks"): lambda _: json_response({"keys": [tool_key.public_jwk()]})}
    with LocalServer(routes) as tool:
        platform = strict_platform(tool_base=tool.base_url)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(tool_key, platform.client_id, platform.auth_token_url),
            "scope": f"{claims.SCOPE_AGS_SCORE} https://example.test/unknown",
        }
        ok = requests.post(platform.auth_token_url, data=form, timeout=5)
        replay = requests.post(platform.auth_token_url, data=form, timeout=5)
        wrong_aud = requests.post(
            platform.auth_token_url,
            data={**form, "client_assertion": client_assertion(tool_key, platform.client_id, platform.issuer)},
            timeout=5,
        )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["expires_in"] == 3600
    assert body["scope"] == claims.SCOPE_AGS_SCORE
    assert platform.access_tokens[body["access_token"]]["client_id"] == platform.client_id
    assert replay.status_code == 401
    assert wrong_aud.status_code == 401
