"""The navigation every page inside a launch shares: one list, in the learner's words, role-aware."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request

from lti.claims import DEEP_LINKING_REQUEST
from plugin.launch.access import current_launch
from plugin.launch.tokens import token_from_request

LEARNER_ITEMS: tuple[tuple[str, str], ...] = (
    ("Courses", "player.catalog"),
    ("What next", "plan.next_up"),
    ("My plan", "plan.page"),
    ("Review", "review.session_page"),
    ("My skills", "skills.my_skills"),
    ("My badges", "credentials.my_badges"),
)
STAFF_ITEMS: tuple[tuple[str, str], ...] = (
    ("Team insights", "skills.insights"),
    ("Roster", "roster.members"),
    ("Manage courses", "catalog.manage"),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    current: bool


def launch_nav() -> list[NavItem]:
    """Empty outside a launch (the demo LMS, public credential pages, errors before sign-in)."""
    if not token_from_request():
        return []
    launch = current_launch()
    if launch is None or launch.message_type == DEEP_LINKING_REQUEST:
        # LTI DL 2.0: the LMS opened Skillbite to pick content and waits for the answer; a way out to the
        # learner pages would leave the LMS waiting.
        return []
    items = LEARNER_ITEMS if launch.user else LEARNER_ITEMS[:1]
    if launch.role in {"instructor", "admin"}:
        items = items + STAFF_ITEMS
    if launch.role == "admin":  # an LMS administrator: the console of their own platform
        items = items + (("Admin console", "admin.dashboard"),)
    page = g.get("page_endpoint", request.endpoint)  # a launch answers with its first page's view
    return [NavItem(label, endpoint, page == endpoint) for label, endpoint in items]


def address_bar_url() -> str | None:
    """The URL of a page that answers a POST (a launch's first page), for the browser's history."""
    url: str | None = g.get("address_bar_url")
    return url


def install(app: Flask) -> None:
    app.jinja_env.globals["launch_nav"] = launch_nav
    app.jinja_env.globals["address_bar_url"] = address_bar_url
