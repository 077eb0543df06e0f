"""Shared by the skills, plan and review tests: a database session, the demo data, form helpers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from plugin.db import transaction
from plugin.skills.services import choose_role, load_demo_skills, roles_for


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "the page has a form with a csrf field"
    return match.group(1)


def role_id(app: Any, platform_id: int, key: str) -> int:
    with transaction(app.extensions["skillbite"].sessions) as session:
        return next(r.id for r in roles_for(session, platform_id) if r.key == key)


def give_role(app: Any, platform_id: int, user_id: int, key: str = "team-lead") -> None:
    rid = role_id(app, platform_id, key)
    with transaction(app.extensions["skillbite"].sessions) as session:
        choose_role(session, platform_id, user_id, rid)


@pytest.fixture
def demo_skills(app: Any, demo_course: str) -> str:
    """The demo course and the demo framework with its roles."""
    with transaction(app.extensions["skillbite"].sessions) as session:
        load_demo_skills(session)
    return demo_course
