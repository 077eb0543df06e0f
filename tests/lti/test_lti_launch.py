"""Each rule of Security Framework 1.0 §5.1.3 and LTI Core 1.3 §5: a bad launch gives its own code."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from lti import claims
from lti.errors import LaunchError
from lti.launch import validate_launch
from lti.message import LaunchMessage, Role
from lti.storage import DeploymentPolicy
from tests.lti.platform_fixture import (
    CLIENT_ID,
    DEPLOYMENT,
    DROP,
    ISSUER,
    World,
    b64url,
    platform_key,
)


def launch(world: World, token: str, state: dict[str, Any] | None = None, **kwargs: Any) -> LaunchMessage:
    return validate_launch(
        token,
        world.state() if state is None else state,
        registrations=world.registrations,
        keys=world.keys,
        states=world.states,
        clock=world.clock,
        **kwargs,
    )


def rejected(world: World, token: str, state: dict[str, Any] | None = None) -> LaunchError:
    with pytest.raises(LaunchError) as caught:
        launch(world, token, state)
    assert caught.value.hint, "every launch error tells the admin what to check"
    if len(token) > 20:
        assert token not in str(caught.value) and token not in caught.value.hint
    return caught.value


def hand_made(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"sig") -> str:
    return ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)]
    )


def test_good_resource_link_launch_fills_every_field(world: World) -> None:
    message = launch(world, world.token())

    assert message.issuer == ISSUER
    assert message.client_id == CLIENT_ID
    assert message.deployment_id == DEPLOYMENT
    assert message.message_type == claims.RESOURCE_LINK_REQUEST
    assert message.subject == "user-42"
    assert message.role is Role.LEARNER
    assert message.roles == ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",)
    assert message.context is not None and message.context.id == "course-7"
    assert message.context.label == "SAFE101" and message.context.title == "Workplace safety"
    assert message.context.types == ("http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering",)
    assert message.resource_link is not None and message.resource_link.id == "link-1"
    assert message.resource_link.title == "Safety basics"
    assert (message.name, message.given_name, message.family_name) == ("Ada Lovelace", "Ada", "Lovelace")
    assert (message.email, message.locale) == ("ada@example.edu", "en-GB")
    assert message.custom == {"pathway": "safety", "level": "2"}
    assert message.launch_presentation["document_target"] == "iframe"
    assert message.ags_endpoint is not None and message.ags_endpoint["lineitem"] == "https://lms/li/1"
    assert message.nrps_endpoint == {"context_memberships_url": "https://lms/members"}
    assert message.platform["product_family_code"] == "moodle"
    assert message.target_link_uri == "https://tool.example.com/lti/launch"
    assert message.deep_linking_settings is None
    assert message.claims["nonce"] == "nonce-123"
    assert message.first_seen_deployment is False
    assert not message.is_anonymous


def test_good_deep_linking_launch_carries_settings(world: World) -> None:
    settings = {"deep_link_return_url": "https://lms/dl/return", "accept_types": ["ltiResourceLink"]}
    token = world.token(world.payload(**{
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
        claims.RESOURCE_LINK: DROP,
        claims.DEEP_LINKING_SETTINGS: settings,
        claims.ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    }))
    message = launch(world, token)
    assert message.message_type == claims.DEEP_LINKING_REQUEST
    assert message.deep_linking_settings == settings
    assert message.resource_link is None
    assert message.role is Role.INSTRUCTOR


def test_anonymous_launch_has_no_subject(world: World) -> None:
    message = launch(world, world.token(world.payload(sub=DROP)))
    assert message.subject is None and message.is_anonymous


def test_missing_state_is_invalid_state(world: World) -> None:
    with pytest.raises(LaunchError) as caught:
        validate_launch(world.token(), None, registrations=world.registrations, keys=world.keys,
                        states=world.states, clock=world.clock)
    error = caught.value
    assert error.code == "invalid_state"
    assert "cookie" in error.hint


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.e30.c2ln", "e30.e30.", "W10.e30.c2ln"])
def test_not_a_jws_is_malformed(world: World, token: str) -> None:
    assert rejected(world, token).code == "malformed_jwt"


def test_alg_none_is_rejected_before_any_key_is_fetched(world: World) -> None:
    token = hand_made({"alg": "none", "kid": world.key.kid}, world.payload(), b"x")
    assert rejected(world, token).code == "unsupported_alg"
    assert world.http.gets == []


def test_hs256_keyed_with_the_public_key_is_rejected(world: World) -> None:
    """RFC 8725 §2.1 algorithm confusion: an HMAC 'signed' with the platform's public key."""
    public_pem = world.key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS256", "kid": world.key.kid}).encode())
    body = b64url(json.dumps(world.payload()).encode())
    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    assert rejected(world, f"{header}.{body}.{b64url(mac)}").code == "unsupported_alg"
    assert world.http.gets == []


