"""LTI Advantage services in one import: the tables and score handler of grades and roster, and the
blueprints of the deep linking picker and the roster view (for plugin.models and create_app)."""

from __future__ import annotations

from flask import Blueprint

from plugin.grades import models as grades_models  # noqa: F401
from plugin.grades import services as grades_services  # noqa: F401  (subscribes the score handler)
from plugin.roster import models as roster_models  # noqa: F401


def advantage_blueprints() -> tuple[Blueprint, ...]:
    from plugin.deep_linking import views as deep_linking_views
    from plugin.roster import views as roster_views

    return deep_linking_views.bp, roster_views.bp
