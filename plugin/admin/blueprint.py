"""The console's blueprint and what every console page shares: CSRF on every POST, the viewer in
templates, the cookie settings, notices after a redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.blueprints import BlueprintSetupState

from plugin.admin.access import check_console_csrf, configure_cookie, console_url, current_viewer
from plugin.web.context import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
               static_url_path="/static")

NAV = (
    ("Dashboard", "admin.dashboard"),
    ("Platforms", "admin.platforms"),
    ("Tool keys", "admin.keys"),
    ("LRS", "admin.lrs"),
    ("Delivery", "admin.delivery"),
    ("Statements", "admin.statements"),
    ("Credentials", "admin.credentials"),
    ("Content", "admin.content"),
    ("Activity", "admin.activity_log"),
)

# What a redirect after a successful action says (a code in the URL, never text from the request).
NOTICES = {
    "platform-added": ("Platform added. Paste the URLs below into the LMS, and add its deployment id below if it "
                       "is not listed yet."),
    "platform-saved": "Platform saved.",
    "platform-disabled": "Platform disabled: its launches are refused until it is enabled again.",
    "platform-enabled": "Platform enabled.",
    "deployment-added": "Deployment added.",
    "deployment-removed": "Deployment removed: its launches are refused now.",
    "key-rotated": "New signing key added. Retire the old one once every LMS has fetched the new keyset.",
    "key-retired": "Key retired: it is no longer published.",
    "lrs-added": "LRS added. Held statements go to it with the next worker run. Test it below.",
    "lrs-removed": "LRS removed.",
    "replayed": "Messages queued again; a worker picks them up within seconds.",
    "revoked": "Credential revoked. Verifiers see it as revoked when they next fetch the status list.",
    "signed-out": "You are signed out.",
    "course-handed-over": "Course handed over: it is seen and updated by the organisation it now belongs to "
                          "(everyone sees the shared library's courses).",
}


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    configure_cookie(state.app)


bp.before_request(check_console_csrf)


@bp.context_processor
def _console_globals() -> dict[str, Any]:
    return {"viewer": current_viewer(), "curl": console_url, "admin_nav": NAV,
            "notice": NOTICES.get(request.args.get("done", ""))}


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a console page; a page shown with an error first undoes whatever the request began."""
    if status >= 400:
        db().rollback()
    return render_template(f"admin/{template}", **context), status
