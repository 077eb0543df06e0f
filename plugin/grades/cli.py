"""`skillbite grades status`: what waits for, and what was refused by, the LMS gradebooks and rosters."""

from __future__ import annotations

import click

from plugin.db import transaction
from plugin.grades.services import KIND as SCORE_KIND
from plugin.outbox.services import delivery_health
from plugin.roster.services import KIND as ROSTER_KIND


@click.group("grades")
def grades() -> None:
    """AGS scores and NRPS rosters."""


@grades.command("status")
@click.option("--platform-id", type=int, default=None, help="Only this platform.")
def status(platform_id: int | None) -> None:
    """Queued, held and parked scores and roster fetches, with the LMS's reason for each parked one."""
    from plugin.cli import _config, _sessions

    with transaction(_sessions(_config())) as session:
        for kind in (SCORE_KIND, ROSTER_KIND):
            health = delivery_health(session, platform_id=platform_id, kind=kind)
            counts = health["kinds"].get(kind, {"queued": 0, "in_flight": 0, "held": 0, "parked": 0})
            click.echo(f"{kind}: {counts['queued']} queued, {counts['in_flight']} in flight, "
                       f"{counts['parked']} parked")
            for parked in health["parked"]:
                click.echo(f"  parked #{parked['id']} (platform {parked['platform_id']}, {parked['attempts']} "
                           f"attempts): {parked['reason']}")
    click.echo("Queue parked messages again with `skillbite outbox replay` once the cause is fixed.")
