"""LTI Dynamic Registration 1.0, tool side: configuration checks (§3.4, §3.5.1) and the request (§3.5.2)."""

from __future__ import annotations

from typing import Any

import pytest

from lti import claims
from lti.errors import RegistrationError
from lti.registration import (
    PLATFORM_CONFIGURATION,
    TOOL_CONFIGURATION,
    ToolDescription,
    fetch_platform_configuration,
    register_tool,
    tool_registration_request,
)
from tests.lti.memory import FakeHttp

CONFIG_URL = "https://lms.example.edu/mod/lti/openid-configuration.php"
TOOL = ToolDescription(
    name="Skillbite",
    base_url="https://tool.example.com",
    login_url="https://tool.example.com/lti/login",
    launch_url="https://tool.example.com/lti/launch",
    jwks_url="https://tool.example.com/lti/jwks",
    logo_url="https://tool.example.com/logo.png",
    description="Micro-learning",
    deep_linking_url="https://tool.example.com/lti/deep-link",
)


def platform_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "issuer": "https://lms.example.edu",
        "authorization_endpoint": "https://lms.example.edu/auth",
        "token_endpoint": "https://lms.example.edu/token",
        "jwks_uri": "https://lms.example.edu/jwks",
        "registration_endpoint": "https://lms.example.edu/register",
        "authorization_server": "https://lms.example.edu/token-aud",
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "scopes_supported": ["openid", claims.SCOPE_AGS_SCORE, claims.SCOPE_NRPS],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "moodle",
            "messages_supported": [{"type": "LtiResourceLinkRequest"}],
        },
    }
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


def fetch(config: Any, url: str = CONFIG_URL) -> dict[str, Any]:
    return fetch_platform_configuration(url, FakeHttp(documents={url: config}))


def test_valid_configuration_is_returned() -> None:
    assert fetch(platform_config())["issuer"] == "https://lms.example.edu"


@pytest.mark.parametrize(
    ("issuer", "url"),
    [
        ("https://evil.example", CONFIG_URL),
        ("https://lms.example.edu.evil.example", CONFIG_URL),
        ("https://lms.example.edu/other-tenant", "https://lms.example.edu/tenant/openid-configuration"),
        ("https://lms.example", "https://lms.example.edu/openid-configuration"),
        ("http://lms.example.edu", CONFIG_URL),
    ],
)
def test_issuer_must_prefix_the_configuration_url(issuer: str, url: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        fetch(platform_config(issuer=issuer), url)
    assert caught.value.code == "issuer_mismatch"


def test_issuer_with_a_path_prefix_is_accepted() -> None:
    url = "https://lms.example.edu/tenant/.well-known/openid-configuration"
    assert fetch(platform_config(issuer="https://lms.example.edu/tenant"), url)["issuer"]


@pytest.mark.parametrize(
    "field",
    ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint",
     "id_token_signing_alg_values_supported", "token_endpoint_auth_methods_supported",
     PLATFORM_CONFIGURATION],
)
def test_missing_required_field_is_named(field: str) -> None:
    config = platform_config()
    del config[field]
    with pytest.raises(RegistrationError) as caught:
        fetch(config)
    assert caught.value.code == "missing_configuration_field"
    assert field in caught.value.message


def test_platform_without_rs256_is_refused() -> None:
    with pytest.raises(RegistrationError) as caught:
        fetch(platform_config(id_token_signing_alg_values_supported=["ES256"]))
    assert caught.value.code == "unsupported_signing_alg"


def test_platform_without_private_key_jwt_is_refused() -> None:
    with pytest.raises(RegistrationError) as caught:
        fetch(platform_config(token_endpoint_auth_methods_supported=["client_secret_basic"]))
    assert caught.value.code == "unsupported_auth_method"


def test_unreachable_configuration_is_a_502() -> None:
    with pytest.raises(RegistrationError) as caught:
        fetch_platform_configuration(CONFIG_URL, FakeHttp())
    assert (caught.value.code, caught.value.status) == ("configuration_unavailable", 502)


