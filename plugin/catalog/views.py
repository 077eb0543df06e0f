"""Course management in the browser: instructors and admins upload packages and download exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from plugin.admin import audit
from plugin.catalog.package import PackageInvalid
from plugin.catalog.services import CourseNotFound, export_zip, find_course, import_package, list_courses
from plugin.launch.access import current_launch, require_launch
from plugin.launch.models import LaunchSession
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


@bp.route("/learn/manage", methods=["GET", "POST"])
@require_launch
def manage() -> tuple[str, int] | str:
    launch = _author()
    result = problems = None
    status = 200
    if request.method == "POST":
        check_csrf()
        upload = request.files.get("package")
        if upload is None or not upload.filename:
            problems, status = ["Choose a .zip file of the course folder (the folder with course.yaml)."], 400
        else:
            try:
                result = import_package(db(), upload.stream.read(), owner=launch.platform_id)
                if result.created:
                    audit.record(db(), audit.launch_actor(launch), "course.imported",
                                 f"{result.course.title} ({result.course.slug})",
                                 detail=f"version {result.version.number}", platform_id=launch.platform_id)
                db().commit()
            except PackageInvalid as exc:
                db().rollback()
                problems, status = [str(p) for p in exc.problems], 422
    return render_template("catalog/manage.html", launch=launch, courses=list_courses(db(), launch.platform_id),
                           result=result, problems=problems), status


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
