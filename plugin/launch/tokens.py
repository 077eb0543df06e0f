"""How a learner's session travels: a cookie where the browser keeps one, a signed launch token where not.

Inside an LMS iframe many browsers block third-party cookies. The launch token (signed with the
instance's session secret, short-lived) is carried by every link and form of the UI, so the session
works without cookies; the cookie is only a convenience.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from flask import current_app, g, request
from werkzeug.wrappers import Response

from plugin.config import Config

COOKIE = "skillbite_launch"
FIELD = "lt"
HEADER = "X-Skillbite-Launch"


def _key() -> bytes:
    """The launch tokens' HMAC key, derived once from the instance's session secret."""
    secret = current_app.secret_key
    assert secret, "the app's secret key is set at start-up"
    raw = secret.encode() if isinstance(secret, str) else secret
    key = _keys.get(raw)
    if key is None:
        key = _keys[raw] = hmac.new(raw, b"skillbite.launch-token", hashlib.sha256).digest()
    return key


_keys: dict[bytes, bytes] = {}


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:24]  # 192 bits
    return base64.urlsafe_b64encode(digest).decode()


def issue_token(session_id: str) -> str:
    """``<session id>.<issued, hex unix time>.<HMAC-SHA256>``: URL-safe as it is, checked in microseconds
    on every page (pages inside an iframe carry it in every link and form)."""
    body = f"{session_id}.{int(time.time()):x}"
    return f"{body}.{_signature(_key(), body)}"


def read_token(token: str, max_age_seconds: int) -> str | None:
    """The session id ``token`` names, if it is ours and younger than ``max_age_seconds``."""
    body, _, signature = token.rpartition(".")
    session_id, _, issued = body.rpartition(".")
    if not session_id or not hmac.compare_digest(signature, _signature(_key(), body)):
        return None
    try:
        age = time.time() - int(issued, 16)
    except ValueError:
        return None
    return session_id if -60 <= age <= max_age_seconds else None  # a minute of clock skew between servers


def token_from_request() -> str | None:
    """The launch token this request carries, or the one a launch issued earlier in this request."""
    return (g.get("launch_token") or request.headers.get(HEADER) or request.form.get(FIELD) or request.args.get(FIELD)
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
