"""Who may use the operator views: an LMS administrator's launch (their platform only), or the operator
holding ``SKILLBITE_ADMIN_TOKEN`` (every platform). Not a login system: the admin console comes later."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g, request

from plugin.web.context import runtime

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AdminScope:
    platform_id: int | None  # None: every platform (operator token)


def current_admin() -> AdminScope | None:
    token = runtime().config.admin_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return AdminScope(platform_id=None)
    from plugin.launch.access import current_launch

    launch = current_launch()
    if launch is not None and launch.role == "admin":
        return AdminScope(platform_id=launch.platform_id)
    return None


def require_admin(view: F) -> F:
    """The view can rely on ``g.admin`` (an :class:`AdminScope`)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        admin = current_admin()
        if admin is None:
            abort(403, description="This page is for administrators. Open Skillbite from your LMS as an "
                                   "administrator, or send the operator token (SKILLBITE_ADMIN_TOKEN).")
        g.admin = admin
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
