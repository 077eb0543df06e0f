"""What the learner and L&D pages of skills, plan and review share: who is asking, and what every
template needs to keep the session (the launch token ``lt``) and post forms (``csrf``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort

from plugin.launch.access import current_launch
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import token_from_request
from plugin.web.csrf import csrf_for

STAFF_ROLES = ("instructor", "admin")


@dataclass(frozen=True)
class Viewer:
    launch: LaunchSession
    platform_id: int
    user_id: int


def learner() -> Viewer:
    """The launched person. An anonymous launch has nothing to plan: it gets a clear refusal."""
    launch = current_launch()
    if launch is None:
        abort(401, description="Your Skillbite session has ended. Open Skillbite again from your LMS course.")
    if launch.user_pk is None:
        abort(403, description="Your LMS did not tell us who you are, so there is no personal plan to show. "
                               "Sign in to your LMS and open Skillbite again.")
    return Viewer(launch, launch.platform_id, launch.user_pk)


def staff() -> Viewer:
    viewer = learner()
    if viewer.launch.role not in STAFF_ROLES:
        abort(403, description="This view is for instructors and L&D staff of your LMS.")
    return viewer


def template_context() -> dict[str, Any]:
    launch = current_launch()
    return {"lt": token_from_request() or "", "csrf_value": csrf_for(launch.id) if launch else "",
            "is_staff": bool(launch and launch.role in STAFF_ROLES)}


def install(bp: Blueprint) -> None:
    bp.context_processor(template_context)
