"""A deliberately small LTI 1.3 tool, just enough to drive the test platforms end to end.

It is not the Skillbite tool (that lives in plugin/); it only proves that the platforms' flows, browsers
and HTTP endpoints fit together.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import Flask, jsonify, redirect, request, session

from tests.support.keys import SigningKey


def create_stub_tool(*, auth_login_url: str, platform_jwks_url: str, client_id: str, issuer: str) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(16)
    tool_key = SigningKey.generate()
    app.config["TOOL_KEY"] = tool_key

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        params = request.values
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        session["state"], session["nonce"] = state, nonce
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": params.get("client_id", client_id),
            "redirect_uri": params["target_link_uri"],
            "login_hint": params["login_hint"],
            "lti_message_hint": params["lti_message_hint"],
            "state": state,
            "nonce": nonce,
        }
        return redirect(f"{auth_login_url}?{urlencode(query)}")

    @app.post("/lti/launch")
    def launch() -> Any:
        if request.form.get("state") != session.get("state"):
            return jsonify(error="state mismatch"), 400
        token = request.form["id_token"]
        kid = jwt.get_unverified_header(token).get("kid")
        keys = requests.get(platform_jwks_url, timeout=5).json()["keys"]
        jwk = next((k for k in keys if k["kid"] == kid), None)
        if jwk is None:
            return jsonify(error="unknown kid"), 400
        try:
            payload = jwt.decode(
                token,
                jwt.PyJWK.from_dict(jwk, algorithm="RS256").key,
                algorithms=["RS256"],
                audience=client_id,
                issuer=issuer,
            )
        except jwt.PyJWTError as problem:
            return jsonify(error=str(problem)), 400
        if payload.get("nonce") != session.pop("nonce", None):
            return jsonify(error="nonce mismatch"), 400
        return jsonify(payload)

    @app.get("/lti/jwks")
    def jwks() -> Any:
        return jsonify(keys=[tool_key.public_jwk()])

    return app


def client_assertion(tool_key: SigningKey, client_id: str, token_url: str) -> str:
    now = int(time.time())
    return jwt.encode(
        {"iss": client_id, "sub": client_id, "aud": token_url, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())},
        tool_key.private_key,
        algorithm="RS256",
        headers={"kid": tool_key.kid},
    )
