"""`skillbite lrs add/list/test/remove` and `skillbite xapi export`."""

from __future__ import annotations

import datetime as dt
import re
import sys

import click
import requests

from lti.outbound import OutboundRefused
from plugin.admin import audit
from plugin.db import transaction
from plugin.outbox.cli import command_runtime
from plugin.saved_urls import saving_problem
from plugin.xapi import services
from plugin.xapi.delivery import LrsClient
from plugin.xapi.models import XAPI_VERSIONS, LrsDestination


@click.group("lrs")
def lrs_group() -> None:
    """Learning record stores that receive Skillbite's xAPI statements."""


@lrs_group.command("add")
@click.option("--endpoint", required=True, help="The LRS's xAPI endpoint, e.g. https://lrs.example.com/xapi/")
@click.option("--username", required=True, help="Basic auth key / username.")
@click.option("--password", prompt=True, hide_input=True, help="Basic auth secret (prompted if not given).")
@click.option("--name", default=None, help="A name people recognise.")
@click.option("--platform-id", type=int, default=None, help="Only for this platform (default: every platform).")
@click.option("--deployment-id", default=None, help="Only for this deployment of the platform.")
@click.option("--xapi-version", type=click.Choice(XAPI_VERSIONS), default="1.0.3", show_default=True)
@click.option("--batch-size", type=int, default=200, show_default=True, help="Statements per POST.")
def lrs_add(endpoint: str, username: str, password: str, name: str | None, platform_id: int | None,
            deployment_id: str | None, xapi_version: str, batch_size: int) -> None:
    """Add an LRS. Statements held for lack of one are sent to it by the worker."""
    try:
        with command_runtime() as runtime:
            # The worker would park every statement for an endpoint the policy refuses: say so before saving.
            problem = saving_problem(runtime.config.outbound_policy("LRS"), endpoint)
            if problem:
                raise click.ClickException(f"--endpoint: {problem}\nNothing was added.")
            with transaction(runtime.sessions) as session:
                row = services.add_destination(
                    session, runtime.box, name=name or endpoint, endpoint=endpoint, username=username,
                    password=password, xapi_version=xapi_version, batch_size=batch_size, platform_id=platform_id,
                    deployment_id=deployment_id)
                session.flush()
                lrs_id = row.id
                audit.record(session, audit.cli_actor(), "lrs.added", f"{row.name} ({row.endpoint})",
                             platform_id=platform_id)
    except services.XapiError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added LRS {lrs_id}. Check it with `skillbite lrs test {lrs_id}`.")


@lrs_group.command("list")
def lrs_list() -> None:
    """Show the LRSs and what each one serves (credentials are never shown)."""
    with command_runtime() as runtime, transaction(runtime.sessions) as session:
        rows = services.list_destinations(session)
        if not rows:
            click.echo("No LRS configured: statements are kept in the local statement log until one is added "
                       "with `skillbite lrs add`.")
        for row in rows:
            scope = ("default for every platform" if row.platform_id is None else f"platform {row.platform_id}"
                     + (f", deployment {row.deployment_id}" if row.deployment_id else ""))
            click.echo(f"{row.id:>4}  {row.name}  [{scope}; xAPI {row.xapi_version}; batch {row.batch_size}; "
                       f"{'enabled' if row.enabled else 'disabled'}]\n      {row.endpoint}  user {row.username}")


@lrs_group.command("remove")
@click.argument("lrs_id", type=int)
def lrs_remove(lrs_id: int) -> None:
    """Remove an LRS (queued statements then go to the next matching one, or are held)."""
    try:
        with command_runtime() as runtime, transaction(runtime.sessions) as session:
            removed = session.get(LrsDestination, lrs_id)
            services.remove_destination(session, lrs_id)
            assert removed is not None, "remove_destination refuses an unknown id"
            audit.record(session, audit.cli_actor(), "lrs.removed", f"{removed.name} ({removed.endpoint})",
                         platform_id=removed.platform_id)
    except services.XapiError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Removed LRS {lrs_id}.")


