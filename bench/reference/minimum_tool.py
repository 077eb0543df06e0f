"""The minimum for ``bench/launch.py``: the floor plus only what LTI 1.3 requires of any tool at launch.

Same HTTP exchange and page as bench/reference/floor_tool.py, served the same way (granian with
plugin/server.py's settings, two requests per launch). On top of the floor it does what the 1EdTech
Security Framework 1.0 asks of every tool, each done the cheapest way Python offers:

* login (§5.1.1.1): a fresh state and nonce, kept server-side (one INSERT into SQLite, committed), the
  state cookie;
* launch (§5.1.3): the state cookie checked and the state spent (one DELETE … RETURNING); the id_token's
  RS256 signature checked with the platform key (fetched once per process: "platform keys cached"),
  ``iss``, ``aud``, ``exp``/``iat`` (PyJWT), the nonce against the one stored, the LTI claims a launch
  must carry (LTI Core 1.3 §5.3: version, message type, deployment, roles, resource link), and the nonce
  spent once (one INSERT … ON CONFLICT DO NOTHING RETURNING), committed.

SQLite is set up as Skillbite sets it (WAL, synchronous NORMAL), on the raw ``sqlite3`` driver, one
connection per thread. Nothing else: no learner, no session, no record of the launch, no real first page.

Not a tool: its CPU per launch is a lower bound for a tool on this stack that follows the Security
Framework, so "minimum/ref" shows how much of the CPU goal is left for the learner's records and page.
Configuration: ``BENCH_REF_*`` (ISSUER, CLIENT_ID, AUTH_URL, JWKS_URL, DEPLOYMENT_ID) and
``BENCH_MIN_DB`` (the SQLite file).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from typing import Any

import jwt
import requests
from flask import Flask, Response, abort, request
from floor_tool import STATE_COOKIE_PREFIX, bare_app, login_redirect

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LIFETIME = 600  # seconds a state lives, as the floor's state cookie
SCHEMA = """
CREATE TABLE IF NOT EXISTS launch_state (state TEXT PRIMARY KEY, nonce TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS used_nonce (nonce TEXT PRIMARY KEY, expires_at REAL NOT NULL);
"""


def create_app() -> Flask:
    issuer, client_id = os.environ["BENCH_REF_ISSUER"], os.environ["BENCH_REF_CLIENT_ID"]
    auth_url, deployment_id = os.environ["BENCH_REF_AUTH_URL"], os.environ["BENCH_REF_DEPLOYMENT_ID"]
    path = os.environ["BENCH_MIN_DB"]
    keys = {key["kid"]: jwt.PyJWK(key).key for key in requests.get(os.environ["BENCH_REF_JWKS_URL"],
                                                                       timeout=10).json()["keys"]}
    local = threading.local()

    def database() -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            local.connection = connection
        return connection

    app, page = bare_app()

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        connection = database()
        with connection:  # commits on leaving
            connection.execute("BEGIN")
            connection.execute("INSERT INTO launch_state VALUES (?, ?, ?)", (state, nonce, time.time() + LIFETIME))
        return login_redirect(auth_url, client_id, state, nonce)

    @app.post("/launch")
    def launch() -> Response:
        state, token = request.form["state"], request.form["id_token"]
        if request.cookies.get(STATE_COOKIE_PREFIX + state) != state:
            abort(401)
        connection = database()
        with connection:  # one transaction, committed whatever the token holds: a state is spent once
            connection.execute("BEGIN")
            row = connection.execute("DELETE FROM launch_state WHERE state = ? AND expires_at > ? RETURNING nonce",
                                     (state, time.time())).fetchone()
            claims = _checked(token, row[0], connection) if row else None
        if claims is None:
            abort(400)
        response = Response(page.render(name=claims.get("name", "")))
        response.delete_cookie(STATE_COOKIE_PREFIX + state, path="/")
        return response

    def _checked(token: str, nonce: str, connection: sqlite3.Connection) -> dict[str, Any] | None:
        """The id_token's claims if every required check passes and its nonce was not used before."""
        key = keys.get(jwt.get_unverified_header(token).get("kid"))
        if key is None:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=client_id,
                                                issuer=issuer, leeway=60, options={"require": ["exp", "iat"]})
        except jwt.PyJWTError:
            return None
        if (claims.get("nonce") != nonce or claims.get(LTI + "version") != "1.3.0"
                or claims.get(LTI + "message_type") != "LtiResourceLinkRequest"
                or claims.get(LTI + "deployment_id") != deployment_id
                or not isinstance(claims.get(LTI + "roles"), list)
                or not (claims.get(LTI + "resource_link") or {}).get("id")):
            return None
        spent = connection.execute("INSERT INTO used_nonce VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING nonce",
                                   (nonce, claims["exp"] + 60)).fetchone()
        return claims if spent else None

    return app
