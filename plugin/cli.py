"""The `skillbite` command: run, migrate, register platforms, manage keys."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lti.storage import DeploymentPolicy
from plugin.admin import audit
from plugin.config import Config, ConfigError
from plugin.db import make_engine, make_sessionmaker, transaction
from plugin.instance import secret_box
from plugin.migrate import UnmigratedDatabase, require_current_schema, upgrade


def _config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _sessions(config: Config) -> sessionmaker[Session]:
    """Sessions on the configured database, refused when its schema is not current.

    The engine is disposed when the command ends, so no connection outlives it (commands also run
    in-process, from tests and the worker).
    """
    engine = make_engine(config.database_url)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.dispose)
    _refuse_unmigrated(engine)
    return make_sessionmaker(engine)


def _refuse_unmigrated(engine: Engine) -> None:
    try:
        require_current_schema(engine)
    except UnmigratedDatabase as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None


class _Commands(click.Group):
    """Every command's configuration problem (a master key that cannot open what is stored, a missing
    setting) ends as one "Error: …" line that says what to fix, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Commands)
def main() -> None:
    """Skillbite: micro-learning inside your LMS (LTI 1.3 Advantage)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Web processes (default SKILLBITE_WORKERS).")
def run(host: str, port: int, workers: int | None) -> None:
    """Serve Skillbite with granian (the production HTTP server)."""
    from plugin.keys.services import prepare_instance

    config = _config()
    engine = make_engine(config.database_url)
    _refuse_unmigrated(engine)  # before any worker starts
    # On a first start, the secret and the first signing key are made here, once: workers starting
    # together would otherwise each make a key.
    with transaction(make_sessionmaker(engine)) as session:
        prepare_instance(session, secret_box(config))
    engine.dispose()  # the workers are forked from this process: they open connections of their own
    from plugin.server import serve

    serve(config, host=host, port=port, workers=workers or config.workers)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (safe to run again)."""
    config = _config()
    upgrade(config.database_url)
    click.echo("Database is up to date.")


@db.command("purge")
def db_purge() -> None:
    """Delete expired login states and nonces, and old launch sessions, now (every worker does it hourly)."""
    from plugin.launch.retention import purge

    config = _config()
    with transaction(_sessions(config)) as session:
        purged = purge(session, session_days=config.launch_session_days)
    kept = (f"ended over {config.launch_session_days} days ago" if config.launch_session_days
            else "none: SKILLBITE_LAUNCH_SESSION_DAYS is 0")
    click.echo(f"Deleted {purged.states_and_nonces} expired login states and nonces, and "
               f"{purged.sessions} launch sessions ({kept}).")


@main.group()
def platform() -> None:
    """LMS platforms registered with this tool."""


