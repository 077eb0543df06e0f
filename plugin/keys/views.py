"""The tool's public keys (LTI Core 1.3 §6.3 / Security Framework §6.3: JWKS with kid)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from plugin.keys.services import public_jwks
from plugin.web.context import db

bp = Blueprint("keys", __name__)


@bp.get("/lti/jwks")
@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    response = jsonify(public_jwks(db()))
    # Short cache: platforms may keep it a little, and a rotated key shows up within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
