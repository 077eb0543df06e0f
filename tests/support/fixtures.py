"""Pytest fixtures for the test platforms; import them into ``tests/conftest.py``:

    from tests.support.fixtures import strict_platform, third_party_platform  # noqa: F401

Each is a factory: call it with the constructor's keyword arguments to get a started platform; every
platform it made is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .lti1p3platform_peer import ThirdPartyPlatform
from .platform import StrictPlatform

StrictPlatformFactory = Callable[..., StrictPlatform]
ThirdPartyPlatformFactory = Callable[..., ThirdPartyPlatform]


@pytest.fixture
def strict_platform() -> Iterator[StrictPlatformFactory]:
    made: list[StrictPlatform] = []

    def make(**kwargs: Any) -> StrictPlatform:
        platform = StrictPlatform(**kwargs)
        made.append(platform)
        return platform.start()

    yield make
    for platform in reversed(made):
        platform.stop()


@pytest.fixture
def third_party_platform() -> Iterator[ThirdPartyPlatformFactory]:
    made: list[ThirdPartyPlatform] = []

    def make(**kwargs: Any) -> ThirdPartyPlatform:
        platform = ThirdPartyPlatform(**kwargs)
        made.append(platform)
        return platform.start()

    yield make
    for platform in reversed(made):
        platform.stop()