@platform.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. https://moodle.example.com")
@click.option("--client-id", required=True, help="The client_id the LMS gave Skillbite.")
@click.option("--auth-url", required=True, help="OIDC authentication request URL of the LMS.")
@click.option("--token-url", required=True, help="OAuth 2 access token URL of the LMS.")
@click.option("--jwks-url", required=True, help="The LMS's public keyset URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="Deployment id (repeatable).")
@click.option("--name", default=None, help="A name people recognise, e.g. 'Acme Moodle'.")
@click.option("--accept-new-deployments", is_flag=True,
              help="Record unknown deployment ids on their first launch (Canvas makes one per install).")
def platform_add(issuer: str, client_id: str, auth_url: str, token_url: str, jwks_url: str,
                 deployment_ids: tuple[str, ...], name: str | None, accept_new_deployments: bool) -> None:
    """Register a platform by hand and print the URLs to paste into the LMS."""
    from plugin.platforms.services import PlatformError, add_platform
    from plugin.saved_urls import saving_problem

    config = _config()
    # The URLs the server calls (--auth-url only sends the browser), refused now rather than at each launch.
    calls = config.outbound_policy()
    refused = [f"--{option}: {problem}" for option, url in (("token-url", token_url), ("jwks-url", jwks_url))
               if (problem := saving_problem(calls, url))]
    if refused:
        raise click.ClickException("\n".join([*refused, "Nothing was registered."]))
    policy = DeploymentPolicy.RECORD_FIRST_SEEN if accept_new_deployments else DeploymentPolicy.KNOWN_ONLY
    try:
        with transaction(_sessions(config)) as session:
            added = add_platform(session, issuer=issuer, client_id=client_id, auth_login_url=auth_url,
                                 auth_token_url=token_url, key_set_url=jwks_url,
                                 deployment_ids=deployment_ids, name=name, deployment_policy=policy)
            session.flush()
            platform_id = added.id
            audit.record(session, audit.cli_actor(), "platform.added", audit.platform_label(added),
                         platform_id=platform_id)
    except PlatformError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Registered platform {platform_id}: {issuer} (client_id {client_id}).")
    if not deployment_ids and not accept_new_deployments:
        click.echo("Note: no deployment id given, so launches are refused until one is added "
                   "(or use --accept-new-deployments).", err=True)
    _print_tool_urls(config)


@platform.command("invite")
@click.option("--name", default=None, help="Who the link is for, e.g. 'Acme Moodle'; the platform gets this name.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90), help="Days the link stays valid.")
def platform_invite(name: str | None, days: int) -> None:
    """Make a one-time registration link for an LMS (LTI Dynamic Registration)."""
    from plugin.registration import invites

    config = _config()
    try:
        with transaction(_sessions(config)) as session:
            made = invites.create_invite(session, name=name, days=days)
            audit.record(session, audit.cli_actor(), invites.CREATED, invites.label(made.invite))
            expires = made.invite.expires_at
    except invites.InviteError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Registration link{f' for {name}' if name else ''} (works once, until {expires:%Y-%m-%d %H:%M} UTC):")
    click.echo(f"  {invites.registration_url(config, made.token)}")
    click.echo("Give it to the LMS administrator, who pastes it into the LMS:")
    click.echo("  Moodle 4.x: Site administration > Plugins > Activity modules > External tool > Manage tools >")
    click.echo('             "Tool URL", then "Add LTI Advantage".')
    click.echo("  Canvas:     see docs/admin-setup.md (Canvas): usually registered by its developer key's client id.")
    click.echo("It is shown only now; `skillbite platform invite` again makes a new one.")


def _print_tool_urls(config: Config) -> None:
    click.echo("Paste these into the LMS:")
    for label, path in (("Tool URL / Target link URI", "/lti/launch"),
                        ("Initiate login URL", "/lti/login"), ("Redirection URI", "/lti/launch"),
                        ("Public keyset URL", "/lti/jwks"), ("Dynamic registration URL", "/lti/register"),
                        ("Canvas JSON configuration URL", "/lti/canvas.json")):
        # Dynamic registration takes a one-time link: the bare URL answers 403 (plugin.registration.invites).
        note = "?invite=…  (make one: skillbite platform invite)" if path == "/lti/register" else ""
        click.echo(f"  {label:30} {config.url(path)}{note}")


@platform.command("list")
def platform_list() -> None:
    """Show registrations."""
    from plugin.platforms.services import list_platforms

    config = _config()
    with transaction(_sessions(config)) as session:
        rows = list_platforms(session)
        if not rows:
            click.echo("No platforms registered. Add one with `skillbite platform add`, or let the LMS "
                       "register itself through a link from `skillbite platform invite`.")
        for p in rows:
            deployments = ", ".join(d.deployment_id for d in p.deployments) or "(none)"
            state = "enabled" if p.enabled else "disabled"
            click.echo(f"{p.id:>4}  {p.name}  [{state}, {p.registered_by}]\n      issuer    {p.issuer}\n"
                       f"      client_id {p.client_id}\n      deployments {deployments}")


@main.group()
def keys() -> None:
    """The tool's signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; earlier keys stay published until retired."""
    from plugin.keys.services import active_keys, rotate_key

    config = _config()
    with transaction(_sessions(config)) as session:
        key = rotate_key(session, secret_box(config))
        audit.record(session, audit.cli_actor(), "key.rotated", key.kid)
        kid, published = key.kid, [k.kid for k in active_keys(session)]
    click.echo(f"New signing key {kid}. Published keys: {', '.join(published)}.")
    click.echo("Retire an old one with `skillbite keys retire KID` once platforms have refreshed.")


@keys.command("list")
def keys_list() -> None:
    """Show the tool's keys, newest last."""
    import sqlalchemy as sa

    from plugin.keys.models import ToolKey

    config = _config()
    with transaction(_sessions(config)) as session:
        for key in session.scalars(sa.select(ToolKey).order_by(ToolKey.id)):
            state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "published"
            click.echo(f"{key.kid}  {key.algorithm}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")


# A kid is a base64url thumbprint (RFC 7638): one in 64 starts with "-", which must not read as an option.
@keys.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
def keys_retire(kid: str) -> None:
    """Stop publishing a key (the newest active key keeps signing)."""
    from plugin.keys.services import ToolKeyError, retire_key

    config = _config()
    try:
        with transaction(_sessions(config)) as session:
            retire_key(session, kid)
            audit.record(session, audit.cli_actor(), "key.retired", kid)
    except ToolKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Key {kid} retired.")


@main.group()
def config() -> None:
    """Configuration."""


@config.command("docs")
def config_docs() -> None:
    """Print the table of SKILLBITE_* variables (docs/configuration.md)."""
    from plugin.config import variables_markdown

    click.echo(variables_markdown(), nl=False)


from plugin.outbox import cli as outbox_cli  # noqa: E402  (registers `worker` and `outbox` on main)
from plugin.xapi import cli as xapi_cli  # noqa: E402  (registers `lrs` and `xapi`)

outbox_cli.register(main)
xapi_cli.register(main)


from plugin.api.cli import api as _api_commands  # noqa: E402
from plugin.catalog.cli import course as _course_commands  # noqa: E402
from plugin.credentials.cli import credential as _credential_commands  # noqa: E402

main.add_command(_course_commands)
main.add_command(_api_commands)
main.add_command(_credential_commands)
main.add_command(__import__("plugin.grades.cli", fromlist=["grades"]).grades)  # `skillbite grades …`
__import__("plugin.skills.cli", fromlist=["register"]).register(main)  # `skillbite skills …`
main.add_command(__import__("plugin.demo.cli", fromlist=["demo"]).demo)  # `skillbite demo load`
main.add_command(__import__("plugin.admin.cli", fromlist=["admin"]).admin)  # `skillbite admin create/list/...`


def _entry(argv: list[str] | None = None) -> Any:
    return main.main(args=argv, prog_name="skillbite")


if __name__ == "__main__":
    sys.exit(_entry())
