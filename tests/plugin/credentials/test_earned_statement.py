"""The xAPI statement of an award: stated on the badge (the achievement), the course its parent, and the
launch it was earned in as its LMS context (docs/xapi-profile.md, "earned")."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from plugin.catalog.services import course_by_slug
from plugin.credentials.issuer import IssuerSettings
from plugin.credentials.models import Achievement, IssuedCredential
from plugin.credentials.services import Evidence, achievement_url, award_credential, reissue_credential
from plugin.db import utcnow
from plugin.launch.models import User
from plugin.xapi import vocabulary as v
from plugin.xapi.models import XapiStatement
from tests.plugin.grades.support import SLUG, launch, load_course

from .conftest import Tenant


def _earned(runtime: Any) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        rows = session.scalars(sa.select(XapiStatement).where(XapiStatement.verb == "earned")
                               .order_by(XapiStatement.timestamp))
        return [json.loads(row.statement) for row in rows]


def _award(runtime: Any, settings: IssuerSettings, tenant: Tenant, launch_session_id: str | None,
           user_id: int) -> tuple[str, str]:
    """Award the tenant's achievement for the course; (achievement IRI, credential URL)."""
    with runtime.sessions() as session, session.begin():
        version_id = course_by_slug(session, SLUG).latest_version_id
        achievement = session.get(Achievement, tenant.achievement_id)
        user = session.get(User, user_id)
        assert achievement is not None and user is not None
        credential = award_credential(session, user, achievement,
                                      Evidence(course_title="Site safety", completed_at=utcnow(), score=1.0,
                                               course_version_id=version_id),
                                      settings, launch_session_id=launch_session_id)
        return achievement_url(settings, achievement), credential.document["id"]


def test_earned_is_stated_on_the_badge_with_the_course_as_parent(runtime: Any, settings: IssuerSettings,
                                                                 tenant: Tenant) -> None:
    load_course(runtime)
    who = launch(runtime, tenant.platform_id, subject="learner-1")
    badge, credential_url = _award(runtime, settings, tenant, who.session_id, who.user_id)

    [earned] = _earned(runtime)
    assert earned["object"]["id"] == badge
    definition = earned["object"]["definition"]
    assert definition["type"] == v.ACTIVITY_TYPES["badge"] == "http://activitystrea.ms/schema/1.0/badge"
    assert definition["name"] == {"und": "Fire Safety Basics"}
    assert definition["extensions"] == {v.BADGE_CLASS_EXTENSION: {"@id": badge}}
    course = f"{runtime.config.base_url}/xapi/activities/course/{SLUG}"
    context = earned["context"]["contextActivities"]
    assert [(p["id"], p["definition"]["type"]) for p in context["parent"]] == [(course, v.ACTIVITY_TYPES["course"])]
    assert v.OPEN_BADGES_RECIPE in [c["id"] for c in context["category"]]
    assert earned["result"]["extensions"][v.BADGE_ASSERTION_EXTENSION] == {"@id": credential_url}


def test_earned_in_a_launch_carries_its_lms_context_like_other_statements(runtime: Any, settings: IssuerSettings,
                                                                          tenant: Tenant) -> None:
    load_course(runtime)
    who = launch(runtime, tenant.platform_id, subject="learner-1", context_id="course-9")
    _award(runtime, settings, tenant, who.session_id, who.user_id)

    [earned] = _earned(runtime)
    grouping = [g["id"] for g in earned["context"]["contextActivities"]["grouping"]]
    assert grouping == [f"{runtime.config.base_url}/xapi/activities/lms-context/{tenant.platform_id}/course-9"]
    extensions = earned["context"]["extensions"]
    assert extensions[v.DEPLOYMENT_EXTENSION] == "d1"
    assert extensions[v.LMS_CONTEXT_EXTENSION] == "course-9"
    assert len(extensions[v.SESSION_EXTENSION]) == 36 and who.session_id not in json.dumps(earned)


def test_a_reissue_outside_a_launch_is_still_stated_on_the_badge(runtime: Any, settings: IssuerSettings,
                                                                 tenant: Tenant) -> None:
    load_course(runtime)
    badge, _ = _award(runtime, settings, tenant, None, tenant.user_id)
    with runtime.sessions() as session, session.begin():
        first = session.scalar(sa.select(IssuedCredential))
        assert first is not None
        reissue_credential(session, first, settings=settings)

    statements = _earned(runtime)
    assert len(statements) == 2
    for earned in statements:
        assert earned["object"]["id"] == badge
        assert earned["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/course/{SLUG}")
        assert set(earned["context"]["extensions"]) == {v.COURSE_VERSION_EXTENSION}  # no launch to name
