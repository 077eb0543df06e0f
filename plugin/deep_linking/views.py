"""The Deep Linking 2.0 picker: what an LtiDeepLinkingRequest launch opens, and the signed answer to it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from lti.deep_linking import LTI_RESOURCE_LINK, accepted_types, accepts_multiple
from plugin.catalog.services import CourseNotFound, course_by_slug
from plugin.deep_linking.services import (
    DURATIONS,
    Filters,
    PickerError,
    filter_options,
    is_deep_linking,
    pathways,
    request_message,
    respond,
    search_catalog,
)
from plugin.deep_linking.targets import Target
from plugin.keys.services import DatabaseToolKeys
from plugin.launch.access import current_launch, require_launch
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import token_from_request
from plugin.progress.services import load_version
from plugin.web.context import db, runtime
from plugin.web.csrf import check_csrf, csrf_for
from plugin.web.numbers import whole_number

bp = Blueprint("deep_linking", __name__, template_folder="templates")
STAFF_ROLES = ("instructor", "admin")


def _picker_launch() -> LaunchSession:
    launch = current_launch()
    assert launch is not None
    if not is_deep_linking(launch):
        abort(400, description="The content picker opens from the LMS, when an instructor adds Skillbite "
                               "content to a course (the 'add activity' or 'external tool' placement).")
    if launch.role not in STAFF_ROLES:
        abort(403, description="Only instructors and course designers can add Skillbite content to a course. "
                               "If you are one, ask your LMS administrator to check your role in this course.")
    return launch


def _filters() -> Filters:
    minutes = whole_number(request.args.get("max_minutes"))
    return Filters(query=request.args.get("q", "").strip()[:200], skill=request.args.get("skill", "")[:200],
                   language=request.args.get("language", "")[:35],
                   max_minutes=minutes if minutes in DURATIONS else None)


def _page(launch: LaunchSession, problem: str | None = None, status: int = 200) -> tuple[str, int]:
    session = db()
    filters = _filters()
    skills, languages = filter_options(session, launch.platform_id)
    message = request_message(launch)
    offered = LTI_RESOURCE_LINK in accepted_types(message)
    return render_template(
        "deep_linking/picker.html", filters=filters, skills=skills, languages=languages, durations=DURATIONS,
        courses=search_catalog(session, launch.platform_id, filters) if offered else [],
        pathways=pathways(session, launch.platform_id, filters) if offered else [],
        multiple=accepts_multiple(message), offered=offered, problem=problem,
        settings=launch.services.get("deep_linking", {}), lt=token_from_request() or "",
        csrf_value=csrf_for(launch.id)), status


@bp.get("/deep-linking")
@require_launch
def picker() -> tuple[str, int]:
    return _page(_picker_launch())


@bp.get("/deep-linking/preview/<slug>")
@require_launch
def preview(slug: str) -> str:
    launch = _picker_launch()
    try:
        course = course_by_slug(db(), slug, launch.platform_id)
    except CourseNotFound:
        abort(404, description=f"There is no course {slug!r} in the catalog.")
    assert course.latest_version_id is not None
    return render_template("deep_linking/preview.html", course=course,
                           version=load_version(db(), course.latest_version_id), lt=token_from_request() or "")


@bp.post("/deep-linking")
@require_launch
def choose() -> BaseResponse | tuple[str, int] | str:
    """Sign the choice and hand it to the browser, which posts it to the platform (Deep Linking 2.0 §4.2)."""
    check_csrf()
    launch = _picker_launch()
    cancelled = "cancel" in request.form
    chosen = [] if cancelled else [Target.parse(value) for value in request.form.getlist("choice")]
    if any(target is None for target in chosen):
        abort(400, description="That choice is not one the picker offered. Reload the picker and pick again.")
    targets = [t for t in chosen if t is not None]
    if not cancelled and not targets:
        return _page(launch, problem="Choose at least one item, or cancel.", status=400)
    if len(targets) > 1 and not accepts_multiple(request_message(launch)):
        return _page(launch, problem="This LMS placement takes one item: choose one.", status=400)
    try:
        return_url, jwt = respond(db(), launch, targets, DatabaseToolKeys(db(), runtime().box).signing_key())
    except PickerError as exc:
        return _page(launch, problem=str(exc), status=400)
    db().commit()  # a key made on first use is kept
    return render_template("deep_linking/return.html", action=return_url, jwt=jwt, count=len(targets))