VERSION = re.compile(r"\d{1,3}\.\d{1,3}(\.\d{1,3})?")


def check_destination(client: LrsClient) -> list[tuple[bool, str]]:
    """Real requests: the about resource (reachable, versions) and a statements query (credentials)."""
    checks: list[tuple[bool, str]] = []
    try:
        about = client.about()
        if about.status_code == 200:
            # Only version numbers are repeated: the rest of the reply is the endpoint host's, not ours to show.
            body = about.json()
            listed = body.get("version") if isinstance(body, dict) else None
            versions = [v for v in listed if isinstance(v, str) and VERSION.fullmatch(v)][:5] if isinstance(
                listed, list) else []
            wanted = client.destination.xapi_version
            ok = any(str(found).startswith(wanted.rsplit(".", 1)[0]) for found in versions)
            checks.append((ok, f"about: reachable, speaks xAPI {', '.join(map(str, versions)) or '?'}"
                               + ("" if ok else f" (configured for {wanted})")))
        else:
            checks.append((False, f"about: HTTP {about.status_code}"))
        query = client.query_statements(1)
        if query.status_code == 200:
            checks.append((True, "statements: credentials accepted"))
        elif query.status_code in (401, 403):
            checks.append((False, f"statements: credentials refused (HTTP {query.status_code})"))
        else:
            checks.append((False, f"statements: HTTP {query.status_code}"))
    except OutboundRefused as refused:
        checks.append((False, str(refused)))
    except requests.Timeout:
        checks.append((False, f"no answer within {client.timeout[1]:g} s"))
    except (requests.RequestException, ValueError) as exc:
        checks.append((False, f"request failed: {type(exc).__name__}"))
    return checks


@lrs_group.command("test")
@click.argument("lrs_id", type=int)
def lrs_test(lrs_id: int) -> None:
    """Send real requests to an LRS and report what works."""
    with command_runtime() as runtime, transaction(runtime.sessions) as session:
        timeout = runtime.config.lrs_timeout
        row = next((r for r in services.list_destinations(session) if r.id == lrs_id), None)
        if row is None:
            raise click.ClickException(f"There is no LRS {lrs_id}. See `skillbite lrs list`.")
        destination = services.open_destination(runtime.box, row)
        policy = runtime.config.outbound_policy("LRS")
    client = LrsClient(destination, timeout, policy)
    try:
        checks = check_destination(client)
    finally:
        client.http.close()
    for ok, text in checks:
        click.echo(f"{'ok  ' if ok else 'FAIL'} {text}")
    if not all(ok for ok, _ in checks):
        raise click.ClickException(f"LRS {lrs_id} is not usable yet (see above).")


@click.group("xapi")
def xapi_group() -> None:
    """The local statement log."""


@xapi_group.command("export")
@click.option("--platform-id", type=int, default=None)
@click.option("--learner", default=None, help="The learner's LTI sub.")
@click.option("--verb", default=None, help="e.g. completed")
@click.option("--since", type=click.DateTime(), default=None, help="UTC, e.g. 2025-01-31T00:00:00")
@click.option("--until", type=click.DateTime(), default=None)
def xapi_export(platform_id: int | None, learner: str | None, verb: str | None, since: dt.datetime | None,
                until: dt.datetime | None) -> None:
    """Write statements from the local log as JSON lines to stdout."""
    f = services.StatementFilter(platform_id=platform_id, learner=learner, verb=verb,
                                 since=since.replace(tzinfo=dt.UTC) if since else None,
                                 until=until.replace(tzinfo=dt.UTC) if until else None)
    with command_runtime() as runtime:
        for line in services.export_statements(runtime.sessions, f):
            sys.stdout.write(line)


@xapi_group.command("profile")
def xapi_profile() -> None:
    """Print the xAPI Profile (JSON-LD) that docs/xapi-profile.jsonld holds."""
    import json

    from plugin.xapi.profile import profile_document

    click.echo(json.dumps(profile_document(), indent=2, ensure_ascii=False))


def register(main: click.Group) -> None:
    main.add_command(lrs_group)
    main.add_command(xapi_group)
