"""StrictPlatform: its served keys, its strict auth-request checks, its crafted tokens, its flows."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import jwt
import pytest
import requests

from lti import claims
from tests.support.browser import FlaskClientBrowser, RequestsBrowser
from tests.support.local_server import LocalServer
from tests.support.platform import TOKEN_CASES_REJECTED, StrictPlatform
from tests.support_selftest.stub_tool import create_stub_tool

NONCE = "n-0123456789abcdef-xyz"


def verify_with_served_jwks(platform: StrictPlatform, token: str) -> dict:
    keys = requests.get(platform.jwks_url, timeout=5).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    return jwt.decode(
        token,
        jwt.PyJWK.from_dict(jwk, algorithm="RS256").key,
        algorithms=["RS256"],
        audience=platform.client_id,
        issuer=platform.issuer,
    )


def auth_request(platform: StrictPlatform, **overrides: str | None) -> str:
    login = platform.login_params()
    params: dict[str, str | None] = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": platform.tool_launch_url,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "state": "s-" + "abcdefghijklmnop0123",
        "nonce": "n-" + "qrstuvwxyz98765432",
    }
    params.update(overrides)
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{platform.auth_login_url}?{query}"


def test_served_jwks_verifies_the_platforms_own_token(strict_platform):
    platform = strict_platform()
    payload = verify_with_served_jwks(platform, platform.id_token(NONCE))
    assert payload["nonce"] == NONCE
    assert payload[claims.MESSAGE_TYPE] == claims.RESOURCE_LINK_REQUEST
    assert payload[claims.VERSION] == "1.3.0"
    assert payload[claims.DEPLOYMENT_ID] == "dep-1"
    assert payload[claims.ROLES] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert payload[claims.AGS_ENDPOINT]["lineitems"].startswith(platform.base_url)
    assert payload["iss"] == platform.base_url


def test_rotated_key_signs_and_retired_key_leaves_the_jwks(strict_platform):
    platform = strict_platform()
    old_kid = platform.kid
    new_kid = platform.rotate_key(retire_old=True)
    served = {k["kid"] for k in requests.get(platform.jwks_url, timeout=5).json()["keys"]}
    assert served == {new_kid}
    assert jwt.get_unverified_header(platform.id_token(NONCE))["kid"] == new_kid
    assert verify_with_served_jwks(platform, platform.id_token(NONCE))["nonce"] == NONCE
    assert jwt.get_unverified_header(platform.id_token(NONCE, sign_with="retired"))["kid"] == old_kid


def test_rotation_without_retiring_serves_both_keys(strict_platform):
    platform = strict_platform()
    old_kid = platform.kid
    new_kid = platform.rotate_key()
    assert {k["kid"] for k in platform.jwks()["keys"]} == {old_kid, new_kid}


def test_authorize_answers_a_correct_request_with_a_verifiable_form(strict_platform):
    platform = strict_platform()
    form = platform.authorize(auth_request(platform))
    assert form["state"] == "s-abcdefghijklmnop0123"
    assert verify_with_served_jwks(platform, form["id_token"])["nonce"] == "n-qrstuvwxyz98765432"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": None}, "prompt"),
        ({"redirect_uri": "http://127.0.0.1/elsewhere"}, "redirect_uri"),
        ({"scope": "openid profile"}, "scope"),
        ({"response_mode": "query"}, "response_mode"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"login_hint": "u-other"}, "login_hint"),
        ({"lti_message_hint": "made-up"}, "lti_message_hint"),
        ({"state": None}, "state"),
        ({"nonce": "1234"}, "nonce"),
    ],
)
def test_authorize_rejects_a_malformed_auth_request(strict_platform, overrides, message):
    platform = strict_platform()
    with pytest.raises(AssertionError, match=message):
        platform.authorize(auth_request(platform, **overrides))


def test_authorize_refuses_a_reused_state_and_nonce(strict_platform):
    platform = strict_platform()
    url = auth_request(platform)
    platform.authorize(url)
    with pytest.raises(AssertionError, match="reused"):
        platform.authorize(url)
    assert platform.authorize(url, allow_replay=True)["state"]


def test_alg_none_token_is_unsigned(strict_platform):
    platform = strict_platform()
    token = platform.id_token(NONCE, **platform.token_case("alg_none"))
    assert token.endswith(".")
    assert jwt.get_unverified_header(token)["alg"] == "none"


def test_hs256_token_is_keyed_with_the_public_pem(strict_platform):
    platform = strict_platform()
    token = platform.id_token(NONCE, **platform.token_case("hs256_public_key"))
    signing_input, signature = token.rsplit(".", 1)
    mac = hmac.new(platform.current_key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == signature


@pytest.mark.parametrize("case", TOKEN_CASES_REJECTED)
def test_every_rejected_case_differs_from_a_valid_token(strict_platform, case):
    platform = strict_platform()
    options = platform.token_case(case)
    token = platform.id_token(NONCE, **options)
    assert token != platform.id_token(NONCE)
    if case in ("bad_signature", "unknown_kid", "no_kid", "alg_none", "hs256_public_key", "expired", "wrong_aud"):
        with pytest.raises((jwt.PyJWTError, StopIteration, KeyError)):
            verify_with_served_jwks(platform, token)


def test_no_kid_case_has_no_kid_header(strict_platform):
    platform = strict_platform()
    assert "kid" not in jwt.get_unverified_header(platform.id_token(NONCE, kid=None))


def test_launch_through_the_flask_test_client(strict_platform):
    platform = strict_platform()
    tool = create_stub_tool(
        auth_login_url=platform.auth_login_url,
        platform_jwks_url=platform.jwks_url,
        client_id=platform.client_id,
        issuer=platform.issuer,
    )
    browser = FlaskClientBrowser(tool.test_client(), "http://127.0.0.1")
    response = platform.launch(browser, role="Instructor", claims={claims.CUSTOM: {"pathway": "p-7"}})
    assert response.status_code == 200, response.text
    payload = response.get_json()
    assert payload[claims.ROLES] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    assert payload[claims.CUSTOM] == {"pathway": "p-7"}
    assert platform.auth_requests[-1]["redirect_uri"] == "http://127.0.0.1/lti/launch"


def test_a_dropped_state_reaches_the_tool_as_given(strict_platform):
    platform = strict_platform()
    tool = create_stub_tool(
        auth_login_url=platform.auth_login_url,
        platform_jwks_url=platform.jwks_url,
        client_id=platform.client_id,
        issuer=platform.issuer,
    )
    browser = FlaskClientBrowser(tool.test_client(), "http://127.0.0.1")
    response = platform.launch(browser, tamper=lambda form: {"id_token": form["id_token"]})
    assert response.status_code == 400


def test_launch_over_real_http_with_a_token_case(strict_platform):
    tool_app = None
    with LocalServer(app=lambda environ, start_response: tool_app(environ, start_response)) as tool_server:
        platform = strict_platform(tool_base=tool_server.base_url)
        tool_app = create_stub_tool(
            auth_login_url=platform.auth_login_url,
            platform_jwks_url=platform.jwks_url,
            client_id=platform.client_id,
            issuer=platform.issuer,
        )
        browser = RequestsBrowser()
        try:
            ok = platform.launch(browser, method="GET")
            expired = platform.launch(browser, token_options=platform.token_case("expired"))
        finally:
            browser.close()
    assert ok.status_code == 200, ok.text
    assert ok.json()["sub"] == platform.user["sub"]
    assert expired.status_code == 400
    assert "expired" in expired.json()["error"]


def test_requests_browser_refuses_non_loopback_urls():
    browser = RequestsBrowser()
    try:
        with pytest.raises(AssertionError, match="non-loopback"):
            browser.get("https://example.com/")
    finally:
        browser.close()


def test_browser_pages_serve_auto_post_forms(strict_platform):
    platform = strict_platform()
    page = requests.get(platform.launch_page_url, params={"role": "Instructor"}, timeout=5)
    assert page.status_code == 200
    assert f'action="{platform.tool_login_url}"' in page.text
    bad = requests.get(auth_request(platform, prompt=None), timeout=5)
    assert bad.status_code == 400
    assert "prompt" in bad.text
