"""Console pages to run Skillbite: delivery health and replay, the statement log, credentials, content."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from plugin.admin import audit, operations, statement_log
from plugin.admin.access import console_page, console_url, local_only, viewer
from plugin.admin.blueprint import bp, page
from plugin.catalog import import_receipt
from plugin.catalog.package import PackageInvalid
from plugin.catalog.services import CourseNotFound, find_course, import_package, list_courses, owners
from plugin.credentials.services import CredentialError, revoke_credential
from plugin.outbox import services as outbox
from plugin.platforms.services import PlatformError, list_platforms
from plugin.web.context import db, runtime
from plugin.web.numbers import DATABASE_ID_MAX, whole_number
from plugin.xapi import services as xapi
from plugin.xapi.vocabulary import VERBS

# --- delivery health ------------------------------------------------------------------------------


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@bp.get("/delivery")
@console_page
def delivery() -> tuple[str, int]:
    health = outbox.delivery_health(db(), platform_id=viewer().platform_id, parked_limit=100)
    return page("delivery.html", health=health, age=_age)


@bp.post("/delivery/replay")
@console_page
def delivery_replay() -> BaseResponse | tuple[str, int]:
    raw = request.form.getlist("id")
    ids = [i for value in raw if (i := whole_number(value.strip())) is not None]
    if len(ids) != len(raw):  # not a number, or larger than any id: no parked message has it
        abort(400, description="Message ids are the numbers listed under Parked messages; go back, tick the "
                               "messages to send again and replay them.")
    kind = request.form.get("kind") or None
    every = request.form.get("all") == "1"
    if not ids and not every:
        health = outbox.delivery_health(db(), platform_id=viewer().platform_id, parked_limit=100)
        return page("delivery.html", 400, health=health, age=_age,
                    error="Tick the parked messages to send again, or choose “Replay every parked message”.")
    count = outbox.replay(db(), ids=None if every else ids, kind=kind, platform_id=viewer().platform_id)
    audit.record(db(), audit.console_actor(), "delivery.replayed", audit.replayed(count, kind, None if every else ids),
                 platform_id=viewer().platform_id)
    db().commit()
    return redirect(console_url("admin.delivery", done="replayed"), code=303)


# --- statement log --------------------------------------------------------------------------------

class BadFilter(ValueError):
    pass


NUL = "\x00"  # PostgreSQL text cannot hold it: a query comparing against it fails instead of matching nothing


def _no_nul(value: str, label: str) -> str:
    if NUL in value:
        raise BadFilter(f"{label} must not contain a NUL character (%00).")
    return value


def _shown(value: str) -> str:
    """A refused filter as the form shows it again: its NUL characters visible as \ufffd."""
    return value.replace(NUL, "\ufffd")


def _time(args: MultiDict[str, str], name: str, label: str) -> dt.datetime | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadFilter(f"{label} must be a date or time like 2025-01-31 or 2025-01-31T09:00.") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:  # in UTC now, as the log stores it: 0001-01-01T00:00+05:00 is before the first day Python can hold
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise BadFilter(f"{label} must be a date or time between the years 1 and 9999, "
                        f"like 2025-01-31 or 2025-01-31T09:00.") from None


def _statement_filter(args: MultiDict[str, str]) -> xapi.StatementFilter:
    verb = args.get("verb") or None
    if verb is not None and verb not in VERBS:
        raise BadFilter(f"Unknown verb {verb!r}; choose one from the list.")
    learner = _no_nul(args.get("learner", "").strip(), "Learner (LTI sub)")
    course = _no_nul(args.get("course", "").strip(), "Course IRI")
    return xapi.StatementFilter(platform_id=viewer().platform_id, learner=learner or None,
                                verb=verb, course_iri=course or None,
                                since=_time(args, "since", "From"), until=_time(args, "until", "To"))


PAGE = 25  # rows per page of the statement log and the credentials: a phone scrolls through them quickly


def _offset() -> int:
    """Rows to skip: 0 unless a whole number; past every row (an empty page) when larger than any row count."""
    raw = request.args.get("offset", "").strip()
    value = whole_number(raw)
    if value is None and raw.isascii() and raw.isdigit():  # too many digits for the database's OFFSET
        return DATABASE_ID_MAX
    return value or 0


@bp.get("/statements")
@console_page
def statements() -> tuple[str, int]:
    offset = _offset()
    args = {k: _shown(v) for k, v in request.args.items() if k in {"learner", "verb", "course", "since", "until"}}
    try:
        f = _statement_filter(request.args)
    except BadFilter as exc:
        return page("statements.html", 400, rows=[], verbs=list(VERBS), args=args, limit=PAGE, offset=0,
                    more=False, error=str(exc))
    found = xapi.list_statements(db(), f, limit=PAGE + 1, offset=offset)  # one more tells if a next page exists
    return page("statements.html", rows=[statement_log.describe(s) for s in found[:PAGE]], verbs=list(VERBS),
                args=args, limit=PAGE, offset=offset, more=len(found) > PAGE)


@bp.get("/statements.jsonl")
@console_page
def statements_export() -> Response:
    try:  # before the first byte: once the export streams, its status can no longer change
        f = _statement_filter(request.args)
    except BadFilter as exc:
        abort(400, description=str(exc))
    return Response(xapi.export_statements(runtime().sessions, f), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": "attachment; filename=skillbite-statements.jsonl"})


@bp.post("/content/<int:course_id>/owner")
@console_page
@local_only
def content_owner(course_id: int) -> BaseResponse | tuple[str, int]:
    """Hand a course to one organisation (only its people see and update it) or to the shared library."""
    raw = request.form.get("owner", "")
    if raw != "shared" and whole_number(raw) is None:
        abort(400, description="Choose the organisation the course belongs to, or the shared library.")
    try:
        course = find_course(db(), str(course_id))
        operations.hand_over_course(db(), audit.console_actor(), course, None if raw == "shared" else int(raw))
    except CourseNotFound:
        abort(404, description=f"There is no course {course_id}.")
    except PlatformError as exc:
        return _content_page(400, error=str(exc))
    db().commit()
    return redirect(console_url("admin.content", done="course-handed-over"), code=303)


# --- activity log ---------------------------------------------------------------------------------

@bp.get("/activity")
@console_page
def activity_log() -> tuple[str, int]:
    before = whole_number(request.args.get("before", "").strip())  # not an entry id (or too large): ignored
    entries, older = audit.recent(db(), viewer().platform_id, before=before)
    return page("activity.html", entries=entries, older=older)


# --- credentials ----------------------------------------------------------------------------------

def _credentials_page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    q, state = request.values.get("q", ""), request.values.get("status", "")
    if state not in {"", "active", "revoked"}:
        state = ""
    try:
        _no_nul(q, "Search")
    except BadFilter as exc:
        return page("credentials.html", 400, rows=[], q=_shown(q), state=state, error=str(exc), limit=PAGE,
                    offset=0, more=False)
    offset = _offset()
    found = operations.search_credentials(db(), viewer().platform_id, q, status=state, limit=PAGE + 1,
                                          offset=offset)
    return page("credentials.html", status, rows=found[:PAGE], q=q, state=state, error=error, limit=PAGE,
                offset=offset, more=len(found) > PAGE)


@bp.get("/credentials")
@console_page
def credentials() -> tuple[str, int]:
    return _credentials_page()


@bp.post("/credentials/<public_id>/revoke")
@console_page
def credential_revoke(public_id: str) -> BaseResponse | tuple[str, int]:
    credential = None if NUL in public_id else operations.scoped_credential(db(), viewer().platform_id, public_id)
    if credential is None:
        abort(404, description="There is no such credential in your console.")
    if NUL in request.form.get("reason", ""):
        return _credentials_page(400, "The reason must not contain a NUL character (%00).")
    try:
        revoke_credential(db(), credential, request.form.get("reason", ""))
    except CredentialError as exc:
        return _credentials_page(400, str(exc).replace(" (--reason)", ""))
    audit.record(db(), audit.console_actor(), "credential.revoked", public_id,
                 platform_id=credential.platform_id,
                 detail=request.form.get("reason", "").strip())
    db().commit()
    return redirect(console_url("admin.credentials", done="revoked", q=public_id), code=303)


# --- content --------------------------------------------------------------------------------------



def _content_page(status: int = 200, **context: object) -> tuple[str, int]:
    platforms = {p.id: p.name or p.issuer for p in list_platforms(db())} if viewer().is_local else {}
    courses = list_courses(db(), viewer().platform_id)
    return page("content.html", status, courses=courses, versions=operations.course_versions(db()),
                owners=owners(db()), platforms=platforms,
                imported=import_receipt.unseal(db(), request.args.get("imported"), (c.id for c in courses)),
                **context)


@bp.get("/content")
@console_page
def content() -> tuple[str, int]:
    return _content_page()


@bp.post("/content")
@console_page
def content_import() -> BaseResponse | tuple[str, int]:
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        return _content_page(400, problems=["Choose a .zip file of the course folder (the folder with "
                                            "course.yaml)."])
    try:
        # An LMS administrator imports for their organisation; a local admin into the shared library.
        result = import_package(db(), upload.stream.read(), owner=viewer().platform_id)
    except PackageInvalid as exc:
        return _content_page(422, problems=[str(p) for p in exc.problems])
    if result.created:
        audit.record(db(), audit.console_actor(), "course.imported",
                     f"{result.course.title} ({result.course.slug})", detail=f"version {result.version.number}",
                     platform_id=viewer().platform_id)
    db().commit()
    # Post/Redirect/Get: reloading the result page must not upload the package again.
    return redirect(console_url("admin.content", imported=import_receipt.seal(result)), code=303)
