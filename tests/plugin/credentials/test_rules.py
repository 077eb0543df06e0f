"""Award rules, achievement definitions and the revoke command."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from plugin.credentials.achievements import (
    AchievementError,
    achievements_for_course,
    link_achievement_to_course,
    upsert_achievement,
)
from plugin.credentials.models import Achievement, IssuedCredential
from plugin.db import utcnow
from plugin.events import LearningEvent, publish
from tests.plugin.credentials.conftest import issue


def _event(tenant: Any, kind: str, **fields: Any) -> LearningEvent:
    return LearningEvent(kind=kind, occurred_at=utcnow(), platform_id=tenant.platform_id, user_id=tenant.user_id,
                         course_version_id=42, **fields)


def _link(runtime: Any, tenant: Any, **rule: Any) -> None:
    with runtime.sessions() as session, session.begin():
        link_achievement_to_course(session, session.get(Achievement, tenant.achievement_id), course_version_id=42,
                                   course_slug="fire-safety", course_title="Fire Safety", **rule)


def _count(runtime: Any) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(IssuedCredential)) or 0)


def test_passing_a_linked_course_earns_its_achievement(app: Any, runtime: Any, tenant: Any) -> None:
    _link(runtime, tenant, rule="passed", min_score=0.8)
    with app.app_context(), runtime.sessions() as session, session.begin():
        publish(session, _event(tenant, "passed", success=True, completion=True, score_raw=9, score_max=10))
    assert _count(runtime) == 1


def test_a_score_below_the_rule_earns_nothing(app: Any, runtime: Any, tenant: Any) -> None:
    _link(runtime, tenant, rule="passed", min_score=0.8)
    with app.app_context(), runtime.sessions() as session, session.begin():
        publish(session, _event(tenant, "passed", success=True, score_raw=7, score_max=10))
    assert _count(runtime) == 0


def test_completion_without_mastery_does_not_meet_a_passed_rule(app: Any, runtime: Any, tenant: Any) -> None:
    _link(runtime, tenant, rule="passed")
    with app.app_context(), runtime.sessions() as session, session.begin():
        publish(session, _event(tenant, "completed", completion=True, success=False))
    assert _count(runtime) == 0


def test_completion_meets_a_completed_rule(app: Any, runtime: Any, tenant: Any) -> None:
    _link(runtime, tenant, rule="completed")
    with app.app_context(), runtime.sessions() as session, session.begin():
        publish(session, _event(tenant, "completed", completion=True))
        publish(session, _event(tenant, "completed", completion=True))
    assert _count(runtime) == 1


def test_achievements_for_course_reads_the_link_table(runtime: Any, tenant: Any) -> None:
    _link(runtime, tenant)
    with runtime.sessions() as session:
        assert [a.key for a in achievements_for_course(session, 42)] == ["fire-safety"]
        assert achievements_for_course(session, 43) == []


def test_upsert_updates_an_achievement_in_place(runtime: Any, tenant: Any) -> None:
    with runtime.sessions() as session, session.begin():
        again = upsert_achievement(session, tenant.platform_id, "fire-safety", name="Fire Safety 2",
                                   description="d", criteria_narrative="c", valid_for_days=365)
        assert again.id == tenant.achievement_id and again.valid_for_days == 365


@pytest.mark.parametrize("alignment, message", [
    ({"targetName": "X", "targetUrl": "https://x", "targetType": "Skill"}, "targetType"),
    ({"targetName": "X"}, "targetUrl"),
    ({"targetName": "X", "targetUrl": "https://x", "colour": "red"}, "Unknown alignment field"),
])
def test_alignments_follow_the_spec(runtime: Any, alignment: dict[str, str], message: str) -> None:
    with runtime.sessions() as session, pytest.raises(AchievementError, match=message):
        upsert_achievement(session, None, "k", name="n", description="d", criteria_narrative="c",
                           alignments=[alignment])


def test_cli_revokes_a_credential_with_a_reason(runtime: Any, settings: Any, tenant: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from plugin.cli import main

    credential = issue(runtime, settings, tenant)
    config = runtime.config
    monkeypatch.setenv("SKILLBITE_DATABASE_URL", config.database_url)
    monkeypatch.setenv("SKILLBITE_BASE_URL", config.base_url)
    monkeypatch.setenv("SKILLBITE_INSTANCE_PATH", str(config.instance_path))
    monkeypatch.setenv("SKILLBITE_MASTER_KEY", config.master_key)
    result = CliRunner().invoke(main, ["credential", "revoke", credential.document["id"], "--reason", "Fraud"])
    assert result.exit_code == 0, result.output
    with runtime.sessions() as session:
        row = session.get(IssuedCredential, credential.id)
        assert row.revoked_at is not None and row.revocation_reason == "Fraud"
    again = CliRunner().invoke(main, ["credential", "revoke", credential.public_id, "--reason", "Fraud"])
    assert again.exit_code != 0 and "already revoked" in again.output
