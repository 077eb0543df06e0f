"""How a learner's session travels: a cookie where the browser keeps one, a signed launch token where not.

Inside an LMS iframe many browsers block third-party cookies. The launch token (signed with the
instance's session secret, short-lived) is carried by every link and form of the UI, so the session
works without cookies; the cookie is only a convenience.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from plugin.config import Config

COOKIE = "skillbite_launch"
FIELD = "lt"
HEADER = "X-Skillbite-Launch"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="skillbite.launch")  # type: ignore[arg-type]


def issue_token(session_id: str) -> str:
    return _serializer().dumps(session_id)


def read_token(token: str, max_age_seconds: int) -> str | None:
    try:
        value = _serializer().loads(token, max_age=max_age_seconds)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def token_from_request() -> str | None:
    return (request.headers.get(HEADER) or request.form.get(FIELD) or request.args.get(FIELD)
            or request.cookies.get(COOKIE))


def cookies_can_be_secure(config: Config) -> bool:
    """Whether to send SameSite=None; Secure cookies: over HTTPS, and on a loopback http base URL,
    which browsers treat as a secure context (W3C Secure Contexts §3.2), so that an LMS of another site
    can frame a local Skillbite; a SameSite=Lax cookie is never set inside a cross-site iframe."""
    return config.secure or config.is_loopback


def cookie_options(secure: bool) -> dict[str, object]:
    """Cookies that survive an iframe on HTTPS: SameSite=None; Secure; Partitioned (CHIPS)."""
    if secure:
        return {"secure": True, "samesite": "None", "httponly": True, "partitioned": True}
    return {"secure": False, "samesite": "Lax", "httponly": True}


def set_session_cookie(response: Response, token: str, secure: bool, max_age: int) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", **cookie_options(secure))  # type: ignore[arg-type]
