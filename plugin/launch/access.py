"""Who is calling: the launch session behind the request's token or cookie, or a clear refusal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g

from plugin.launch.models import LaunchSession
from plugin.launch.services import load_launch_session
from plugin.launch.tokens import read_token, token_from_request
from plugin.web.context import db, runtime

F = TypeVar("F", bound=Callable[..., Any])


def current_launch() -> LaunchSession | None:
    if "launch" not in g:
        token = token_from_request()
        session_id = read_token(token, runtime().config.launch_token_minutes * 60) if token else None
        g.launch = load_launch_session(db(), session_id) if session_id else None
    launch: LaunchSession | None = g.launch
    return launch


def enter_launch(launch: LaunchSession, token: str) -> None:
    """Make the rest of this request act for ``launch``, which this request opened and ``token`` names."""
    g.launch_token = token
    g.launch = launch


def require_launch(view: F) -> F:
    """Views behind it can rely on :func:`current_launch` being a live session."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_launch() is None:
            abort(401, description="Your Skillbite session has ended or this link is not yours. "
                                   "Open Skillbite again from your LMS course.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
