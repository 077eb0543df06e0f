"""Learner skills page (role, self-assessment, evidence from quizzes) and the L&D view with tenant isolation."""

from __future__ import annotations

import sqlalchemy as sa

from lti.message import Role
from plugin.skills.models import SkillEstimate
from tests.plugin.player.launches import make_platform
from tests.plugin.skills.support import csrf_of, give_role, role_id


def test_learner_chooses_a_role_and_sees_gaps_largest_first(client, launch_as, demo_skills, app):
    learner = launch_as("amy")
    page = client.get("/skills", query_string=learner.q())
    assert page.status_code == 200 and "Team lead" in page.text
    assert '<option value="" selected>Choose a role…</option>' in page.text  # no role is shown as chosen
    assert client.post("/skills/role", data={"lt": learner.token, "csrf": csrf_of(page.text),
                                             "role": ""}).status_code == 400
    saved = client.post("/skills/role", data={"lt": learner.token, "csrf": csrf_of(page.text),
                                              "role": role_id(app, learner.platform_id, "team-lead")})
    assert saved.status_code == 303
    page = client.get("/skills", query_string=learner.q())
    assert "Where I stand as Team lead" in page.text and "Choose a role…" not in page.text
    # Prior 0.1 → estimate 0.4; the two targets of 3 leave the largest gaps (2.6) and come first.
    assert page.text.index("Active listening") < page.text.index("Recognising good work")
    assert "no rating of your own yet → level 0.4 of 4 (10 % likely you master it)" in page.text


def test_self_assessment_changes_the_estimate(client, launch_as, demo_skills, app, runtime):
    learner = launch_as("ben")
    give_role(app, learner.platform_id, learner.user_id)
    page = client.get("/skills", query_string=learner.q())
    with runtime.sessions() as s:
        from plugin.skills.models import Skill
        feedback = s.scalar(sa.select(Skill.id).where(Skill.code == "feedback"))
    client.post("/skills/self-assessment", data={"lt": learner.token, "csrf": csrf_of(page.text),
                                                 f"skill-{feedback}": "2"})
    with runtime.sessions() as s:
        row = s.get(SkillEstimate, (learner.platform_id, learner.user_id, feedback))
    assert row.self_level == 2 and row.p_known == 0.5
    page = client.get("/skills", query_string=learner.q())
    assert "your own rating 2 → level 2.0 of 4 (50 % likely you master it)" in page.text


def test_quiz_answers_in_the_player_are_evidence(client, launch_as, demo_skills, app, runtime):
    learner = launch_as("cy")
    give_role(app, learner.platform_id, learner.user_id)
    page = client.get(f"/learn/c/{demo_skills}/n/why-feedback", query_string=learner.q())
    client.post(f"/learn/c/{demo_skills}/n/why-feedback/answers", query_string=learner.q(),
                data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    with runtime.sessions() as s:
        rows = list(s.scalars(sa.select(SkillEstimate).where(SkillEstimate.user_id == learner.user_id)))
    assert [(r.answers_right, r.answers_wrong, r.nuggets_done) for r in rows] == [(1, 0, 1)]
    assert rows[0].p_known > 0.1


def test_learners_cannot_open_the_team_view(client, launch_as, demo_skills):
    learner = launch_as("dee")
    assert client.get("/skills/insights", query_string=learner.q()).status_code == 403


def test_team_view_shows_only_the_viewers_platform(client, launch_as, demo_skills, app):
    ours = launch_as("eve", name="Eve Ours")
    theirs_platform = make_platform(app)
    theirs = launch_as("fay", platform_id=theirs_platform, name="Fay Theirs")
    give_role(app, ours.platform_id, ours.user_id)
    give_role(app, theirs_platform, theirs.user_id)
    lead = launch_as("boss", role=Role.INSTRUCTOR, name="Boss")
    page = client.get("/skills/insights", query_string=lead.q(scope="platform"))
    assert page.status_code == 200
    assert "Eve Ours" in page.text and "Fay Theirs" not in page.text
    assert "1 learner)" in page.text
    other_lead = launch_as("boss2", role=Role.INSTRUCTOR, platform_id=theirs_platform)
    page = client.get("/skills/insights", query_string=other_lead.q(scope="platform"))
    assert "Fay Theirs" in page.text and "Eve Ours" not in page.text


def test_team_view_heatmap_has_a_cell_per_skill_and_a_chart(client, launch_as, demo_skills, app):
    learner = launch_as("gus", name="Gus")
    give_role(app, learner.platform_id, learner.user_id)
    lead = launch_as("lead", role=Role.INSTRUCTOR)
    page = client.get("/skills/insights", query_string=lead.q())
    assert page.text.count('class="gap-5"') >= 2  # 2.6 levels of gap on both target-3 skills
    assert '<svg class="bars"' in page.text and "Minutes learnt per week" in page.text
