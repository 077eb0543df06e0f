"""Launch sessions for player tests without an LTI platform: a Platform row, a LaunchMessage, a token."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lti.message import Context, LaunchMessage, ResourceLink, Role
from plugin.catalog.services import load_demo_course
from plugin.db import transaction
from plugin.launch.services import open_launch_session
from plugin.launch.tokens import issue_token
from plugin.platforms.services import add_platform

DEMO = "giving-useful-feedback"
_counter = itertools.count(1)


@dataclass
class Launch:
    token: str
    session_id: str
    platform_id: int
    user_id: int | None

    def q(self, **extra: Any) -> dict[str, Any]:
        return {"lt": self.token, **extra}


LaunchFactory = Callable[..., Launch]


def make_platform(app: Any, issuer: str | None = None) -> int:
    n = next(_counter)
    issuer = issuer or f"https://lms{n}.example.com"
    with transaction(app.extensions["skillbite"].sessions) as session:
        platform = add_platform(session, issuer=issuer, client_id=f"client-{n}",
                                auth_login_url=f"{issuer}/auth", auth_token_url=f"{issuer}/token",
                                key_set_url=f"{issuer}/jwks", deployment_ids=["d1"])
        session.flush()
        return platform.id


def launch_factory(app: Any) -> LaunchFactory:
    """launch(subject="learner-1", role=Role.LEARNER, platform_id=None, custom=None) -> Launch."""
    platforms: dict[str, int] = {}

    def make(subject: str | None = "learner-1", role: Role = Role.LEARNER, platform_id: int | None = None,
             custom: dict[str, str] | None = None, name: str = "Ada Learner") -> Launch:
        if platform_id is None:
            platform_id = platforms.setdefault("default", make_platform(app))
        with transaction(app.extensions["skillbite"].sessions) as session:
            from plugin.platforms.models import Platform

            platform = session.get(Platform, platform_id)
            assert platform is not None
            message = LaunchMessage(
                issuer=platform.issuer, client_id=platform.client_id, deployment_id="d1",
                message_type="LtiResourceLinkRequest", subject=subject, roles=(), role=role,
                target_link_uri="http://localhost/lti/launch", context=Context("course-1", "C1", "Course 1"),
                resource_link=ResourceLink(f"link-{next(_counter)}", "Feedback"), name=name if subject else None,
                custom=dict(custom or {}))
            launch = open_launch_session(session, message, dt.timedelta(hours=1))
            session_id, user_id = launch.id, launch.user_pk
        with app.test_request_context():
            token = issue_token(session_id)
        return Launch(token, session_id, platform_id, user_id)

    return make


@pytest.fixture
def launch_as(app: Any) -> LaunchFactory:
    return launch_factory(app)


@pytest.fixture
def demo_course(app: Any) -> str:
    with transaction(app.extensions["skillbite"].sessions) as session:
        load_demo_course(session)
    return DEMO