def test_alg_other_than_the_registered_one_is_rejected(world: World) -> None:
    assert rejected(world, world.token(algorithm="RS512")).code == "unsupported_alg"


def test_missing_kid(world: World) -> None:
    token = hand_made({"alg": "RS256"}, world.payload())
    assert rejected(world, token).code == "missing_kid"


def test_unknown_kid(world: World) -> None:
    other = platform_key("not-published")
    assert rejected(world, world.token(key=other)).code == "unknown_kid"


def test_signature_by_another_key_is_bad_signature(world: World) -> None:
    impostor = platform_key("impostor")
    token = world.token(key=impostor, headers={"kid": world.key.kid})
    assert rejected(world, token).code == "bad_signature"


def test_tampered_payload_is_bad_signature(world: World) -> None:
    header, _, signature = world.token().split(".")
    forged = b64url(json.dumps(world.payload(sub="someone-else")).encode())
    assert rejected(world, f"{header}.{forged}.{signature}").code == "bad_signature"


def test_issuer_other_than_the_login_issuer(world: World) -> None:
    token = world.token(world.payload(iss="https://evil.example"))
    assert rejected(world, token).code == "wrong_issuer"


def test_issuer_whose_registration_was_removed(world: World) -> None:
    world.registrations.registrations.clear()
    assert rejected(world, world.token()).code == "wrong_issuer"


@pytest.mark.parametrize("aud", ["other-client", ["a", "b"], 7, None])
def test_audience_without_our_client_id(world: World, aud: object) -> None:
    assert rejected(world, world.token(world.payload(aud=aud))).code == "wrong_audience"


def test_several_audiences_need_azp(world: World) -> None:
    token = world.token(world.payload(aud=[CLIENT_ID, "other"]))
    assert rejected(world, token).code == "missing_azp"


def test_several_audiences_with_our_azp_pass(world: World) -> None:
    token = world.token(world.payload(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))
    assert launch(world, token).client_id == CLIENT_ID


def test_azp_other_than_our_client_id(world: World) -> None:
    assert rejected(world, world.token(world.payload(azp="other"))).code == "wrong_azp"


def test_expired_beyond_leeway(world: World) -> None:
    token = world.token(world.payload(exp=int(world.clock.now) - 61))
    assert rejected(world, token).code == "expired"


def test_expired_within_leeway_passes(world: World) -> None:
    token = world.token(world.payload(exp=int(world.clock.now) - 30))
    assert launch(world, token).subject == "user-42"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_an_exp_that_is_not_a_json_number_is_malformed(world: World, value: float) -> None:
    # Python's json module writes and reads NaN and Infinity; an exp of NaN would never compare as expired.
    assert rejected(world, world.token(world.payload(exp=value))).code == "malformed_jwt"


def test_the_nonce_is_kept_while_its_token_is_valid(world: World) -> None:
    now = world.clock.now
    launch(world, world.token(world.payload(exp=int(now) + 3 * 3600)))
    [kept_until] = world.states.nonces.values()
    assert kept_until >= now + 3 * 3600 + 60  # beyond the 1 h default: a purge cannot re-open a replay
    forever = world.token(world.payload(exp=int(now) + 10**9, nonce="n2"))
    launch(world, forever, world.state(nonce="n2"))
    assert max(world.states.nonces.values()) <= now + 86_400 + 60  # bounded: the store is purged


def test_issued_in_future(world: World) -> None:
    token = world.token(world.payload(iat=int(world.clock.now) + 120))
    assert rejected(world, token).code == "issued_in_future"


@pytest.mark.parametrize("name", ["exp", "iat", "nonce"])
def test_missing_required_claim(world: World, name: str) -> None:
    assert rejected(world, world.token(world.payload(**{name: DROP}))).code == "missing_claim"


def test_nonce_other_than_the_login_nonce(world: World) -> None:
    assert rejected(world, world.token(world.payload(nonce="other"))).code == "nonce_mismatch"


def test_second_use_of_a_token_is_replayed(world: World) -> None:
    token = world.token()
    launch(world, token)
    assert rejected(world, token).code == "replayed"


def test_missing_deployment_id(world: World) -> None:
    token = world.token(world.payload(**{claims.DEPLOYMENT_ID: DROP}))
    assert rejected(world, token).code == "missing_deployment_id"


