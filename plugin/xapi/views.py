"""Operator views: the local statement log (browse, export) and outbox delivery health, replay."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, abort, g, jsonify, render_template, request

from plugin.admin import audit
from plugin.outbox import services as outbox
from plugin.web.admin import require_admin
from plugin.web.context import db, runtime
from plugin.xapi import services
from plugin.xapi.vocabulary import VERBS

bp = Blueprint("xapi", __name__, template_folder="templates")


def _time(name: str) -> dt.datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400, description=f"{name} must be an ISO 8601 time, e.g. 2025-01-31T09:00:00Z")
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _filter() -> services.StatementFilter:
    verb = request.args.get("verb") or None
    if verb is not None and verb not in VERBS:
        abort(400, description=f"Unknown verb {verb!r}; one of: {', '.join(VERBS)}")
    return services.StatementFilter(platform_id=g.admin.platform_id, learner=request.args.get("learner") or None,
                                    verb=verb, course_iri=request.args.get("course") or None,
                                    since=_time("since"), until=_time("until"))


@bp.get("/admin/xapi/statements")
@require_admin
def statements() -> Response | str:
    """The statement log, newest first; JSON for API clients, a small page for people."""
    f = _filter()
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    offset = max(request.args.get("offset", 0, type=int) or 0, 0)
    rows = services.list_statements(db(), f, limit=limit, offset=offset)
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json":
        return jsonify(statements=rows, limit=limit, offset=offset)
    return render_template("xapi/statements.html", rows=rows, verbs=list(VERBS), args=request.args,
                           limit=limit, offset=offset)


@bp.get("/admin/xapi/statements.jsonl")
@require_admin
def export() -> Response:
    f = _filter()
    return Response(services.export_statements(runtime().sessions, f), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": "attachment; filename=skillbite-statements.jsonl"})


@bp.get("/admin/outbox/health")
@require_admin
def health() -> Response:
    return jsonify(outbox.delivery_health(db(), platform_id=g.admin.platform_id,
                                          kind=request.args.get("kind") or None))


@bp.post("/admin/outbox/replay")
@require_admin
def replay() -> Response:
    body = request.get_json(silent=True) or {}
    ids = body.get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
        abort(400, description='ids must be a list of message ids, e.g. {"ids": [12, 13]}')
    session = db()
    count = outbox.replay(session, ids=ids, kind=body.get("kind"), platform_id=g.admin.platform_id)
    audit.record(session, g.admin.actor, "delivery.replayed", audit.replayed(count, body.get("kind"), ids),
                 platform_id=g.admin.platform_id)
    session.commit()
    return Response(json.dumps({"replayed": count}), mimetype="application/json")
