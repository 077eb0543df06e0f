"""Platform keys: cached, re-fetched once on rotation, rate limited (Security Framework 1.0 §6.3)."""

from __future__ import annotations

import pytest

from lti.errors import LaunchError
from tests.lti.platform_fixture import JWKS_URL, World, platform_key


def test_key_set_is_fetched_once_and_then_cached(world: World) -> None:
    world.keys.public_key(world.registration, world.key.kid)
    world.keys.public_key(world.registration, world.key.kid)
    assert world.http.gets == [JWKS_URL]


def test_rotated_key_is_found_after_one_refetch(world: World) -> None:
    world.keys.public_key(world.registration, world.key.kid)
    new = platform_key("platform-key-2")
    world.http.documents[JWKS_URL] = {"keys": [new.jwk()]}
    world.clock.now += 11

    key = world.keys.public_key(world.registration, new.kid)

    assert key.public_numbers() == new.private.public_key().public_numbers()
    assert world.http.gets == [JWKS_URL, JWKS_URL]


def test_rotation_works_through_a_whole_launch(world: World) -> None:
    from tests.lti.test_lti_launch import launch

    launch(world, world.token())
    new = platform_key("platform-key-2")
    world.http.documents[JWKS_URL] = {"keys": [world.key.jwk(), new.jwk()]}
    world.clock.now += 30
    message = launch(world, world.token(world.payload(nonce="second"), key=new), world.state(nonce="second"))
    assert message.subject == "user-42"


def test_unknown_kid_refetch_is_rate_limited(world: World) -> None:
    world.keys.public_key(world.registration, world.key.kid)
    world.clock.now += 5  # less than min_refetch_seconds (10)
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, "never-published")
    assert caught.value.code == "unknown_kid"
    assert world.http.gets == [JWKS_URL]


def test_unknown_kid_after_refetch(world: World) -> None:
    world.keys.public_key(world.registration, world.key.kid)
    world.clock.now += 60
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, "never-published")
    assert caught.value.code == "unknown_kid"
    assert world.http.gets == [JWKS_URL, JWKS_URL]


def test_stale_key_set_is_refreshed_after_max_age(world: World) -> None:
    world.keys.public_key(world.registration, world.key.kid)
    world.clock.now += 24 * 3600 + 1
    world.keys.public_key(world.registration, world.key.kid)
    assert world.http.gets == [JWKS_URL, JWKS_URL]


def test_missing_kid_never_guesses_a_key(world: World) -> None:
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, None)
    assert caught.value.code == "missing_kid"
    assert world.http.gets == []


def test_unreachable_key_set_is_a_502_with_a_hint(world: World) -> None:
    del world.http.documents[JWKS_URL]
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, world.key.kid)
    assert caught.value.code == "key_set_unavailable"
    assert caught.value.status == 502
    assert "JWKS URL" in caught.value.hint


def test_document_that_is_not_a_key_set_is_unavailable(world: World) -> None:
    world.http.documents[JWKS_URL] = ["not", "a", "jwks"]
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, world.key.kid)
    assert caught.value.code == "key_set_unavailable"


@pytest.mark.parametrize(
    "override", [{"use": "enc"}, {"kty": "EC"}, {"alg": "RS512"}, {"n": "AA"}, {"n": 123}]
)
def test_only_rsa_signing_keys_are_considered(world: World, override: dict[str, str]) -> None:
    world.http.documents[JWKS_URL] = {"keys": [{**world.key.jwk(), **override}]}
    with pytest.raises(LaunchError) as caught:
        world.keys.public_key(world.registration, world.key.kid)
    assert caught.value.code == "unknown_kid"


def test_key_without_use_is_accepted(world: World) -> None:
    jwk = world.key.jwk()
    del jwk["use"]
    world.http.documents[JWKS_URL] = {"keys": [jwk]}
    assert world.keys.public_key(world.registration, world.key.kid) is not None
