"""`skillbite demo load`: the demo course, its skills framework and roles, ready for the demo LMS."""

from __future__ import annotations

import click

from plugin.db import transaction


@click.group()
def demo() -> None:
    """Demo content for trying Skillbite without an LMS."""


@demo.command("load")
def demo_load() -> None:
    """Load the demo skills framework and the demo course (safe to repeat)."""
    from plugin.admin import audit
    from plugin.catalog.services import load_demo_course
    from plugin.cli import _config, _sessions
    from plugin.skills.services import load_demo_skills

    with transaction(_sessions(_config())) as session:
        framework = load_demo_skills(session)
        result = load_demo_course(session)
        title, number, created = result.version.title, result.version.number, result.created
        skills = framework.title
        if created:  # an unchanged demo writes nothing, so it leaves no entry (as a course import)
            audit.record(session, audit.cli_actor(), "demo.loaded",
                         f"course {title} (version {number}) and skill framework {skills}")
    state = "loaded" if created else "already up to date"
    click.echo(f"Demo course '{title}' (version {number}) {state}; skills framework '{skills}' ready.")
