"""Liveness and readiness for load balancers and orchestrators.

``/healthz`` (liveness): the process answers and reaches the database; a failure means restart it.
``/readyz`` (readiness): also the schema is one this code can serve; a failure means send it no traffic
for now (a migration is pending), without restarting it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from plugin.migrate import schema_state
from plugin.web.context import db, runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Alive and able to reach the database."""
    try:
        db().execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready for traffic: the database answers and its schema is current for this code.

    A schema *newer* than this code (revisions it does not know) still counts as ready: during a
    rolling upgrade the migrations run first and the old processes keep serving until the new ones are
    ready, which is why every migration must keep working for the release before it (docs/operations.md).
    """
    try:
        state = schema_state(runtime().engine)
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    if state in ("current", "newer"):
        return jsonify(status="ok", database="ok", schema=state), 200
    return jsonify(status="unavailable", database="ok", schema="behind", hint="Run `skillbite db upgrade`."), 503


