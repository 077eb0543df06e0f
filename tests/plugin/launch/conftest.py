"""Fixtures of the launch integration tests: a StrictPlatform registered with the in-process tool, and
the browser between them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.plugin.player.launches import launch_as  # noqa: F401 (a fixture)
from tests.support.browser import FlaskClientBrowser
from tests.support.platform import StrictPlatform

from .helpers import TOOL_BASE, register


@pytest.fixture
def browser(client: Any) -> FlaskClientBrowser:
    return FlaskClientBrowser(client, TOOL_BASE)


@pytest.fixture
def platform(strict_platform: Callable[..., StrictPlatform], runtime: Any) -> StrictPlatform:
    """A StrictPlatform with deployments dep-1 and dep-2, registered with the tool."""
    made = strict_platform(tool_base=TOOL_BASE, deployment_ids=("dep-1", "dep-2"))
    register(runtime, made)
    return made
