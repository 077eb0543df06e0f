"""LTI 1.3 endpoints the LMS talks to: /lti/login, /lti/launch, and the launch's first page."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from lti.claims import DEEP_LINKING_REQUEST
from lti.errors import LaunchError
from lti.launch import validate_launch
from lti.oidc import begin_login
from plugin.deep_linking.targets import launch_target
from plugin.launch.access import current_launch, enter_launch, require_launch
from plugin.launch.keysets import platform_keys
from plugin.launch.models import LaunchSession, LaunchState
from plugin.launch.services import open_launch_session
from plugin.launch.stores import DatabaseLaunchStates
from plugin.launch.tokens import (
    FIELD,
    cookie_options,
    cookies_can_be_secure,
    issue_token,
    set_session_cookie,
    token_from_request,
)
from plugin.logs import event
from plugin.platforms.models import Platform
from plugin.platforms.services import DatabaseRegistrations
from plugin.roster.services import request_sync
from plugin.web.context import db, runtime

bp = Blueprint("launch", __name__, template_folder="templates")
log = logging.getLogger("skillbite.launch")

STATE_TTL_SECONDS = 600
STATE_COOKIE_PREFIX = "lti_state_"
STORAGE_FIELD = "lti_storage_state"
STATE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
OAUTH_ERROR_CODE = re.compile(r"[a-z_]{1,40}")  # login_required, interaction_required, …


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.route("/lti/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    """LTI Core 1.3 §4.1: third-party initiated login, answered with the OIDC authentication request."""
    cfg = runtime().config
    session = db()
    params = {key: value for key, value in request.values.items()}
    login_redirect = begin_login(
        params,
        registrations=DatabaseRegistrations(session),
        states=DatabaseLaunchStates(session),
        redirect_uri=cfg.url("/lti/launch"),
        state_ttl_seconds=STATE_TTL_SECONDS,
    )
    session.commit()
    event(log, "login started", issuer=login_redirect.registration.issuer,
          platform_id=login_redirect.registration.id)
    if login_redirect.storage_target:
        # LTI Platform Storage (lti-cs-oidc 0.1): keep the state in the platform's frame as well,
        # so the launch can be tied to this browser when third-party cookies are blocked.
        response: BaseResponse = Response(render_template(
            "launch/storage_login.html", redirect_url=login_redirect.url, state=login_redirect.state,
            target=login_redirect.storage_target,
            platform_origin=_origin(login_redirect.registration.auth_login_url)))
    else:
        response = redirect(login_redirect.url, code=302)
    response.set_cookie(STATE_COOKIE_PREFIX + login_redirect.state, login_redirect.state,
                        max_age=STATE_TTL_SECONDS, path="/lti/", **cookie_options(cookies_can_be_secure(cfg)))  # type: ignore[arg-type]
    return response


def _platform_origin(state_data: dict[str, object]) -> str:
    platform = db().get(Platform, state_data.get("registration_id"))
    return _origin(platform.auth_login_url) if platform else _origin(str(state_data.get("iss", "")))


def _state_is_bound(state: str) -> bool | Response:
    """Security Framework 1.0 §5.1.1.1: the state must come back to the browser that started the login.

    True when the state cookie matches; a page that asks the platform's storage when the cookie was
    blocked but the platform offered storage; False otherwise.
    """
    cookie = request.cookies.get(STATE_COOKIE_PREFIX + state)
    if cookie is not None and hmac.compare_digest(cookie, state):
        return True
    stored = db().get(LaunchState, state)
    if stored is None:
        raise LaunchError("invalid_state", "This launch has expired or was already used.",
                          "Open Skillbite again from the LMS. If it keeps happening, the LMS may be "
                          "sending launches to the wrong tool URL.")
    target = stored.data.get("storage_target")
    if target:
        answered = request.form.get(STORAGE_FIELD)
        if answered is None:
            return Response(render_template(
                "launch/storage_launch.html", fields=dict(request.form), state=state, target=target,
                storage_field=STORAGE_FIELD,
                platform_origin=_platform_origin(stored.data)))
        return hmac.compare_digest(answered, state)
    return False


@bp.post("/lti/launch")
def launch() -> BaseResponse:
    """LTI Core 1.3 §5 / Security Framework §5.1.3: validate the id_token, open a session, show page one."""
    cfg = runtime().config
    id_token = request.form.get("id_token")
    state = request.form.get("state")
    if request.form.get("error"):
        # OIDC Core §3.2.2.6 / RFC 6749 §4.1.2.1: an error code, one word. Anything else is not shown, so
        # that no site can post its own sentence onto a Skillbite page.
        code = request.form["error"]
        said = f" ({code})" if OAUTH_ERROR_CODE.fullmatch(code) else ""
        raise LaunchError("platform_error", f"The LMS refused the login{said}.",
                          "Check that Skillbite is enabled for this course and that you are logged in.")
    if not id_token:
        raise LaunchError("missing_id_token", "The LMS did not send an id_token.",
                          "Check the tool's redirect URL in the LMS: it must be " + cfg.url("/lti/launch"))
    if not state:
        raise LaunchError("missing_state", "The LMS did not send the login state back.",
                          "The LMS must echo the state of the login request (OIDC form_post).")
    if not STATE_SHAPE.fullmatch(state):
        # Our states are URL-safe base64 (lti.oidc); anything else was never issued, and is not
        # looked up (PostgreSQL refuses NUL characters in text).
        raise LaunchError("invalid_state", "This launch has expired or was already used.",
                          "Open Skillbite again from the LMS.")
    bound = _state_is_bound(state)
    if isinstance(bound, Response):
        return bound
    if not bound:
        raise LaunchError(
            "state_not_bound", "Your browser did not keep the login cookie, so this launch cannot be "
            "tied to you.",
            "Third-party cookies seem blocked. Open the activity in a new window, or ask the LMS admin "
            "to enable LTI platform storage or to open Skillbite in a new window.", status=401)
    session = db()
    states = DatabaseLaunchStates(session)
    # Security Framework 1.0 §5.1.1.1: a state is used once, so it is spent even when the token fails.
    state_data = states.take_state(state)
    try:
        message = validate_launch(
            id_token, state_data,
            registrations=DatabaseRegistrations(session),
            keys=platform_keys(session),
            states=states,
        )
    except LaunchError:
        session.commit()
        raise
    lifetime = dt.timedelta(minutes=cfg.launch_token_minutes)
    launch_session = open_launch_session(session, message, lifetime)
    # NRPS roster, at most every few minutes per LMS course (through the outbox)
    request_sync(session, launch_session, every=dt.timedelta(minutes=cfg.roster_refresh_minutes))
    session.commit()
    event(log, "launch accepted", platform_id=launch_session.platform_id, role=launch_session.role,
          message_type=message.message_type, anonymous=message.is_anonymous)
    g.launch_accepted = True  # for the launch counter (plugin.metrics), whatever the first page answers
    token = issue_token(launch_session.id)
    carry: dict[str, Any] = {FIELD: token}
    if message.message_type == DEEP_LINKING_REQUEST:
        # LTI DL 2.0 §4.4: a deep linking request opens the content picker, not the learner's first page.
        response: BaseResponse = redirect(url_for("deep_linking.picker", **carry), code=303)
    else:
        # The first page is the answer to this POST: no extra round trip, which a phone in an LMS
        # iframe feels. Its own URL goes in Content-Location (RFC 9110 §8.7) and, through
        # address_bar_url(), into the browser's history, so a reload asks for the page, not the launch.
        destination = first_page(launch_session, carry)
        if urlsplit(destination).path.startswith(url_for("admin.dashboard")):
            # The console is a section of its own (its layout, its helpers): reached by a redirect.
            response = redirect(destination, code=303)
        else:
            enter_launch(launch_session, token)
            response = serve_in_place(destination)
            response.headers["Content-Location"] = destination
    set_session_cookie(response, token, cookies_can_be_secure(cfg), int(lifetime.total_seconds()))
    # With the attributes it was set with: a browser ignores the deletion of a Partitioned, SameSite=None
    # cookie inside the LMS iframe otherwise, and the spent state would ride along for its ten minutes.
    response.delete_cookie(STATE_COOKIE_PREFIX + state, path="/lti/",
                           **cookie_options(cookies_can_be_secure(cfg)))  # type: ignore[arg-type]
    return response


def serve_in_place(location: str) -> BaseResponse:
    """The GET page at ``location`` (a URL of this app), rendered as this request's response."""
    path = urlsplit(location).path.removeprefix(request.script_root)
    endpoint, args = current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    g.page_endpoint = endpoint
    g.address_bar_url = location
    return current_app.make_response(current_app.ensure_sync(current_app.view_functions[endpoint])(**args))


COURSE_PARAMETER = "skillbite_course"


def first_page(launch_session: LaunchSession, carry: dict[str, Any]) -> str:
    """Where a launch lands: the content the resource link names (custom ``skillbite_course``, or the
    module, nugget or pathway chosen by deep linking), else the console for an LMS administrator
    (docs/admin-setup.md), else the catalog."""
    target = launch_target(db(), launch_session, carry)
    if target:
        return target
    link = launch_session.resource_link
    slug = str((link.custom or {}).get(COURSE_PARAMETER, "")).strip() if link else ""
    if slug:
        return url_for("player.overview", slug=slug, **carry)
    if launch_session.role == "admin":  # an LMS administrator: the console of their own platform
        return url_for("admin.dashboard", **carry)
    return url_for("player.catalog", **carry)


@bp.get("/learn")
@require_launch
def home() -> BaseResponse:
    """Back to where the launch landed (links and bookmarks inside the tool use it)."""
    launch_session = current_launch()
    assert launch_session is not None
    token = token_from_request()
    return redirect(first_page(launch_session, {FIELD: token} if token else {}), code=303)
