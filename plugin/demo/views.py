"""The demo LMS: a course page that launches Skillbite in an iframe, and the platform's OIDC endpoints."""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from plugin.config import ConfigError
from plugin.demo.platform import CLIENT_ID, COURSE, PEOPLE, DemoPlatform, ensure_demo_platform
from plugin.runtime import Runtime

bp = Blueprint("demo", __name__, template_folder="templates", url_prefix="/demo")


def enable(app: Flask, runtime: Runtime) -> None:
    config = runtime.config
    if not config.is_loopback and not config.demo_allow_remote:
        raise ConfigError(
            f"The demo platform lets anyone launch as anyone, so it only runs on a loopback base URL "
            f"(SKILLBITE_BASE_URL is {config.base_url}). Set SKILLBITE_DEMO_ALLOW_REMOTE=1 to override."
        )
    with runtime.sessions() as session, session.begin():
        app.extensions["skillbite.demo"] = ensure_demo_platform(session, config, runtime.box)
    app.register_blueprint(bp)


@bp.before_request
def only_this_machine() -> None:
    """The demo platform lets anyone launch as anyone, and the server may listen on every address (the
    container image runs on 0.0.0.0): unless SKILLBITE_DEMO_ALLOW_REMOTE=1, it answers browsers on this
    machine only. Without its authorization endpoint, no one else can get a demo launch signed."""
    if _demo().config.demo_allow_remote:
        return
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    if not local:
        abort(403, description="The demo LMS only answers browsers on the machine Skillbite runs on. To try it "
                               "from another machine (or through a container's published port), set "
                               "SKILLBITE_DEMO_ALLOW_REMOTE=1: anyone who reaches it can then launch as anyone.")


def _demo() -> DemoPlatform:
    from flask import current_app

    demo: DemoPlatform = current_app.extensions["skillbite.demo"]
    return demo


@bp.get("")
def course_page() -> str:
    """The demo LMS course page: pick who you are and Skillbite opens inside it, as in a real LMS."""
    person = PEOPLE.get(request.args.get("as", ""))
    return render_template("demo/course.html", people=PEOPLE.values(), person=person, course=COURSE)


@bp.get("/start/<person_key>")
def start(person_key: str) -> BaseResponse:
    """The LMS side of a launch: third-party initiated login to the tool (LTI Core 1.3 §4.1)."""
    person = PEOPLE.get(person_key) or abort(404)
    params = _demo().login_initiation(person)
    return redirect(_demo().config.url("/lti/login") + "?" + urlencode(params), code=302)


@bp.get("/authorize")
def authorize() -> str:
    """The platform's OIDC authorization endpoint (Security Framework 1.0 §5.1.1.2), strict like a real LMS."""
    demo = _demo()
    args = request.args
    expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                "prompt": "none", "client_id": CLIENT_ID}
    for name, value in expected.items():
        if args.get(name) != value:
            abort(400, description=f"The tool's authentication request has {name}={args.get(name)!r}, "
                                   f"expected {value!r}.")
    redirect_uri = args.get("redirect_uri", "")
    if not hmac.compare_digest(redirect_uri, demo.config.url("/lti/launch")):
        abort(400, description="redirect_uri is not the one registered for the demo tool.")
    if not args.get("state") or not args.get("nonce"):
        abort(400, description="The tool's authentication request has no state or nonce.")
    person = PEOPLE.get(args.get("login_hint", "")) or abort(400, description="Unknown login_hint.")
    id_token = demo.id_token(person, args["nonce"])
    return render_template("demo/form_post.html", action=redirect_uri,
                           fields={"id_token": id_token, "state": args["state"]})


@bp.get("/jwks")
def jwks() -> Response:
    return jsonify(_demo().jwks)
