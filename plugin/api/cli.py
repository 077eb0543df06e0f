"""`skillbite api token create|list|revoke`."""

from __future__ import annotations

import click

from plugin.admin import audit
from plugin.catalog.cli import database
from plugin.db import transaction


@click.group("api")
def api() -> None:
    """The REST API under /api/v1."""


@api.group()
def token() -> None:
    """API tokens (Authorization: Bearer ...)."""


@token.command("create")
@click.option("--name", required=True, help="What the token is for, e.g. 'authoring pipeline'.")
def token_create(name: str) -> None:
    """Create a token and print it once."""
    from plugin.api.services import create_token

    with database() as sessions, transaction(sessions) as session:
        row, clear = create_token(session, name)
        token_id = row.id
        audit.record(session, audit.cli_actor(), "api_token.created", f"#{token_id} {row.name} ({row.prefix}…)")
    click.echo(f"Token {token_id} ({name}): {clear}")
    click.echo("Keep it safe: it is not stored and cannot be shown again.", err=True)


@token.command("list")
def token_list() -> None:
    from plugin.api.services import list_tokens

    with database() as sessions, transaction(sessions) as session:
        for row in list_tokens(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            click.echo(f"{row.id:>4}  {row.prefix}…  {row.name}  [{state}]")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    from plugin.api.services import revoke_token

    with database() as sessions, transaction(sessions) as session:
        if not revoke_token(session, token_id):
            raise click.ClickException(f"No active token {token_id} (`skillbite api token list`).")
        audit.record(session, audit.cli_actor(), "api_token.revoked", f"#{token_id}")
    click.echo(f"Token {token_id} revoked.")
