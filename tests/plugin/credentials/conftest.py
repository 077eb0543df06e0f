"""Fixtures for credentials: a tenant with a learner, an achievement, and the issuer settings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from plugin.credentials.achievements import upsert_achievement
from plugin.credentials.issuer import IssuerSettings, did_web_document
from plugin.credentials.models import Achievement, IssuedCredential, StatusList
from plugin.credentials.services import Evidence, award_credential
from plugin.db import utcnow
from plugin.launch.models import User
from plugin.platforms.services import add_platform
from tests.support import vc_verifier

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SCHEMA = SHARED / "specs" / "ob3" / "ob_v3p0_achievementcredential_schema.json"


@dataclass
class Tenant:
    platform_id: int
    user_id: int
    achievement_id: int


@pytest.fixture
def settings(runtime: Any) -> IssuerSettings:
    return IssuerSettings.from_config(runtime.config, runtime.box)


@pytest.fixture
def tenant(runtime: Any) -> Tenant:
    with runtime.sessions() as session, session.begin():
        platform = add_platform(session, issuer="https://lms.example.com", client_id="skillbite",
                                auth_login_url="https://lms.example.com/auth",
                                auth_token_url="https://lms.example.com/token",
                                key_set_url="https://lms.example.com/jwks", deployment_ids=("d1",),
                                name="Acme Corp")
        user = User(platform_id=platform.id, subject="learner-1", name="Ada Lovelace", email="Ada@Example.com")
        session.add(user)
        achievement = upsert_achievement(
            session, platform.id, "fire-safety", name="Fire Safety Basics",
            description="Knows how to prevent, spot and report a fire at work.",
            criteria_narrative="Complete the Fire Safety course with a score of at least 80%.",
            alignments=[{"targetName": "Fire prevention", "targetUrl": "https://skills.example.com/fire",
                         "targetType": "ceasn:Competency", "targetFramework": "Acme skills"},
                        {"targetName": "Reporting", "targetUrl": "https://skills.example.com/report",
                         "targetType": "ext:SkillbiteSkill"}])
        session.flush()
        return Tenant(platform.id, user.id, achievement.id)


def evidence(score: float | None = 0.92) -> Evidence:
    return Evidence(course_title="Fire Safety", completed_at=utcnow(), score=score,
                    course_url="https://lms.example.com/course/7", course_version_id=7)


def issue(runtime: Any, settings: IssuerSettings, tenant: Tenant, **changes: Any) -> IssuedCredential:
    with runtime.sessions() as session, session.begin():
        achievement = session.get(Achievement, tenant.achievement_id)
        if changes:
            for key, value in changes.items():
                setattr(achievement, key, value)
        user = session.get(User, tenant.user_id)
        return award_credential(session, user, achievement, evidence(), settings)


def published(runtime: Any, settings: IssuerSettings) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """What a verifier could fetch from us: the DID document and every status list credential."""
    with runtime.sessions() as session:
        did = did_web_document(session, settings.base_url)
        lists = {doc["id"]: doc for doc in session.scalars(sa.select(StatusList.document)) if doc}
    return [did], lists


def js_verify(runtime: Any, settings: IssuerSettings, credential: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    if not vc_verifier.available():
        pytest.skip("node and node_modules/@digitalbazaar/vc are needed for the independent verifier")
    dids, lists = published(runtime, settings)
    return vc_verifier.verify_with_js(credential, kwargs.pop("did_documents", dids),
                                      kwargs.pop("status_lists", lists), **kwargs)


def later(days: int) -> str:
    return (utcnow() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ob3_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text())
    return data
