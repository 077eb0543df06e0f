"""Team insights: a learner who has never learnt anything is flagged once they have been idle long enough."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from plugin.db import transaction
from plugin.skills.insights import role_insights
from plugin.skills.models import LearnerRole, RoleProfile
from tests.plugin.skills.support import give_role


def stuck_reasons(app, platform_id: int, today: dt.date) -> dict[str, str]:
    with transaction(app.extensions["skillbite"].sessions) as session:
        role = session.scalar(sa.select(RoleProfile).where(RoleProfile.key == "team-lead"))
        assert role is not None
        return {s.name: s.reason for s in role_insights(session, platform_id, role, today=today).stuck}


def chose_role_days_ago(app, platform_id: int, user_id: int, days: int) -> None:
    with transaction(app.extensions["skillbite"].sessions) as session:
        session.execute(sa.update(LearnerRole).where(LearnerRole.platform_id == platform_id,
                                                     LearnerRole.user_id == user_id)
                        .values(chosen_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))


def test_a_learner_who_never_learnt_is_flagged_14_days_after_choosing_the_role(app, launch_as, demo_skills):
    nora = launch_as("never", name="Nora Never")
    give_role(app, nora.platform_id, nora.user_id)
    chose_role_days_ago(app, nora.platform_id, nora.user_id, 20)
    reasons = stuck_reasons(app, nora.platform_id, dt.datetime.now(dt.UTC).date())
    assert "no learning in the 20 days since choosing the role" in reasons["Nora Never"]


def test_a_learner_who_chose_the_role_recently_is_not_flagged(app, launch_as, demo_skills):
    nick = launch_as("new", name="Nick New")
    give_role(app, nick.platform_id, nick.user_id)
    chose_role_days_ago(app, nick.platform_id, nick.user_id, 3)
    assert "Nick New" not in stuck_reasons(app, nick.platform_id, dt.datetime.now(dt.UTC).date())
