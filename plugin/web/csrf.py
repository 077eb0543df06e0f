"""CSRF protection for forms inside the LMS iframe, where cookies may be blocked.

Forms authenticate with the launch token (``lt``), not a cookie alone; POSTs must also carry ``csrf``, an
HMAC of the launch session id under the app's secret. A cross-site page cannot compute it, and a
token from one session is worthless in another.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, abort, current_app, request

FIELD = "csrf"
HEADER = "X-Skillbite-CSRF"


def csrf_for(session_id: str) -> str:
    key = current_app.secret_key
    assert key, "the app's secret key is set at start-up"
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, b"skillbite.csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The current launch session's CSRF value ("" without a session), for templates."""
    from plugin.launch.access import current_launch

    launch = current_launch()
    return csrf_for(launch.id) if launch else ""


def check_csrf() -> None:
    """Abort 403 unless the request carries the CSRF value of its launch session."""
    from plugin.launch.access import current_launch

    launch = current_launch()
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if launch is None or not hmac.compare_digest(sent, csrf_for(launch.id)):
        abort(403, description="This form has expired or did not come from Skillbite. Go back, reload the "
                               "page and try again.")


def install(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
