"""Who may use the operator API (``/admin/xapi/…``, ``/admin/outbox/…``): the operator holding
``SKILLBITE_ADMIN_TOKEN`` (every platform), or anyone the admin console lets in (plugin.admin.access): a
local admin signed in to the console (every platform) or an LMS administrator's launch (their platform).

The console's sign-in and a launch are ambient credentials (cookies a browser sends by itself), so a
request that changes something must also carry the viewer's CSRF value (header ``X-Skillbite-CSRF`` or
field ``csrf``); the operator token is never sent by a browser on its own and needs none.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g, request

from plugin.admin.audit import OPERATOR, Actor, console_actor
from plugin.web.context import runtime
from plugin.web.csrf import FIELD as CSRF_FIELD
from plugin.web.csrf import HEADER as CSRF_HEADER

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # RFC 9110 §9.2.1


@dataclass(frozen=True)
class AdminScope:
    platform_id: int | None  # None: every platform (operator token, local admin)
    actor: Actor  # who, for the activity log


def _holds_operator_token() -> bool:
    token = runtime().config.admin_token
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].encode(), token.encode())


def current_admin() -> AdminScope | None:
    """The caller's scope, or None; a console viewer's unsafe request without its CSRF value gets 403."""
    if _holds_operator_token():
        return AdminScope(platform_id=None, actor=OPERATOR)
    from plugin.admin.access import current_viewer  # the console builds on the web layer, not the reverse

    viewer = current_viewer()
    if viewer is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
        if not hmac.compare_digest(sent, viewer.csrf):
            abort(403, description="This request did not come from the admin console: send the console's "
                                   f"CSRF value in the {CSRF_HEADER} header, or use the operator token.")
    return AdminScope(platform_id=viewer.platform_id, actor=console_actor())


def require_admin(view: F) -> F:
    """The view can rely on ``g.admin`` (an :class:`AdminScope`)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        admin = current_admin()
        if admin is None:
            abort(403, description="This page is for administrators. Sign in to the admin console "
                                   "(/admin/login), open Skillbite from your LMS as an administrator, or send "
                                   "the operator token (SKILLBITE_ADMIN_TOKEN).")
        g.admin = admin
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
