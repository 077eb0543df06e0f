"""Player pages: catalog, course overview, nugget, answers, heartbeats, and the package assets.

Every link and form carries the launch token (``lt``): inside an LMS iframe the cookie may be blocked.
Learners' writes go through :mod:`plugin.progress.services`; anonymous launches get a preview that is
graded but never saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from plugin.catalog.asset_types import ASSET_CSP, DOWNLOAD_TYPE, shown_inline
from plugin.catalog.items import ItemGrade, item_type
from plugin.catalog.models import Asset, Course
from plugin.catalog.render import render_inline
from plugin.catalog.services import CourseNotFound, catalog_page, course_by_slug
from plugin.catalog.snapshot import NuggetView, VersionView
from plugin.credentials.services import earned_with_course
from plugin.launch.access import current_launch, require_launch
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import FIELD, token_from_request
from plugin.player import locks
from plugin.progress import services as progress
from plugin.progress.models import Enrolment, NuggetProgress
from plugin.progress.pathway import DONE, LOCKED, NuggetState, next_nugget, percent_done
from plugin.web.context import db
from plugin.web.csrf import check_csrf
from plugin.web.headers import CSP, script_nonce
from plugin.web.numbers import whole_number
from plugin.web.urls import fixed_url, with_query

bp = Blueprint("player", __name__, template_folder="templates")
Answers = dict[str, dict[str, list[str]]]  # form fields i.<item>[.<part>] by item key, then part ("": the item)


@bp.app_template_global()
def lurl(endpoint: str, **values: Any) -> str:
    """url_for that carries the launch token, so the next page still knows who is learning."""
    url = url_for(endpoint, **values) if values else fixed_url(endpoint)
    token = launch_token()  # URL-safe base64 and ".": nothing to quote (plugin.launch.tokens)
    return with_query(url, FIELD, token) if token else url


@bp.app_template_filter()
def inline_md(text: str) -> Markup:
    return Markup(render_inline(text))  # noqa: S704 - sanitized by nh3 in render_inline


@bp.app_template_global()
def launch_token() -> str:
    if "launch_token" not in g:
        g.launch_token = token_from_request() or ""
    token: str = g.launch_token
    return token


@bp.app_template_global()
def item_view(item: Any) -> dict[str, Any]:
    return item_type(item.type).view(item.spec)


@bp.app_template_global()
def item_solution(item: Any) -> str:
    """The right answer in words: shown once no attempt is left, so the learner leaves knowing it."""
    return item_type(item.type).solution(item.spec)


def _launch() -> LaunchSession:
    launch = current_launch()
    assert launch is not None
    return launch


def _learner(launch: LaunchSession) -> progress.Learner | None:
    return progress.Learner(launch.platform_id, launch.user.id, launch.id) if launch.user else None


def _course(slug: str) -> Course:
    try:
        return course_by_slug(db(), slug, _launch().platform_id)
    except CourseNotFound:
        abort(404, description=f"This activity points to a course Skillbite does not have (“{slug}”). "
                               "Tell your instructor: the activity's course setting must name a course from "
                               "Skillbite's catalog.")


def _context(slug: str) -> tuple[LaunchSession, Course, Enrolment | None, VersionView,
                                 dict[str, NuggetProgress]]:
    launch, course = _launch(), _course(slug)
    learner = _learner(launch)
    enrolment = progress.enrol(db(), learner, course) if learner else None
    version_id = enrolment.version_id if enrolment else course.latest_version_id
    assert version_id is not None
    version = progress.load_version(db(), version_id)
    rows = progress.progress_rows(db(), learner, enrolment) if learner and enrolment else {}
    return launch, course, enrolment, version, rows


def _completed(rows: Mapping[str, NuggetProgress]) -> dict[str, NuggetProgress]:
    return {k: r for k, r in rows.items() if r.completed_at}


def _states(launch: LaunchSession, slug: str, version: VersionView, rows: Mapping[str, NuggetProgress],
            preview: bool = False) -> list[NuggetState]:
    """The course's locks, but for the content this launch's LMS link names (plugin.player.locks)."""
    return locks.states(launch, slug, version, _completed(rows), preview)


@bp.get("/learn/courses")
@require_launch
def catalog() -> str:
    page = whole_number(request.args.get("page"), low=1) or 1  # a page past the end is an empty page
    search = request.args.get("q", "").strip()[:200]
    launch = _launch()
    courses, pages = catalog_page(db(), launch.platform_id, page, search=search)
    learner = _learner(launch)
    standings = progress.standings(db(), learner) if learner and courses else {}
    return render_template("player/catalog.html", launch=launch, courses=courses, page=page, pages=pages,
                           standings=standings, search=search)


_KEY_SLOT = "~nugget-key~"  # quoted as is, and never part of a launch token (URL-safe base64 and ".")


def _nugget_urls(slug: str, keys: list[str]) -> dict[str, str]:
    """``lurl('player.nugget', slug=slug, key=k)`` for many keys: one URL build, the key set in its slot
    by the rule's own converter. A course overview links to every nugget."""
    path, sep, query = lurl("player.nugget", slug=slug, key=_KEY_SLOT).partition("?")
    head, slot, tail = path.rpartition(_KEY_SLOT)
    if not slot:  # pragma: no cover - the rule always has the key
        return {k: lurl("player.nugget", slug=slug, key=k) for k in keys}
    url_map = current_app.url_map
    to_url = url_map.converters["default"](url_map).to_url
    return {k: head + to_url(k) + tail + sep + query for k in keys}