def test_request_body_describes_the_tool() -> None:
    body = tool_registration_request(TOOL, platform_config(**{PLATFORM_CONFIGURATION: {}}))
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert body["grant_types"] == ["implicit", "client_credentials"]
    assert body["initiate_login_uri"] == TOOL.login_url
    assert body["redirect_uris"] == [TOOL.launch_url, TOOL.deep_linking_url]
    assert body["client_name"] == "Skillbite"
    assert body["jwks_uri"] == TOOL.jwks_url
    assert body["logo_uri"] == TOOL.logo_url
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["scope"] == f"{claims.SCOPE_AGS_SCORE} {claims.SCOPE_NRPS}"
    lti = body[TOOL_CONFIGURATION]
    assert lti["domain"] == "tool.example.com"
    assert lti["target_link_uri"] == TOOL.launch_url
    assert lti["description"] == "Micro-learning"
    assert lti["claims"] == ["iss", "sub", "name", "given_name", "family_name", "email", "locale"]
    assert lti["messages"] == [
        {"type": "LtiResourceLinkRequest", "target_link_uri": TOOL.launch_url},
        {"type": "LtiDeepLinkingRequest", "target_link_uri": TOOL.deep_linking_url, "label": "Skillbite"},
    ]


def test_request_asks_every_scope_when_the_platform_lists_none() -> None:
    body = tool_registration_request(TOOL, platform_config(scopes_supported=None))
    assert body["scope"].split(" ") == list(claims.TOOL_SCOPES)


def test_request_offers_only_message_types_the_platform_supports() -> None:
    body = tool_registration_request(TOOL, platform_config())
    assert [m["type"] for m in body[TOOL_CONFIGURATION]["messages"]] == ["LtiResourceLinkRequest"]


def test_register_tool_posts_with_the_token_and_returns_the_registration() -> None:
    http = FakeHttp(documents={CONFIG_URL: platform_config()})
    http.post_answer = {"client_id": "abc", TOOL_CONFIGURATION: {"deployment_id": "dep-7"}}
    result = register_tool(CONFIG_URL, "reg-token", TOOL, http)

    url, body, headers = http.posts[0]
    assert url == "https://lms.example.edu/register"
    assert headers["Authorization"] == "Bearer reg-token"
    assert headers["Content-Type"] == "application/json"
    assert body["client_name"] == "Skillbite"
    assert (result.issuer, result.client_id) == ("https://lms.example.edu", "abc")
    assert result.deployment_id == "dep-7"
    assert result.auth_login_url == "https://lms.example.edu/auth"
    assert result.auth_token_url == "https://lms.example.edu/token"
    assert result.key_set_url == "https://lms.example.edu/jwks"
    assert result.token_audience == "https://lms.example.edu/token-aud"
    assert result.response["client_id"] == "abc"


def test_register_tool_without_token_sends_no_authorization() -> None:
    http = FakeHttp(documents={CONFIG_URL: platform_config(authorization_server=None)})
    http.post_answer = {"client_id": "abc"}
    result = register_tool(CONFIG_URL, None, TOOL, http)
    assert "Authorization" not in http.posts[0][2]
    assert result.deployment_id is None and result.token_audience is None


def test_refused_registration_reports_the_platform_message_but_not_the_token() -> None:
    http = FakeHttp(documents={CONFIG_URL: platform_config()})
    http.post_status = 401
    http.post_answer = {"error": "invalid_token", "error_description": "registration token expired"}
    with pytest.raises(RegistrationError) as caught:
        register_tool(CONFIG_URL, "secret-reg-token", TOOL, http)
    assert caught.value.code == "registration_rejected"
    assert "registration token expired" in caught.value.message
    assert "secret-reg-token" not in str(caught.value) + caught.value.hint


def test_answer_without_client_id_is_invalid() -> None:
    http = FakeHttp(documents={CONFIG_URL: platform_config()})
    http.post_answer = {"nope": True}
    with pytest.raises(RegistrationError) as caught:
        register_tool(CONFIG_URL, "t", TOOL, http)
    assert caught.value.code == "invalid_registration_response"
