"""Console routes: signing in and out, and the dashboard. The other pages live in
:mod:`plugin.admin.setup_views` (platforms, keys, LRS) and :mod:`plugin.admin.operate_views` (delivery,
statements, credentials, content); all share :data:`bp`."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from plugin.admin import accounts, activity, audit, charts
from plugin.admin.access import SESSION_KEY, console_page, current_viewer, viewer
from plugin.admin.blueprint import bp, page
from plugin.web.context import db

LOGIN_CSRF = "login_csrf"


def _secret() -> bytes:
    key = current_app.secret_key
    assert key
    return key if isinstance(key, bytes) else key.encode()


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if request.method == "GET":
        if current_viewer() is not None and current_viewer().is_local:  # type: ignore[union-attr]
            return redirect(_safe_next(request.args.get("next")))
        session[LOGIN_CSRF] = session.get(LOGIN_CSRF) or secrets.token_urlsafe(32)
        return page("login.html", next=request.args.get("next", ""), email="")
    expected = session.get(LOGIN_CSRF)
    if not isinstance(expected, str) or not hmac.compare_digest(request.form.get("csrf", ""), expected):
        abort(403, description="This sign-in form has expired or did not come from Skillbite. Reload the "
                               "sign-in page and try again (cookies must be allowed for this site).")
    email, password = request.form.get("email", ""), request.form.get("password", "")
    if not email.strip() or not password:
        return page("login.html", 400, error="Enter your email and your password.", email=email,
                    next=request.form.get("next", ""))
    try:
        account = accounts.sign_in(db(), email, password, ip=request.remote_addr or "unknown", secret=_secret())
    except accounts.SignInRefused as refused:
        db().commit()  # the failure counts, in every process
        return page("login.html", 429 if refused.locked else 401, error=refused.message, email=email,
                    next=request.form.get("next", ""))
    token = accounts.open_session(db(), account)
    audit.record(db(), audit.Actor("local", account.email), "console.signed_in", account.email,
                 detail=f"from {request.remote_addr or 'an unknown address'}")
    db().commit()
    session.clear()  # a fresh session on sign-in: nothing set before it carries over (session fixation)
    session[SESSION_KEY] = token
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/logout")
@console_page
def logout() -> Response:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        accounts.close_session(db(), token)
        who = audit.console_actor()
        audit.record(db(), who, "console.signed_out", who.name)
        db().commit()
    session.clear()
    return redirect(url_for("admin.login", done="signed-out"), code=303)


@bp.get("/")
@console_page
def dashboard() -> tuple[str, int]:
    scope = viewer().platform_id
    series = activity.daily_activity(db(), scope)
    return page("dashboard.html", charts=[(s, charts.bar_chart(s)) for s in series],
                overview=activity.overview(db(), scope))


from plugin.admin import operate_views, setup_views  # noqa: E402,F401  (their routes join bp)