def test_unknown_deployment_is_refused_by_default(world: World) -> None:
    token = world.token(world.payload(**{claims.DEPLOYMENT_ID: "new-deployment"}))
    assert rejected(world, token).code == "unknown_deployment"
    assert not world.registrations.deployment_known(world.registration, "new-deployment")


def test_unknown_deployment_is_recorded_when_the_platform_allows_it(world: World) -> None:
    canvas = replace(world.registration, deployment_policy=DeploymentPolicy.RECORD_FIRST_SEEN)
    world.registrations.registrations[:] = [canvas]
    token = world.token(world.payload(**{claims.DEPLOYMENT_ID: "new-deployment"}))
    message = launch(world, token)
    assert message.first_seen_deployment is True
    assert world.registrations.deployment_known(canvas, "new-deployment")


@pytest.mark.parametrize("deployment_id", ["d" * 256, "déploiement"])
def test_a_deployment_id_over_255_ascii_characters_is_refused_even_where_new_ones_are_recorded(
        world: World, deployment_id: str) -> None:
    canvas = replace(world.registration, deployment_policy=DeploymentPolicy.RECORD_FIRST_SEEN)
    world.registrations.registrations[:] = [canvas]
    token = world.token(world.payload(**{claims.DEPLOYMENT_ID: deployment_id}))
    assert rejected(world, token).code == "invalid_deployment_id"
    assert not world.registrations.deployment_known(canvas, deployment_id)


def test_deployment_other_than_the_login_hint(world: World) -> None:
    token = world.token()
    assert rejected(world, token, world.state(deployment_id="other")).code == "deployment_mismatch"


@pytest.mark.parametrize("version", ["1.1", "1.3", None])
def test_wrong_version(world: World, version: object) -> None:
    assert rejected(world, world.token(world.payload(**{claims.VERSION: version}))).code == "wrong_version"


def test_missing_message_type(world: World) -> None:
    token = world.token(world.payload(**{claims.MESSAGE_TYPE: DROP}))
    assert rejected(world, token).code == "missing_message_type"


def test_unknown_message_type(world: World) -> None:
    token = world.token(world.payload(**{claims.MESSAGE_TYPE: "LtiSubmissionReviewRequest"}))
    assert rejected(world, token).code == "unknown_message_type"


@pytest.mark.parametrize("roles", [DROP, "Instructor", [1, 2]])
def test_missing_roles(world: World, roles: object) -> None:
    assert rejected(world, world.token(world.payload(**{claims.ROLES: roles}))).code == "missing_roles"


def test_empty_roles_is_a_learner(world: World) -> None:
    assert launch(world, world.token(world.payload(**{claims.ROLES: []}))).role is Role.LEARNER


@pytest.mark.parametrize("link", [DROP, {"title": "no id"}, {"id": ""}])
def test_missing_resource_link(world: World, link: object) -> None:
    token = world.token(world.payload(**{claims.RESOURCE_LINK: link}))
    assert rejected(world, token).code == "missing_resource_link"


@pytest.mark.parametrize(("claim", "value", "code"), [
    ("sub", "s" * 256, "invalid_subject"),
    (claims.RESOURCE_LINK, {"id": "r" * 256}, "invalid_resource_link"),
    (claims.CONTEXT, {"id": "c" * 256, "title": "A course"}, "invalid_context"),
])
def test_an_identifier_over_255_characters_is_refused(world: World, claim: str, value: object, code: str) -> None:
    """LTI Core 1.3 §5.3.5, §5.3.6, §5.4.1: these ids are at most 255 ASCII characters (the tool keys rows
    on them; a longer one failed the insert with a 500 on PostgreSQL)."""
    assert rejected(world, world.token(world.payload(**{claim: value}))).code == code


def test_missing_deep_linking_settings(world: World) -> None:
    token = world.token(world.payload(**{
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
        claims.DEEP_LINKING_SETTINGS: {"accept_types": ["ltiResourceLink"]},
    }))
    assert rejected(world, token).code == "missing_deep_linking_settings"


def test_rejected_launch_does_not_record_a_first_seen_deployment(world: World) -> None:
    canvas = replace(world.registration, deployment_policy=DeploymentPolicy.RECORD_FIRST_SEEN)
    world.registrations.registrations[:] = [canvas]
    token = world.token(world.payload(**{claims.DEPLOYMENT_ID: "new", claims.VERSION: "1.1"}))
    assert rejected(world, token).code == "wrong_version"
    assert not world.registrations.deployment_known(canvas, "new")