@bp.get("/learn/c/<slug>")
@require_launch
def overview(slug: str) -> str:
    launch, course, enrolment, version, rows = _context(slug)
    db().commit()
    states = _states(launch, slug, version, rows, preview=enrolment is None)
    by_module: dict[int, list[NuggetState]] = {}
    for state in states:
        by_module.setdefault(state.nugget.module_id, []).append(state)
    learner = _learner(launch)
    badges = (earned_with_course(db(), learner.platform_id, learner.user_id, slug)
              if learner and enrolment and enrolment.completed_at else [])
    return render_template("player/overview.html", launch=launch, course=course, version=version,
                           enrolment=enrolment, states=states, by_module=by_module, badges=badges,
                           nugget_urls=_nugget_urls(slug, [s.nugget.key for s in states]), next=next_nugget(states),
                           percent=percent_done(states), done=sum(1 for s in states if s.status == DONE),
                           rows=rows)


@bp.get("/learn/c/<slug>/resume")
@require_launch
def resume(slug: str) -> BaseResponse:
    """Back where the learner left off: the unfinished nugget they last opened, else the next one."""
    launch, course, enrolment, version, rows = _context(slug)
    db().commit()
    states = _states(launch, slug, version, rows)
    last = enrolment.last_nugget_key if enrolment else None
    target = last if last and last in rows and not rows[last].completed_at else None
    if target is None:
        upcoming = next_nugget(states)
        target = upcoming.key if upcoming else None
    if target is None:
        return redirect(lurl("player.overview", slug=slug), code=303)
    return redirect(lurl("player.nugget", slug=slug, key=target), code=303)


def _find(version: VersionView, key: str) -> NuggetView:
    nugget = next((n for n in version.nuggets if n.key == key), None)
    if nugget is None:
        abort(404, description="This nugget is not part of your version of the course. Go back to the "
                               "course overview.")
    return nugget


def _graded(nugget: NuggetView, responses: Mapping[str, Any]) -> dict[str, ItemGrade]:
    return {i.key: item_type(i.type).grade(i.spec, responses[i.key]) for i in nugget.items if i.key in responses}


def _render_nugget(slug: str, key: str, *, preview_result: tuple[dict[str, Any], dict[str, ItemGrade],
                                                                 float] | None = None,
                   kept: tuple[Answers, dict[str, str]] | None = None) -> Response:
    """The nugget page; ``kept``: the learner's answers as typed (by item and part), sent back ungraded,
    with what to fix per item."""
    launch, course, enrolment, version, rows = _context(slug)
    nugget = _find(version, key)
    states = _states(launch, slug, version, rows, preview=enrolment is None)
    state = next(s for s in states if s.nugget.key == key)
    learner = _learner(launch)
    row = rows.get(key)
    if learner and enrolment and state.status != LOCKED:
        row = progress.view_nugget(db(), learner, enrolment, nugget, rows)
    db().commit()
    responses: dict[str, Any] = {}
    grades: dict[str, ItemGrade] = {}
    score: float | None = None  # the attempt on the page
    best: float | None = None  # the learner's best attempt, which counts (progress.submit_answers)
    if preview_result:
        responses, grades, score = preview_result
    elif learner and row is not None and row.attempts:
        answered = progress.last_attempt(db(), learner, row)
        responses = {k: r.response for k, r in answered.items()}
        grades = _graded(nugget, responses)
        score = progress.weighted_score(nugget, {k: r.score for k, r in answered.items()})
        best = row.score
    index = states.index(state)
    following = next((s.nugget for s in states[index + 1:] if s.status != LOCKED), None)
    attempts_left = None
    if nugget.max_attempts:
        attempts_left = max(0, nugget.max_attempts - (row.attempts if row else 0))
    html = render_template(
        "player/nugget.html", launch=launch, course=course, version=version, nugget=nugget, state=state,
        row=row, responses=responses, grades=grades, score=score, best=best, attempts_left=attempts_left,
        typed=kept[0] if kept else None,
        following=following, position=index + 1, total=len(states), percent=percent_done(states),
        unanswered=kept[1] if kept else {}, builds_on=locks.builds_on(version, state, _completed(rows)),
        preview=learner is None, done=state.status == DONE or bool(row and row.completed_at))
    response = Response(html)
    origins = sorted({b["origin"] for b in nugget.blocks if b.get("kind") == "video" and b.get("embed")})
    if origins:  # allow-listed video players only, and only on the page that embeds them
        response.headers["Content-Security-Policy"] = (CSP.format(nonce=script_nonce())
                                                       + "; frame-src " + " ".join(origins))
    if state.status == LOCKED:
        response.status_code = 403
    return response


