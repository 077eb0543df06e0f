"""Course management in the browser: instructors and admins upload packages and download exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from plugin.admin import audit
from plugin.catalog import import_receipt
from plugin.catalog.package import PackageInvalid
from plugin.catalog.services import CourseNotFound, export_zip, find_course, import_package, list_courses
from plugin.launch.access import current_launch, require_launch
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import token_from_request
from plugin.web.context import db
from plugin.web.csrf import check_csrf

bp = Blueprint("catalog", __name__, template_folder="templates")
AUTHORS = frozenset({"instructor", "admin"})


def _author() -> LaunchSession:
    launch = current_launch()
    if launch is None or launch.role not in AUTHORS:
        abort(403, description="Only instructors and administrators can manage courses. "
                               "Open Skillbite from your LMS as an instructor.")
    return launch


def _page(launch: LaunchSession, problems: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    courses = list_courses(db(), launch.platform_id)
    imported = import_receipt.unseal(db(), request.args.get("imported"), (c.id for c in courses))
    return render_template("catalog/manage.html", launch=launch, courses=courses, imported=imported,
                           problems=problems), status


@bp.route("/learn/manage", methods=["GET", "POST"])
@require_launch
def manage() -> tuple[str, int] | BaseResponse:
    """Post/Redirect/Get: an imported package answers 303 to this page showing what was imported, so a
    reload does not upload it again; a refused one answers 422 with every problem, and stores nothing."""
    launch = _author()
    if request.method == "GET":
        return _page(launch)
    check_csrf()
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        return _page(launch, problems=["Choose a .zip file of the course folder (the folder with course.yaml)."],
                     status=400)
    try:
        result = import_package(db(), upload.stream.read(), owner=launch.platform_id)
    except PackageInvalid as exc:
        db().rollback()
        return _page(launch, problems=[str(p) for p in exc.problems], status=422)
    if result.created:
        audit.record(db(), audit.launch_actor(launch), "course.imported",
                     f"{result.course.title} ({result.course.slug})", detail=f"version {result.version.number}",
                     platform_id=launch.platform_id)
    db().commit()
    # The launch token rides along: inside an LMS iframe there may be no cookie to carry the session.
    return redirect(url_for("catalog.manage", imported=import_receipt.seal(result),
                            lt=token_from_request()), code=303)


@bp.get("/learn/manage/<int:course_id>/export")
@require_launch
def export(course_id: int) -> Response:
    launch = _author()
    try:
        course = find_course(db(), str(course_id), launch.platform_id)
    except CourseNotFound:
        abort(404, description="No such course.")
    assert course.latest_version_id is not None
    response = Response(export_zip(db(), course.latest_version_id), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response
