"""The floor for ``bench/launch.py``: the same HTTP exchange as a launch, answered by a Flask app that does
none of the work.

It answers the login with the OIDC authentication request the bench platform expects (fresh state and
nonce, the state cookie) and the id_token POST with a page that greets the learner, read from the
token's payload **without checking anything and without storing anything**: no signature, no nonce, no
database, no session. It is served like Skillbite (granian with plugin/server.py's settings, two requests
per launch), so its CPU per launch is what the server and Flask alone cost for Skillbite's launch. The
rest of Skillbite's figure is the launch's own work (LTI Security Framework checks, records, first page).

Not a tool: it exists to show how much of the goal's budget the web stack takes before any work is done.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request
from jinja2 import Template

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Courses · Floor</title></head>
<body><main><h1>Welcome, {{ name }}</h1><p>Nothing was checked or stored.</p></main></body></html>
"""
STATE_COOKIE_PREFIX = "lti_state_"


def _payload(id_token: str) -> dict[str, Any]:
    """The id_token's claims, unverified (the floor checks nothing)."""
    segment = id_token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return claims


def login_redirect(auth_url: str, client_id: str, state: str, nonce: str) -> Response:
    """The OIDC authentication request (Security Framework 1.0 §5.1.1.2) as a redirect, with the state cookie."""
    query = urlencode({
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": client_id, "redirect_uri": request.values["target_link_uri"],
        "login_hint": request.values["login_hint"], "lti_message_hint": request.values["lti_message_hint"],
        "state": state, "nonce": nonce})
    response = redirect(f"{auth_url}?{query}", code=302)
    response.set_cookie(STATE_COOKIE_PREFIX + state, state, max_age=600, path="/", secure=True,
                        httponly=True, samesite="None")
    return response


def bare_app() -> tuple[Flask, Template]:
    """A Flask app with only ``/healthz`` (what bench_servers waits for), and the greeting page."""
    app = Flask(__name__)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app, app.jinja_env.from_string(PAGE)


def create_app() -> Flask:
    auth_url = os.environ["BENCH_REF_AUTH_URL"]
    client_id = os.environ["BENCH_REF_CLIENT_ID"]
    app, page = bare_app()

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        return login_redirect(auth_url, client_id, secrets.token_urlsafe(32), secrets.token_urlsafe(32))

    @app.post("/launch")
    def launch() -> Response:
        claims = _payload(request.form["id_token"])
        response = Response(page.render(name=claims.get("name", "")))
        response.delete_cookie(STATE_COOKIE_PREFIX + request.form["state"], path="/")
        return response

    return app
