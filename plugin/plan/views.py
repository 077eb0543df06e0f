"""Learner pages: the week's plan and its settings, "what next", and the private calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from plugin.db import utcnow
from plugin.launch.access import require_launch
from plugin.plan import handlers  # noqa: F401  (subscribes completions and minutes)
from plugin.plan.ical import plan_calendar
from plugin.plan.services import (
    PlanInvalid,
    get_plan,
    new_feed_token,
    plan_for_feed,
    recommendations,
    revoke_feed,
    save_plan,
    week_plan,
)
from plugin.skills.services import learner_role
from plugin.skills.web import install, learner
from plugin.web.context import db, runtime
from plugin.web.csrf import check_csrf
from plugin.web.numbers import whole_number

bp = Blueprint("plan", __name__, template_folder="templates")
install(bp)

DAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}


def _page(feed_url: str | None = None, problem: str | None = None, status: int = 200,
          typed: dict[str, Any] | None = None) -> tuple[str, int]:
    """The plan page; ``typed``: settings the learner sent that were refused, shown again to correct."""
    viewer = learner()
    session = db()
    plan = get_plan(session, viewer.platform_id, viewer.user_id)
    settings = typed or {"weekly_minutes": plan.weekly_minutes, "days": plan.days, "slot": plan.slot,
                         "timezone": plan.timezone}
    return render_template("plan/plan.html", plan=plan, settings=settings,
                           week=week_plan(session, viewer.platform_id, viewer.user_id), day_names=DAY_NAMES,
                           feed_url=feed_url, problem=problem), status


@bp.get("/plan")
@require_launch
def page() -> tuple[str, int]:
    return _page()


@bp.post("/plan")
@require_launch
def save() -> BaseResponse | tuple[str, int]:
    check_csrf()
    viewer = learner()
    form = request.form
    days = [d for d in map(whole_number, form.getlist("days")) if d is not None]
    try:
        save_plan(db(), viewer.platform_id, viewer.user_id,
                  weekly_minutes=whole_number(form.get("weekly_minutes", "").strip()), days=days,
                  slot=form.get("slot", ""), timezone=form.get("timezone", "UTC").strip())
    except PlanInvalid as exc:
        db().rollback()
        typed = {"weekly_minutes": form.get("weekly_minutes", ""), "slot": form.get("slot", ""), "days": days,
                 "timezone": form.get("timezone", "")}
        return _page(problem=str(exc), status=400, typed=typed)
    db().commit()
    return redirect(url_for("plan.page", lt=request.form.get("lt", "")), 303)


@bp.get("/plan/next")
@require_launch
def next_up() -> str:
    viewer = learner()
    session = db()
    budget = whole_number(request.args.get("minutes"), low=1, high=240)
    return render_template("plan/next.html", recs=recommendations(session, viewer.platform_id, viewer.user_id,
                                                                  minutes=budget),
                           minutes=budget, role=learner_role(session, viewer.platform_id, viewer.user_id))


@bp.post("/plan/calendar")
@require_launch
def calendar_link() -> tuple[str, int]:
    """A new private calendar URL, shown once; the previous one stops working."""
    check_csrf()
    viewer = learner()
    token = new_feed_token(db(), viewer.platform_id, viewer.user_id)
    db().commit()
    return _page(feed_url=runtime().config.url(url_for("plan.feed", token=token)))


@bp.post("/plan/calendar/revoke")
@require_launch
def calendar_revoke() -> BaseResponse:
    check_csrf()
    viewer = learner()
    revoke_feed(db(), viewer.platform_id, viewer.user_id)
    db().commit()
    return redirect(url_for("plan.page", lt=request.form.get("lt", "")), 303)


@bp.get("/plan/calendar/<token>.ics")
def feed(token: str) -> Response:
    """The private feed: the token is the only credential (calendar apps cannot log in)."""
    session = db()
    plan = plan_for_feed(session, token)
    if plan is None:
        abort(404, description="This calendar link is not valid any more. Make a new one on your Skillbite plan.")
    now = utcnow()
    week = week_plan(session, plan.platform_id, plan.user_id, now)
    base = runtime().config.url("/")
    body = plan_calendar(week, uid_prefix=f"skillbite-plan-{plan.platform_id}-{plan.user_id}",
                         host=urlsplit(base).hostname or "skillbite", now=now)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="skillbite-plan.ics"'
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Last-Modified"] = now.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
