"""Fixtures of the protocol library tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from lti.storage import SigningKey
from lti.tool_keys import generate_rsa_private_key_pem, key_id_for
from tests.lti.ags_server import Services, StrictPlatform, make_services
from tests.lti.memory import FakeClock, MemoryToolKeys
from tests.lti.platform_fixture import CLIENT_ID, World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture(scope="session")
def tool_key() -> SigningKey:
    pem = generate_rsa_private_key_pem()
    return SigningKey(key_id_for(pem), pem)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=time.time())


@pytest.fixture
def platform(tool_key: SigningKey, clock: FakeClock) -> Iterator[StrictPlatform]:
    with StrictPlatform(MemoryToolKeys(tool_key).public_jwks(), CLIENT_ID, clock) as running:
        yield running


@pytest.fixture
def services(platform: StrictPlatform, clock: FakeClock, tool_key: SigningKey) -> Services:
    return make_services(platform, clock, MemoryToolKeys(tool_key))
