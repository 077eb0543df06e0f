"""Service access tokens: Security Framework 1.0 §4.1 client_credentials with a signed JWT assertion."""

from __future__ import annotations

import json

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from lti import claims
from lti.errors import ServiceError
from lti.http import StatusError
from lti.service_token import CLIENT_ASSERTION_TYPE
from lti.storage import SigningKey
from lti.tool_keys import public_jwk
from tests.lti.ags_server import Reply, Services, StrictPlatform, make_services
from tests.lti.memory import FakeClock, MemoryToolKeys
from tests.lti.platform_fixture import CLIENT_ID

SCORE = [claims.SCOPE_AGS_SCORE]


def test_token_request_is_a_form_encoded_client_credentials_grant(services: Services) -> None:
    services.tokens.token(services.registration, [claims.SCOPE_NRPS, claims.SCOPE_AGS_SCORE])
    [(content_type, form)] = services.platform.token_forms
    assert content_type == "application/x-www-form-urlencoded"
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assert form["scope"] == f"{claims.SCOPE_AGS_SCORE} {claims.SCOPE_NRPS}"


def test_assertion_verifies_with_the_tool_key_and_carries_the_required_claims(
    services: Services, tool_key: SigningKey
) -> None:
    services.tokens.token(services.registration, SCORE)
    [(_, form)] = services.platform.token_forms
    assertion = form["client_assertion"]
    assert jwt.get_unverified_header(assertion)["kid"] == tool_key.kid
    public = RSAAlgorithm.from_jwk(json.dumps(public_jwk(tool_key.private_key_pem, tool_key.kid)))
    payload = jwt.decode(assertion, public, algorithms=["RS256"],  # type: ignore[arg-type]
                         audience=services.platform.token_url, options={"verify_exp": False})
    assert payload["iss"] == payload["sub"] == CLIENT_ID
    assert payload["iat"] == int(services.clock.now)
    assert payload["exp"] - payload["iat"] == 300
    assert len(payload["jti"]) >= 16


def test_every_assertion_has_its_own_jti(services: Services) -> None:
    for scopes in (SCORE, [claims.SCOPE_NRPS], [claims.SCOPE_AGS_LINEITEM]):
        services.tokens.token(services.registration, scopes)
    jtis = [payload["jti"] for _, payload in services.platform.assertions]
    assert len(jtis) == len(set(jtis)) == 3


def test_assertion_audience_is_the_registration_audience_when_the_platform_names_one(
    platform: StrictPlatform, clock: FakeClock, tool_key: SigningKey
) -> None:
    platform.audience = "https://lms.example.edu/oauth2/token-audience"
    services = make_services(platform, clock, MemoryToolKeys(tool_key), audience=platform.audience)
    assert services.tokens.token(services.registration, SCORE)
    assert services.platform.assertions[0][1]["aud"] == platform.audience


def test_one_token_per_registration_and_scope_set(services: Services) -> None:
    first = services.tokens.token(services.registration, [claims.SCOPE_AGS_SCORE, claims.SCOPE_NRPS])
    again = services.tokens.token(services.registration, [claims.SCOPE_NRPS, claims.SCOPE_AGS_SCORE])
    other = services.tokens.token(services.registration, SCORE)
    assert first == again != other
    assert len(services.platform.token_requests) == 2


def test_token_is_renewed_sixty_seconds_before_it_expires(services: Services) -> None:
    first = services.tokens.token(services.registration, SCORE)
    services.clock.now += 3600 - 61
    assert services.tokens.token(services.registration, SCORE) == first
    services.clock.now += 2
    assert services.tokens.token(services.registration, SCORE) != first
    assert len(services.platform.token_requests) == 2


def test_short_lived_token_keeps_a_ten_percent_margin(services: Services) -> None:
    services.platform.expires_in = 30
    first = services.tokens.token(services.registration, SCORE)
    services.clock.now += 26.9
    assert services.tokens.token(services.registration, SCORE) == first
    services.clock.now += 0.2
    assert services.tokens.token(services.registration, SCORE) != first


def test_token_without_expires_in_is_kept_only_briefly(services: Services) -> None:
    services.platform.expires_in = None
    first = services.tokens.token(services.registration, SCORE)
    services.clock.now += 269
    assert services.tokens.token(services.registration, SCORE) == first
    services.clock.now += 2
    assert services.tokens.token(services.registration, SCORE) != first


def test_invalidate_makes_the_next_call_fetch_a_new_token(services: Services) -> None:
    first = services.tokens.token(services.registration, SCORE)
    services.tokens.invalidate(services.registration, SCORE)
    assert services.tokens.token(services.registration, SCORE) != first
    assert len(services.platform.token_requests) == 2


def test_refused_client_is_a_permanent_error_with_the_platform_message(
    platform: StrictPlatform, clock: FakeClock, tool_key: SigningKey
) -> None:
    platform.client_id = "another-client"
    services = make_services(platform, clock, MemoryToolKeys(tool_key))
    with pytest.raises(ServiceError) as caught:
        services.tokens.token(services.registration, SCORE)
    assert caught.value.status == 400 and caught.value.retryable is False
    assert "invalid_client" in str(caught.value)  # the registered OAuth code, not the reply's words
    assert isinstance(caught.value, StatusError) and "Client ID not valid" in caught.value.said
    assert "Client ID not valid" not in str(caught.value)
    assert "client_assertion" not in str(caught.value)


def test_token_endpoint_down_is_retryable_after_what_the_platform_asks(services: Services) -> None:
    services.platform.script("token", Reply(503, {"error": "maintenance"}, {"Retry-After": "30"}))
    with pytest.raises(ServiceError) as caught:
        services.tokens.token(services.registration, SCORE)
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (503, True, 30.0)
    assert services.tokens.token(services.registration, SCORE)


def test_answer_without_access_token_is_a_permanent_error(services: Services) -> None:
    services.platform.script("token", Reply(200, {"token_type": "Bearer", "expires_in": 3600}))
    with pytest.raises(ServiceError) as caught:
        services.tokens.token(services.registration, SCORE)
    assert caught.value.retryable is False and "access_token" in str(caught.value)
    assert services.cache.entries == {}
