"""Fixtures of the protocol library tests."""

from __future__ import annotations

import pytest

from tests.lti.platform_fixture import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
