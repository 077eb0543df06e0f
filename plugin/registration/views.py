"""/lti/register (LTI Dynamic Registration 1.0, Moodle 4.x flow) and /lti/canvas.json."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lti.registration import fetch_platform_configuration
from plugin.admin import audit
from plugin.logs import event
from plugin.platforms.services import PlatformError
from plugin.registration import gate, invites
from plugin.registration.services import canvas_configuration, register_with_platform, tool_description
from plugin.web.context import db, runtime
from plugin.web.errors import error_response

bp = Blueprint("registration", __name__, template_folder="templates")
log = logging.getLogger("skillbite.registration")
FORM_MAX_AGE_SECONDS = 900


def _signer() -> URLSafeTimedSerializer:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.secret_key, salt="skillbite.registration")  # type: ignore[arg-type]


@bp.get("/lti/register")
def start() -> str:
    """DR 1.0 §3.3: the platform opens this page with openid_configuration and registration_token.

    We show what is about to be registered; the admin confirms. The form carries both values signed
    (the signature is the CSRF protection: a forged form cannot be made without the instance secret).
    The registration link (``invite``) is checked first, and carried in the signed form.
    """
    link = gate.require_link(request.args.get(invites.FIELD))
    openid_configuration = request.args.get("openid_configuration", "").strip()
    if not openid_configuration:
        abort(400, description="This is Skillbite's dynamic registration URL. Paste it into your LMS "
                               "(Moodle: Site administration › Plugins › Manage tools › Tool URL); the LMS "
                               "then opens it with an openid_configuration parameter.")
    platform_config = fetch_platform_configuration(openid_configuration, runtime().http)
    form = _signer().dumps({"openid_configuration": openid_configuration,
                            "registration_token": request.args.get("registration_token"),
                            invites.FIELD: link.token})
    return render_template("registration/confirm.html", platform=platform_config,
                           tool=tool_description(runtime().config), form=form)


@bp.post("/lti/register")
def finish() -> str | Response:
    """DR 1.0 §3.5–3.6: register, store the platform, then tell the LMS to close (§3.6.3)."""
    try:
        values = _signer().loads(request.form.get("form", ""), max_age=FORM_MAX_AGE_SECONDS)
    except BadSignature:
        abort(400, description="This registration form has expired or was altered. Start the "
                               "registration again from your LMS.")
    link = gate.require_link(values.get(invites.FIELD))
    session = db()
    try:
        platform = register_with_platform(session, runtime().config, runtime().http,
                                          values["openid_configuration"], values.get("registration_token"),
                                          name=link.name, before_storing=lambda: gate.use_link(session, link))
        session.flush()
    except PlatformError as exc:
        # The LMS accepted the registration (§3.6) before Skillbite could store it: the LMS now lists a
        # tool Skillbite does not know. Nothing is stored, so the registration link stays usable.
        session.rollback()
        event(log, "platform registration not stored", logging.WARNING, reason=str(exc))
        return error_response(
            400, "Your LMS registered Skillbite, but Skillbite could not store the registration",
            f"Skillbite could not store what your LMS answered: {exc}",
            "Your LMS now holds a Skillbite registration that does not work: delete it there (Moodle: Site "
            "administration › Plugins › Manage tools), correct what is named above, then register again.",
            code="registration_not_stored")
    gate.link_registered(session, link, platform)
    # Whoever opened this page came from the LMS's admin screens; the LMS vouched for them with its token.
    audit.record(session, audit.Actor("platform", f"dynamic registration from {platform.issuer}"),
                 "platform.registered", audit.platform_label(platform), platform_id=platform.id,
                 detail=f"through registration link {link.label}")
    session.commit()
    event(log, "platform registered", platform_id=platform.id, issuer=platform.issuer, method="dynamic")
    return render_template("registration/done.html", platform=platform)


@bp.get("/lti/canvas.json")
def canvas_json() -> Response:
    return jsonify(canvas_configuration(runtime().config))
