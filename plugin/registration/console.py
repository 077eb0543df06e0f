"""The console's Registration links page (/admin/registration-links): local admins make and revoke the
one-time links through which an LMS registers itself (plugin.registration.invites).

A page of the admin console kept beside the feature it serves; it shares the console's access rules,
CSRF check and layout (plugin.admin.access, admin/layout.html). Only local admins reach it: a link adds a
tenant, which an LMS administrator of one tenant must not be able to do.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request
from werkzeug.wrappers import Response

from plugin.admin import audit
from plugin.admin.access import check_console_csrf, console_page, console_url, current_viewer, local_only
from plugin.admin.blueprint import NAV
from plugin.db import utcnow
from plugin.registration import invites
from plugin.web.context import db, runtime
from plugin.web.numbers import whole_number

bp = Blueprint("registration_links", __name__, url_prefix="/admin/registration-links",
               template_folder="templates")
bp.before_request(check_console_csrf)

NOTICES = {"revoked": "Registration link revoked: it can no longer register a platform."}


@bp.context_processor
def _console_globals() -> dict[str, Any]:
    """What admin/layout.html expects (the admin blueprint gives it to its own pages)."""
    return {"viewer": current_viewer(), "curl": console_url, "admin_nav": NAV,
            "notice": NOTICES.get(request.args.get("done", ""))}


def _page(status: int = 200, *, created: invites.NewInvite | None = None, created_url: str | None = None,
          error: str | None = None, form: dict[str, str] | None = None) -> tuple[str, int, dict[str, str]]:
    if status >= 400:
        db().rollback()
    html = render_template("registration/links.html", rows=invites.list_invites(db()), now=utcnow(),
                           created=created, created_url=created_url, error=error, form=form or {},
                           default_days=invites.DEFAULT_DAYS, max_days=invites.MAX_DAYS)
    # The page that shows a new link's URL is the only place it is ever shown: keep it out of caches.
    return html, status, {"Cache-Control": "no-store"}


@bp.get("")
@console_page
@local_only
def index() -> tuple[str, int, dict[str, str]]:
    return _page()


@bp.post("")
@console_page
@local_only
def create() -> tuple[str, int, dict[str, str]]:
    raw_days = request.form.get("days", "").strip() or str(invites.DEFAULT_DAYS)
    form = {"name": request.form.get("name", ""), "days": raw_days}
    days = whole_number(raw_days)
    if days is None:
        return _page(422, error="Give the days as a whole number.", form=form)
    try:
        made = invites.create_invite(db(), name=form["name"], days=days)
    except invites.InviteError as exc:
        return _page(422, error=str(exc), form=form)
    audit.record(db(), audit.console_actor(), invites.CREATED, invites.label(made.invite))
    db().commit()
    # Shown once, on this answer: only the token's hash is kept.
    return _page(created=made, created_url=invites.registration_url(runtime().config, made.token))


@bp.post("/<int:invite_id>/revoke")
@console_page
@local_only
def revoke(invite_id: int) -> Response | tuple[str, int, dict[str, str]]:
    try:
        revoked = invites.revoke_invite(db(), invite_id)
    except invites.InviteNotFound as exc:
        abort(404, description=str(exc))
    except invites.InviteError as exc:
        return _page(400, error=str(exc))
    audit.record(db(), audit.console_actor(), invites.REVOKED, invites.label(revoked))
    db().commit()
    return redirect(console_url("registration_links.index", done="revoked"), code=303)
