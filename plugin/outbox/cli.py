"""`skillbite worker` and `skillbite outbox ...`: deliver, inspect and replay the outbox."""

from __future__ import annotations

import datetime as dt
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click

from plugin.admin import audit
from plugin.config import Config
from plugin.db import transaction
from plugin.launch.retention import purge
from plugin.logs import configure_logging
from plugin.metrics.exposition import start_worker_metrics
from plugin.migrate import UnmigratedDatabase, require_current_schema
from plugin.outbox import services
from plugin.outbox.models import Status
from plugin.outbox.registry import load_deliverers
from plugin.outbox.worker import Worker, WorkerSettings
from plugin.runtime import Runtime
from plugin.web.numbers import DATABASE_ID_MAX

# An id past the INTEGER columns would fail inside the driver (OverflowError): click says it is out of range.
DATABASE_ID = click.IntRange(1, DATABASE_ID_MAX)


def worker_settings(config: Config, batch_size: int | None = None) -> WorkerSettings:
    return WorkerSettings(batch_size=batch_size or config.worker_batch_size,
                          lease=dt.timedelta(seconds=config.worker_lease_seconds),
                          poll_seconds=config.worker_poll_seconds,
                          backoff_seconds=config.outbox_backoff_seconds,
                          backoff_max_seconds=config.outbox_backoff_max_seconds,
                          give_up_after=dt.timedelta(hours=config.outbox_give_up_hours))


@contextmanager
def command_runtime() -> Iterator[Runtime]:
    """The runtime of one CLI command; its connections are closed when the command ends."""
    from plugin.cli import _config

    config = _config()
    # One JSON object per line, redacted, as the web processes log (docs/operations.md, "Logs").
    configure_logging(config.log_level, config.log_format)
    runtime = Runtime.build(config)
    try:
        try:
            require_current_schema(runtime.engine)
        except UnmigratedDatabase as exc:
            raise click.ClickException(str(exc)) from None
        yield runtime
    finally:
        runtime.engine.dispose()


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--max-seconds", type=float, default=None, help="Exit after this long at most.")
@click.option("--kind", "kinds", multiple=True, help="Only these message kinds (repeatable), e.g. xapi.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=None,
              help="Messages per claim (default SKILLBITE_WORKER_BATCH_SIZE).")
def worker_command(once: bool, max_seconds: float | None, kinds: tuple[str, ...], batch_size: int | None) -> None:
    """Deliver outbox messages (xAPI statements, AGS scores). Run as many as you like, anywhere."""
    with command_runtime() as runtime:
        _work(runtime, once, max_seconds, kinds, batch_size)


def _work(runtime: Runtime, once: bool, max_seconds: float | None, kinds: tuple[str, ...],
          batch_size: int | None) -> None:
    try:
        deliverers = load_deliverers(runtime, list(kinds) or None)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    days = runtime.config.launch_session_days
    worker = Worker(runtime.sessions, deliverers, worker_settings(runtime.config, batch_size),
                    housekeeping=lambda session: purge(session, session_days=days).total)
    start_worker_metrics(runtime.config)  # on SKILLBITE_WORKER_METRICS_PORT, when set

    def stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"Signal {signum}: finishing the batch in hand, then stopping.", err=True)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"Worker delivering {', '.join(sorted(deliverers))} (batch {worker.settings.batch_size}).", err=True)
    stats = worker.run(once=once, max_seconds=max_seconds)
    click.echo(json.dumps(stats.as_dict()))


@click.group("outbox")
def outbox_group() -> None:
    """Messages waiting to leave: status, parked ones, replay."""


@outbox_group.command("status")
@click.option("--kind", default=None)
@click.option("--platform-id", type=DATABASE_ID, default=None)
def outbox_status(kind: str | None, platform_id: int | None) -> None:
    """Delivery health as JSON: queued, in flight, held, oldest age, parked with reasons."""
    with command_runtime() as runtime, transaction(runtime.sessions) as session:
        health = services.delivery_health(session, kind=kind, platform_id=platform_id)
    click.echo(json.dumps(health, indent=2))


@outbox_group.command("replay")
@click.option("--id", "ids", type=DATABASE_ID, multiple=True, help="Only these message ids (repeatable).")
@click.option("--kind", default=None)
@click.option("--platform-id", type=DATABASE_ID, default=None)
@click.option("--held", is_flag=True, help="Replay held messages instead of parked ones.")
def outbox_replay(ids: tuple[int, ...], kind: str | None, platform_id: int | None, held: bool) -> None:
    """Queue parked messages again (after fixing what the reason said)."""
    with command_runtime() as runtime, transaction(runtime.sessions) as session:
        count = services.replay(session, ids=list(ids) or None, kind=kind, platform_id=platform_id,
                                status=Status.HELD if held else Status.PARKED)
        audit.record(session, audit.cli_actor(), "delivery.replayed", audit.replayed(count, kind, list(ids) or None),
                     platform_id=platform_id, detail="held messages" if held else None)
    click.echo(f"{count} message(s) queued again.")


def register(main: click.Group) -> None:
    main.add_command(worker_command)
    main.add_command(outbox_group)
