"""Helpers of the launch integration tests: registering a test platform, counting records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape
from typing import Any

import sqlalchemy as sa

from lti.storage import DeploymentPolicy
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.launch.views import STATE_COOKIE_PREFIX, STORAGE_FIELD
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


def launch_through_platform_storage(platform: Any, browser: Any) -> tuple[Any, Any]:
    """A launch whose login offered LTI Platform Storage (lti-cs-oidc 0.1) and whose state cookie the
    browser (a FlaskClientBrowser) then lost: (the tool's page asking the platform's storage for the
    state, the tool's answer once the form comes back with the state that storage gave)."""
    login = browser.post(platform.tool_login_url, platform.login_params(lti_storage_target="_parent"))
    assert login.status_code == 200, (login.status_code, login.text[:500])
    auth_url = re.search(r'data-next="([^"]+)"', login.text)
    assert auth_url, login.text[:1500]
    form = platform.authorize(unescape(auth_url.group(1)))
    browser.client.delete_cookie(STATE_COOKIE_PREFIX + form["state"], domain="localhost", path="/lti/")
    asking = platform.finish(browser, form)
    return asking, platform.finish(browser, {**form, STORAGE_FIELD: form["state"]})
