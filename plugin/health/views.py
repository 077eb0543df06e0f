"""Liveness and readiness for load balancers and orchestrators.

``/healthz`` (liveness): the process answers and reaches the database; a failure means restart it.
``/readyz`` (readiness): also the schema is one this code can serve; a failure means send it no traffic
for now (a migration is pending), without restarting it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from plugin.migrate import UnmigratedDatabase, alembic_config, pending_revisions, require_current_schema
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
    engine = runtime().engine
    try:
        require_current_schema(engine)
    except UnmigratedDatabase:
        try:
            current, _ = pending_revisions(engine)
        except SQLAlchemyError:
            return jsonify(status="unavailable", database="unreachable"), 503
        if current and _unknown_to_this_code(current, engine):
            return jsonify(status="ok", database="ok", schema="newer"), 200
        return jsonify(status="unavailable", database="ok", schema="behind",
                       hint="Run `skillbite db upgrade`."), 503
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", schema="current"), 200


def _unknown_to_this_code(revisions: frozenset[str], engine: sa.Engine) -> bool:
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    for revision in revisions:
        try:
            if script.get_revision(revision) is None:
                return True
        except CommandError:
            return True
    return False
