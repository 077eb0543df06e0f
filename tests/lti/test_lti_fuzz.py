"""Whatever arrives as id_token, the only possible failure is a LaunchError (never a crash)."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti import claims
from lti.errors import LaunchError
from lti.launch import validate_launch
from tests.lti.platform_fixture import World, make_world

WORLD = make_world()
CLAIM_NAMES = [
    "iss", "aud", "azp", "exp", "iat", "nbf", "nonce", "sub", "name", "email",
    claims.DEPLOYMENT_ID, claims.VERSION, claims.MESSAGE_TYPE, claims.ROLES, claims.RESOURCE_LINK,
    claims.CONTEXT, claims.CUSTOM, claims.DEEP_LINKING_SETTINGS, claims.LAUNCH_PRESENTATION,
    claims.TOOL_PLATFORM, claims.AGS_ENDPOINT, claims.NRPS_SERVICE,
]


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)
header_objects = st.fixed_dictionaries(
    {}, optional={"alg": st.sampled_from(["RS256", "none", "HS256", "RS512"]) | json_values,
                  "kid": st.sampled_from(["platform-key-1", "x"]) | json_values},
)
payload_objects = st.dictionaries(
    st.sampled_from(["iss", "aud", "azp", "exp", "iat", "nonce", "sub"]) | st.text(max_size=10),
    json_values,
    max_size=8,
)


def only_launch_errors(world: World, token: str) -> None:
    try:
        validate_launch(token, world.state(), registrations=world.registrations, keys=world.keys,
                        states=world.states, clock=world.clock)
    except LaunchError:
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_random_text_gives_only_launch_errors(token: str) -> None:
    only_launch_errors(WORLD, token)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200), st.binary(max_size=50))
def test_random_bytes_in_each_segment_give_only_launch_errors(h: bytes, p: bytes, s: bytes) -> None:
    only_launch_errors(WORLD, f"{segment(h)}.{segment(p)}.{segment(s)}")


@settings(max_examples=300, deadline=None)
@given(header_objects, payload_objects, st.binary(min_size=1, max_size=300))
def test_random_json_claims_give_only_launch_errors(header: dict, payload: dict, signature: bytes) -> None:  # type: ignore[type-arg]
    token = ".".join([segment(json.dumps(header).encode()), segment(json.dumps(payload).encode()),
                      segment(signature)])
    only_launch_errors(WORLD, token)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(CLAIM_NAMES) | st.text(max_size=12), json_values, max_size=6))
def test_signed_tokens_with_random_claims_give_only_launch_errors(extra: dict) -> None:  # type: ignore[type-arg]
    world = WORLD
    payload = {**world.payload(), **extra}
    world.states.nonces.clear()  # reach the claim checks after the nonce every time
    only_launch_errors(world, world.token(payload))
