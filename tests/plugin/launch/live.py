"""Fixtures of the tests that run over real HTTP: a browser with a cookie jar, and a strict LMS that
knows the live server's address (import them into the test module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import RequestsBrowser


@pytest.fixture
def browser() -> Iterator[RequestsBrowser]:
    made = RequestsBrowser()
    yield made
    made.close()


@pytest.fixture
def lms(strict_platform: Any, live_server: Any) -> Any:
    return strict_platform(tool_base=live_server.url)
