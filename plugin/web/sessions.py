"""Flask's signed-cookie session (the admin console's sign-in), with its signer built once.

Flask builds a new ``URLSafeTimedSerializer`` in every request, including the many that carry no
session cookie at all (every launch and page inside the LMS). The keys do not change while the app
runs, so one serializer per secret serves them all.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]


def install(app: Flask) -> None:
    app.session_interface = SessionInterface()
