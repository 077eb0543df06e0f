"""The instructor's view of an LMS course: its learners and who has not started or finished, per course."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from plugin.launch.access import current_launch, require_launch
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import token_from_request
from plugin.roster.services import COMPLETED, IN_PROGRESS, NOT_STARTED, context_roster, request_sync
from plugin.web.context import db
from plugin.web.csrf import check_csrf, csrf_for

bp = Blueprint("roster", __name__, template_folder="templates")
STAFF_ROLES = ("instructor", "admin")


def _staff_launch() -> LaunchSession:
    launch = current_launch()
    assert launch is not None
    if launch.role not in STAFF_ROLES:
        abort(403, description="This view is for the instructors of the LMS course.")
    if launch.context_pk is None:
        abort(400, description="This launch came from outside an LMS course, so there is no course roster to "
                               "show. Open Skillbite from inside the course.")
    return launch


@bp.get("/roster")
@require_launch
def members() -> str:
    launch = _staff_launch()
    roster = context_roster(db(), launch.platform_id, launch.context_pk or 0)
    return render_template("roster/members.html", roster=roster, context=launch.context,
                           has_service=bool(launch.services.get("nrps")), requested=request.args.get("requested"),
                           statuses=(NOT_STARTED, IN_PROGRESS, COMPLETED), lt=token_from_request() or "",
                           csrf_value=csrf_for(launch.id))


@bp.post("/roster/refresh")
@require_launch
def refresh() -> BaseResponse:
    """Ask the worker for a fresh roster now (the page never waits for the LMS)."""
    check_csrf()
    launch = _staff_launch()
    if not launch.services.get("nrps"):
        abort(400, description="Your LMS did not offer its roster service (NRPS) with this launch. Ask your LMS "
                               "administrator to enable 'names and roles' for Skillbite.")
    request_sync(db(), launch, force=True)
    db().commit()
    return redirect(url_for("roster.members", lt=token_from_request() or "", requested=1), code=303)
