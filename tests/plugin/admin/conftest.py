"""Fixtures of the admin console tests: two tenants with data, a local admin, LMS administrators."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from plugin.admin import accounts
from plugin.credentials.achievements import upsert_achievement
from plugin.credentials.services import Evidence, award_credential
from plugin.db import utcnow
from plugin.launch.models import LaunchSession, User
from plugin.launch.tokens import issue_token
from plugin.outbox.models import OutboxMessage, Status
from plugin.outbox.services import NewMessage, enqueue_many
from plugin.platforms.services import add_platform
from plugin.web.csrf import csrf_for
from plugin.xapi.models import LrsDestination, XapiStatement

PASSWORD = "correct horse battery staple"
EMAIL = "it-admin@example.com"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny costs: the production parameters are tested once, in test_accounts."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "HASHER", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("not a password"))


@dataclass
class Tenant:
    platform_id: int
    name: str
    user_id: int
    credential_id: str
    parked_id: int
    lrs_id: int


def _tenant(session: Any, box: Any, letter: str) -> Tenant:
    host = f"https://lms-{letter.lower()}.example.com"
    platform = add_platform(session, issuer=host, client_id=f"client-{letter}", auth_login_url=f"{host}/auth",
                            auth_token_url=f"{host}/token", key_set_url=f"{host}/jwks",
                            deployment_ids=(f"dep-{letter}",), name=f"Tenant {letter}")
    session.flush()
    user = User(platform_id=platform.id, subject=f"learner-{letter}", name=f"Learner {letter}",
                email=f"learner.{letter.lower()}@example.com")
    session.add(user)
    session.flush()
    now = utcnow()
    session.add(LaunchSession(id=f"learner-launch-{letter}", platform_id=platform.id, deployment_id=f"dep-{letter}",
                              user_pk=user.id, role="learner", message_type="LtiResourceLinkRequest",
                              created_at=now, expires_at=now + dt.timedelta(hours=1)))
    achievement = upsert_achievement(session, platform.id, "safety", name=f"Safety badge {letter}",
                                     description="Knows the safety rules.", criteria_narrative="Finish the course.")
    session.flush()
    credential = award_credential(session, user, achievement,
                                  Evidence(course_title="Safety", completed_at=now, score=0.9,
                                           course_url=f"{host}/course/7", course_version_id=7))
    statement = {"id": str(uuid.uuid4()), "actor": {"account": {"homePage": host, "name": user.subject}},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
                 "object": {"id": f"https://skillbite.test/course/{letter}"}, "timestamp": now.isoformat()}
    session.add(XapiStatement(id=statement["id"], platform_id=platform.id, user_id=user.id, verb="completed",
                              course_iri=f"https://skillbite.test/course/{letter}",
                              object_iri=statement["object"]["id"],
                              timestamp=now, statement=json.dumps(statement)))
    enqueue_many(session, [NewMessage(kind="xapi", destination=f"xapi:platform/{platform.id}",
                                      key=f"parked-{letter}", payload={"n": letter}, platform_id=platform.id)])
    session.flush()
    parked = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.key == f"parked-{letter}"))
    parked.status, parked.last_error = Status.PARKED.value, f"LRS of {letter} refused the credentials (HTTP 401)"
    parked.finished_at = now
    lrs = LrsDestination(name=f"LRS {letter}", endpoint=f"http://127.0.0.1:9/{letter}/", username="key",
                         password_sealed=box.seal(b"secret"), platform_id=platform.id)
    session.add(lrs)
    session.flush()
    return Tenant(platform.id, platform.name, user.id, credential.public_id, parked.id, lrs.id)


@pytest.fixture
def tenants(app: Any, runtime: Any) -> tuple[Tenant, Tenant]:
    with app.app_context(), runtime.sessions() as session, session.begin():
        return _tenant(session, runtime.box, "A"), _tenant(session, runtime.box, "B")


@pytest.fixture
def admin_account(runtime: Any) -> str:
    with runtime.sessions() as session, session.begin():
        accounts.create_admin(session, EMAIL, PASSWORD)
    return EMAIL


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a CSRF field"
    return found.group(1)


def sign_in(client: Any, email: str = EMAIL, password: str = PASSWORD, **kwargs: Any) -> Any:
    token = csrf_in(client.get("/admin/login", **kwargs).get_data(as_text=True))
    return client.post("/admin/login", data={"csrf": token, "email": email, "password": password}, **kwargs)


@pytest.fixture
def local(app: Any, admin_account: str) -> Any:
    """A test client signed in as a local admin; ``local.csrf`` is its form token."""
    client = app.test_client()
    assert sign_in(client).status_code == 303
    client.csrf = csrf_in(client.get("/admin/").get_data(as_text=True))
    return client


@dataclass
class LtiAdmin:
    client: Any
    token: str
    csrf: str

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, query_string={"lt": self.token, **kwargs.pop("query_string", {})}, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"lt": self.token, "csrf": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def lti_admin(app: Any, runtime: Any) -> Callable[..., LtiAdmin]:
    """An LMS administrator's launch on a platform, as the console sees it (token in every request)."""

    def make(platform_id: int, role: str = "admin") -> LtiAdmin:
        session_id = f"admin-launch-{uuid.uuid4().hex[:8]}"
        with runtime.sessions() as session, session.begin():
            session.add(LaunchSession(id=session_id, platform_id=platform_id, deployment_id="d", role=role,
                                      message_type="LtiResourceLinkRequest",
                                      expires_at=utcnow() + dt.timedelta(hours=1)))
        with app.test_request_context():
            token, csrf = issue_token(session_id), csrf_for(session_id)
        return LtiAdmin(app.test_client(), token, csrf)

    return make
