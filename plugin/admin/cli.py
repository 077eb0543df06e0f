"""`skillbite admin create/list/disable/enable/password`: the console's local admin accounts.

Passwords are prompted twice (hidden) or read from standard input with ``--password-stdin``; they are
never accepted as an argument, where the shell history and the process list would keep them.
"""

from __future__ import annotations

import sys

import click

from plugin.admin import accounts, audit
from plugin.db import transaction
from plugin.outbox.cli import command_runtime


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    return value


@click.group("admin")
def admin() -> None:
    """Local admin accounts of the admin console (/admin)."""


@admin.command("create")
@click.option("--email", required=True, help="The admin's email; it is the sign-in name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create(email: str, password_stdin: bool) -> None:
    """Create a local admin, who sees every platform in the console."""
    password = _password(password_stdin)
    try:
        with command_runtime() as runtime, transaction(runtime.sessions) as session:
            account = accounts.create_admin(session, email, password)
            session.flush()
            audit.record(session, audit.cli_actor(), "admin.created", account.email)
            admin_id, base_url = account.id, runtime.config.base_url
    except accounts.AdminAccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created admin #{admin_id}. Sign in at {base_url}/admin/login")


@admin.command("list")
def list_admins() -> None:
    """Show the local admins."""
    with command_runtime() as runtime, transaction(runtime.sessions) as session:
        rows = accounts.list_admins(session)
        if not rows:
            click.echo("No local admin yet. Create one with `skillbite admin create --email …`.")
        for row in rows:
            state = f"disabled {row.disabled_at:%Y-%m-%d}" if row.disabled_at else "active"
            last = f"last sign-in {row.last_login_at:%Y-%m-%d %H:%M}" if row.last_login_at else "never signed in"
            click.echo(f"{row.id:>4}  {row.email}  [{state}; {last}]")


def _set_disabled(email: str, disabled: bool) -> None:
    try:
        with command_runtime() as runtime, transaction(runtime.sessions) as session:
            account = accounts.set_disabled(session, email, disabled)
            audit.record(session, audit.cli_actor(), "admin.disabled" if disabled else "admin.enabled",
                         account.email)
    except accounts.AdminAccountError as exc:
        raise click.ClickException(str(exc)) from None


@admin.command("disable")
@click.option("--email", required=True)
def disable(email: str) -> None:
    """Disable an admin; their open consoles are signed out at once."""
    _set_disabled(email, True)
    click.echo("Disabled; every console session of this admin has ended.")


@admin.command("enable")
@click.option("--email", required=True)
def enable(email: str) -> None:
    """Enable a disabled admin again."""
    _set_disabled(email, False)
    click.echo("Enabled.")


@admin.command("password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def password(email: str, password_stdin: bool) -> None:
    """Set a new password (signs the admin out everywhere)."""
    new = _password(password_stdin)
    try:
        with command_runtime() as runtime, transaction(runtime.sessions) as session:
            account = accounts.set_password(session, email, new)
            audit.record(session, audit.cli_actor(), "admin.password", account.email)
    except accounts.AdminAccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Password changed; every console session of this admin has ended.")