def _require_open(launch: LaunchSession, slug: str, version: VersionView, rows: Mapping[str, NuggetProgress],
                  key: str) -> NuggetState:
    """The nugget's state, or 403 when it is locked: a write to a locked nugget is refused like its page."""
    state = next(s for s in _states(launch, slug, version, rows) if s.nugget.key == key)
    if state.status == LOCKED:
        _refuse_locked(state.missing)
    return state


def _refuse_locked(missing: tuple[str, ...]) -> NoReturn:
    abort(403, description="Finish these first: " + ", ".join(missing) + ".")


@bp.get("/learn/c/<slug>/n/<key>")
@require_launch
def nugget(slug: str, key: str) -> Response:
    return _render_nugget(slug, key)


def _answers(form: MultiDict[str, str]) -> Answers:
    """Form fields ``i.<item>`` and ``i.<item>.<part>`` by item key and part ("" for the item itself)."""
    answers: dict[str, dict[str, list[str]]] = {}
    for name in form:
        if name.startswith("i."):
            item, _, part = name[2:].partition(".")
            answers.setdefault(item, {})[part] = form.getlist(name)
    return answers


@bp.post("/learn/c/<slug>/n/<key>/answers")
@require_launch
def answer(slug: str, key: str) -> BaseResponse:
    check_csrf()
    launch, course, enrolment, version, rows = _context(slug)
    nugget_ = _find(version, key)
    learner = _learner(launch)
    try:
        if learner is None or enrolment is None:
            return _render_nugget(slug, key, preview_result=progress.grade(nugget_, _answers(request.form)))
        progress.submit_answers(db(), learner, enrolment, nugget_, _answers(request.form), rows,
                                state=_require_open(launch, slug, version, rows, key))
    except progress.AnswersIncomplete as exc:
        # nothing graded or counted: the page comes back with what was typed (as typed: an answer that
        # could not be read, such as "2 days" or two steps in one place, is kept too), and what to fix
        page = _render_nugget(slug, key, kept=(_answers(request.form), exc.hints))
        page.status_code = 422
        return page
    except progress.NotAvailable as exc:
        _refuse_locked(exc.missing)
    except progress.AttemptsExhausted:
        pass  # nothing more to record; the page shows the last result
    db().commit()
    return redirect(lurl("player.nugget", slug=slug, key=key, _anchor="result"), code=303)


@bp.post("/learn/c/<slug>/n/<key>/done")
@require_launch
def done(slug: str, key: str) -> BaseResponse:
    check_csrf()
    launch, course, enrolment, version, rows = _context(slug)
    nugget_ = _find(version, key)
    learner = _learner(launch)
    if learner and enrolment:
        _require_open(launch, slug, version, rows, key)
        progress.mark_done(db(), learner, enrolment, nugget_)
        db().commit()
    return redirect(lurl("player.resume", slug=slug) if learner else lurl("player.overview", slug=slug), code=303)


@bp.post("/learn/c/<slug>/n/<key>/heartbeat")
@require_launch
def heartbeat(slug: str, key: str) -> Response:
    """Sent by player.js every 30 s while the page is visible. The server measures the time itself."""
    check_csrf()
    launch, course, enrolment, version, _ = _context(slug)
    learner = _learner(launch)
    if learner and enrolment:
        progress.heartbeat(db(), learner, enrolment, _find(version, key))
        db().commit()
    return Response(status=204)


@bp.post("/learn/c/<slug>/leave")
@require_launch
def leave(slug: str) -> BaseResponse:
    check_csrf()
    launch, course, enrolment, _, _ = _context(slug)
    learner = _learner(launch)
    if learner and enrolment:
        progress.terminate(db(), learner, enrolment)
        db().commit()
    return redirect(lurl("player.overview", slug=slug, left=1), code=303)


@bp.get("/content/<sha256>/<name>")
def asset(sha256: str, name: str) -> BaseResponse:
    """Package files by content hash: immutable, so cached for a year. Hashes only appear in course pages."""
    # Identical bytes may be several files (two names in a package, or in two courses): the one named is served.
    named = sa.or_(Asset.path == name, Asset.path.endswith("/" + name, autoescape=True))
    row = db().execute(sa.select(Asset.data, Asset.media_type, Asset.path).where(Asset.sha256 == sha256, named)
                       .limit(1)).first()
    if row is None:
        abort(404, description="This file is not part of any course.")
    if shown_inline(row.media_type):
        response = Response(row.data, mimetype=row.media_type)
    else:  # plugin.catalog.asset_types: never a page or a script on our origin
        response = Response(row.data, mimetype=DOWNLOAD_TYPE)
        response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Content-Security-Policy"] = ASSET_CSP
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # Byte ranges: browsers seek in videos with Range requests.
    return response.make_conditional(request, accept_ranges=True, complete_length=len(row.data))
