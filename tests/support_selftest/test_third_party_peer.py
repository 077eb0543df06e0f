"""ThirdPartyPlatform: lti1p3platform's own login, id_token and JWKS, over a thin adapter."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import jwt
import requests

from lti import claims
from tests.support.browser import FlaskClientBrowser
from tests.support_selftest.stub_tool import create_stub_tool

REQUIRED = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nonce",
    claims.MESSAGE_TYPE,
    claims.VERSION,
    claims.DEPLOYMENT_ID,
    claims.TARGET_LINK_URI,
    claims.RESOURCE_LINK,
    claims.ROLES,
)


def stub_tool_browser(peer):
    tool = create_stub_tool(
        auth_login_url=peer.auth_login_url,
        platform_jwks_url=peer.jwks_url,
        client_id=peer.client_id,
        issuer=peer.issuer,
    )
    return FlaskClientBrowser(tool.test_client(), "http://127.0.0.1")


def test_peer_login_initiation_is_built_by_the_package(third_party_platform):
    peer = third_party_platform()
    browser = stub_tool_browser(peer)
    auth_url = peer.start_login(browser)
    params = dict(parse_qsl(urlsplit(auth_url).query))
    assert params["client_id"] == peer.client_id
    assert params["login_hint"] == peer.user["sub"]


def test_peer_token_verifies_with_its_served_jwks_and_has_the_required_claims(third_party_platform):
    peer = third_party_platform()
    browser = stub_tool_browser(peer)
    auth_url = peer.start_login(browser, role="Instructor")
    nonce = dict(parse_qsl(urlsplit(auth_url).query))["nonce"]
    form = peer.authorize(auth_url)

    keys = requests.get(peer.jwks_url, timeout=5).json()["keys"]
    kid = jwt.get_unverified_header(form["id_token"])["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    payload = jwt.decode(
        form["id_token"],
        jwt.PyJWK.from_dict(jwk, algorithm="RS256").key,
        algorithms=["RS256"],
        audience=peer.client_id,
        issuer=peer.issuer,
    )
    missing = [name for name in REQUIRED if name not in payload]
    assert missing == []
    assert payload["nonce"] == nonce
    assert payload[claims.VERSION] == "1.3.0"
    assert payload[claims.MESSAGE_TYPE] == claims.RESOURCE_LINK_REQUEST
    assert payload[claims.DEPLOYMENT_ID] == peer.deployment_id
    assert payload[claims.ROLES] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    assert payload[claims.RESOURCE_LINK]["id"] == "peer-rl-1"
    assert peer.last_redirect_uri == "http://127.0.0.1/lti/launch"


def test_peer_launch_reaches_the_tool(third_party_platform):
    peer = third_party_platform()
    response = peer.launch(stub_tool_browser(peer), claims={claims.CUSTOM: {"k": "v"}})
    assert response.status_code == 200, response.text
    assert response.get_json()[claims.CUSTOM] == {"k": "v"}


def test_peer_deep_linking_request(third_party_platform):
    peer = third_party_platform()
    browser = stub_tool_browser(peer)
    form = peer.authorize(peer.start_login(browser, message_type=claims.DEEP_LINKING_REQUEST))
    payload = jwt.decode(form["id_token"], options={"verify_signature": False})
    assert payload[claims.MESSAGE_TYPE] == claims.DEEP_LINKING_REQUEST
    assert payload[claims.DEEP_LINKING_SETTINGS]["deep_link_return_url"].startswith(peer.base_url)
    assert claims.RESOURCE_LINK not in payload
