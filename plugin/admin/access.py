"""Who is looking at the console, and what they may see.

A local admin is known by the console cookie (a Flask session holding a token of an ``AdminSession``
row); an LMS administrator by their launch (role ``admin``), carried as the launch token ``lt`` in every
link and form, because inside an LMS iframe the browser may block cookies. Local admins see every
platform; an LMS administrator's ``platform_id`` scopes every page and action to their own platform.

Every POST to the console carries ``csrf``: an HMAC of the console session (or the launch session) under
the app secret (:func:`plugin.web.csrf.csrf_for`), checked before any view runs.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from flask.sansio.app import App

from plugin.admin.accounts import SESSION_MAX, load_session
from plugin.admin.audit import launch_actor
from plugin.launch.access import current_launch
from plugin.launch.tokens import FIELD, token_from_request
from plugin.platforms.models import Platform
from plugin.web.context import db
from plugin.web.csrf import FIELD as CSRF_FIELD
from plugin.web.csrf import csrf_for

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "admin"
COOKIE = "skillbite_admin"


@dataclass(frozen=True)
class Viewer:
    kind: str  # "local" or "lti"
    platform_id: int | None  # None: every platform
    label: str
    csrf: str
    actor: str  # who, as the activity log names them (plugin.admin.audit)
    launch_token: str | None = None

    @property
    def is_local(self) -> bool:
        return self.kind == "local"


def current_viewer() -> Viewer | None:
    if "admin_viewer" not in g:
        g.admin_viewer = _find_viewer()
    viewer: Viewer | None = g.admin_viewer
    return viewer


def _find_viewer() -> Viewer | None:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        local = load_session(db(), token)
        db().commit()  # the idle clock, or the removal of an ended session
        if local is not None:
            return Viewer("local", None, local.email, csrf_for("admin-console:" + token),
                          local.email)
        session.pop(SESSION_KEY, None)
    launch = current_launch()
    if launch is not None and launch.role == "admin":
        name = launch.platform.name if launch.platform else f"platform {launch.platform_id}"
        return Viewer("lti", launch.platform_id, f"LMS administrator, {name}", csrf_for(launch.id),
                      launch_actor(launch).name, token_from_request())
    return None


def viewer() -> Viewer:
    found = current_viewer()
    assert found is not None, "behind console_page"
    return found


def console_page(view: F) -> F:
    """Views behind it can rely on :func:`viewer`. People without a console session are sent to sign in."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_viewer() is None:
            if request.method == "GET" and request.accept_mimetypes.accept_html:
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            abort(401, description="Sign in to the admin console first (/admin/login), or open Skillbite "
                                   "from your LMS as an administrator.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def local_only(view: F) -> F:
    """For what affects every tenant (tool keys, adding or disabling platforms): local admins only."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not viewer().is_local:
            abort(403, description="This action changes Skillbite for every organisation using it, so only "
                                   "the operator's local admins can do it. Ask your Skillbite operator.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def scoped_platform(platform_id: int) -> Platform:
    """The platform, if the viewer may see it; otherwise the same 404 as for one that does not exist."""
    platform = db().get(Platform, platform_id)
    scope = viewer().platform_id
    if platform is None or (scope is not None and platform.id != scope):
        abort(404, description=f"There is no platform {platform_id} in your console.")
    return platform


def in_scope(platform_id: int | None) -> bool:
    scope = viewer().platform_id
    return scope is None or platform_id == scope


def console_url(endpoint: str, **values: Any) -> str:
    """url_for that carries an LMS administrator's launch token (never a local admin's: they have a cookie)."""
    found = current_viewer()
    if found is not None and found.launch_token:
        values[FIELD] = found.launch_token
    return url_for(endpoint, **values)


def check_console_csrf() -> None:
    """Before every console POST but sign-in (which has its own): the form must come from the console."""
    if request.method != "POST" or request.endpoint in {"admin.login"}:
        return
    found = current_viewer()
    sent = request.form.get(CSRF_FIELD) or ""
    if found is None:
        return  # console_page answers 401
    if not hmac.compare_digest(sent, found.csrf):
        abort(403, description="This form has expired or did not come from the admin console. Go back, "
                               "reload the page and try again.")


def configure_cookie(app: App) -> None:
    """The console cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, sent to /admin only."""
    config = app.extensions["skillbite"].config
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_PATH="/admin", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=config.secure,
                      PERMANENT_SESSION_LIFETIME=SESSION_MAX)
