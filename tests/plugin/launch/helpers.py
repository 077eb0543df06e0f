"""Helpers of the launch integration tests: registering a test platform, counting records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from lti.storage import DeploymentPolicy
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.platforms.services import add_platform

TOOL_BASE = "http://localhost"  # the ``config`` fixture's base_url
LAUNCH_RECORDS = (User, LmsContext, ResourceLink, LaunchSession)


def register(runtime: Any, platform: Any, *, deployment_ids: Iterable[str] | None = None,
             policy: DeploymentPolicy = DeploymentPolicy.KNOWN_ONLY) -> int:
    """Register ``platform`` (a StrictPlatform or ThirdPartyPlatform) with the tool; its platform id."""
    with runtime.sessions() as s, s.begin():
        row = add_platform(s, issuer=platform.issuer, client_id=platform.client_id,
                           auth_login_url=platform.auth_login_url, auth_token_url=platform.auth_token_url,
                           key_set_url=platform.jwks_url,
                           deployment_ids=platform.deployment_ids if deployment_ids is None else deployment_ids,
                           deployment_policy=policy)
        s.flush()
        return int(row.id)


def count(runtime: Any, model: type, **where: object) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where)) or 0)


def rows(runtime: Any, model: type, **where: object) -> list[Any]:
    with runtime.sessions() as s:
        return list(s.scalars(sa.select(model).filter_by(**where)))


def launch_records(runtime: Any) -> dict[str, int]:
    """How many of each launch record exist: what a rejected launch must leave untouched."""
    return {m.__name__: count(runtime, m) for m in LAUNCH_RECORDS}


def follow(browser: Any, response: Any, base: str = TOOL_BASE, hops: int = 5) -> Any:
    """Follow the tool's 303 after a launch, and the redirects after it, to the first page."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    for _ in range(hops):
        if response.status_code not in (301, 302, 303, 307):
            return response
        location = response.headers["Location"]
        response = browser.get(base + location if location.startswith("/") else location)
    raise AssertionError(f"more than {hops} redirects after the launch")
