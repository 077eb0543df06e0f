"""Learner pages (my skills: role, self-assessment, gaps) and the L&D view (gaps heatmap, progress, stuck)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from plugin.launch.access import require_launch
from plugin.skills import (
    handlers,  # noqa: F401  (subscribes the evidence handlers)
    scale,
)
from plugin.skills.insights import heat_class, role_insights
from plugin.skills.services import RoleNotFound, choose_role, learner_role, roles_for, self_assess, skill_gaps
from plugin.skills.web import install, learner, staff
from plugin.web.context import db
from plugin.web.csrf import check_csrf
from plugin.web.numbers import whole_number

bp = Blueprint("skills", __name__, template_folder="templates", static_folder="static",
               static_url_path="/skills/static")
install(bp)


@bp.get("/skills")
@require_launch
def my_skills() -> str:
    viewer = learner()
    session = db()
    return render_template("skills/mine.html", role=learner_role(session, viewer.platform_id, viewer.user_id),
                           roles=roles_for(session, viewer.platform_id), levels=scale.LEVELS,
                           gaps=skill_gaps(session, viewer.platform_id, viewer.user_id))


@bp.post("/skills/role")
@require_launch
def pick_role() -> Response:
    check_csrf()
    viewer = learner()
    role_id = whole_number(request.form.get("role")) or 0  # 0, like any id no row has: RoleNotFound
    try:
        choose_role(db(), viewer.platform_id, viewer.user_id, role_id)
    except RoleNotFound:
        abort(400, description="Choose one of the roles listed on the page.")
    db().commit()
    return redirect(url_for("skills.my_skills", lt=request.form.get("lt", "")), 303)


@bp.post("/skills/self-assessment")
@require_launch
def save_self_assessment() -> Response:
    check_csrf()
    viewer = learner()
    session = db()
    role = learner_role(session, viewer.platform_id, viewer.user_id)
    if role is None:
        abort(400, description="Choose your target role first.")
    levels: dict[int, int | None] = {}
    for req in role.requirements:
        raw = request.form.get(f"skill-{req.skill_id}", "")
        if raw in ("1", "2", "3", "4"):
            levels[req.skill_id] = int(raw)
        elif raw == "":
            levels[req.skill_id] = None
        else:
            abort(400, description="Choose a level from 1 to 4, or leave a skill unrated.")
    self_assess(session, viewer.platform_id, viewer.user_id, levels)
    session.commit()
    return redirect(url_for("skills.my_skills", lt=request.form.get("lt", "")), 303)


@bp.get("/skills/insights")
@require_launch
def insights() -> str:
    viewer = staff()
    session = db()
    roles = roles_for(session, viewer.platform_id)
    chosen = next((r for r in roles if str(r.id) == request.args.get("role")), roles[0] if roles else None)
    whole_platform = request.args.get("scope") == "platform" or viewer.launch.context_pk is None
    data = None
    if chosen is not None:
        data = role_insights(session, viewer.platform_id, chosen,
                             None if whole_platform else viewer.launch.context_pk)
    return render_template("skills/insights.html", roles=roles, chosen=chosen, data=data, heat_class=heat_class,
                           whole_platform=whole_platform, context=viewer.launch.context)
