"""`skillbite credential ...`: revoke, re-issue and list credentials; rotate a tenant's signing key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa

from plugin.admin import audit
from plugin.config import Config, ConfigError
from plugin.credentials.issuer import IssuerSettings, rotate_key
from plugin.credentials.models import IssuedCredential
from plugin.credentials.services import (
    CredentialError,
    find_credential,
    reissue_credential,
    revoke_credential,
    use_settings,
)
from plugin.db import make_engine, make_sessionmaker, transaction
from plugin.instance import secret_box
from plugin.migrate import UnmigratedDatabase, require_current_schema
from plugin.platforms.models import Platform
from plugin.web.numbers import DATABASE_ID_MAX


@contextmanager
def _context() -> Iterator[tuple[IssuerSettings, sa.orm.sessionmaker[sa.orm.Session]]]:
    """Settings and sessions for one command; the engine is disposed after it (no pooled leftovers)."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(config.database_url)
    try:
        try:
            require_current_schema(engine)
        except UnmigratedDatabase as exc:
            raise click.ClickException(str(exc)) from None
        settings = IssuerSettings.from_config(config, secret_box(config))
        use_settings(settings)
        yield settings, make_sessionmaker(engine)
    finally:
        use_settings(None)
        engine.dispose()


def _find(session: sa.orm.Session, credential_id: str) -> IssuedCredential:
    public_id = credential_id.rstrip("/").rsplit("/", 1)[-1]  # the id or the whole public URL
    credential = find_credential(session, public_id)
    if credential is None:
        raise click.ClickException(f"No credential {credential_id!r}. `skillbite credential list` shows them.")
    return credential


@click.group("credential")
def credential() -> None:
    """Open Badges 3.0 credentials issued by Skillbite."""


@credential.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True, help="Why; shown to the learner and on the public page.")
def revoke(credential_id: str, reason: str) -> None:
    """Revoke a credential (its id or public URL). The status list is re-signed at once."""
    try:
        with _context() as (settings, sessions), transaction(sessions) as session:
            found = _find(session, credential_id)
            revoke_credential(session, found, reason, settings)
            url = found.document["id"]
            audit.record(session, audit.cli_actor(), "credential.revoked", found.public_id,
                         platform_id=found.platform_id, detail=reason.strip())
    except CredentialError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Revoked {url}. Verifiers see it revoked when they next fetch the status list.")


@credential.command("reissue")
@click.argument("credential_id")
@click.option("--force", is_flag=True, help="Also re-issue a credential revoked for another reason.")
def reissue(credential_id: str, force: bool) -> None:
    """Revoke a credential as superseded and issue a fresh one to the same learner (its latest one only)."""
    try:
        with _context() as (settings, sessions), transaction(sessions) as session:
            old = _find(session, credential_id)
            fresh = reissue_credential(session, old, settings=settings, force=force)
            url = fresh.document["id"]
            audit.record(session, audit.cli_actor(), "credential.reissued", old.public_id,
                         platform_id=old.platform_id, detail=f"new credential {fresh.public_id}")
    except CredentialError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Re-issued as {url}.")


@credential.command("list")
@click.option("--limit", default=50, show_default=True, type=int)
def list_credentials(limit: int) -> None:
    """The most recently issued credentials."""
    with _context() as (_settings, sessions), transaction(sessions) as session:
        rows = session.scalars(sa.select(IssuedCredential).order_by(IssuedCredential.id.desc()).limit(limit))
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "issued"
            click.echo(f"{row.public_id}  {row.issued_at:%Y-%m-%d}  {state:18}  {row.achievement.name}")


@credential.command("rotate-key")
@click.option("--platform", "platform_id", type=int, default=None, help="The tenant (platform id) whose key to rotate.")
@click.option("--all", "every_tenant", is_flag=True, help="Rotate every tenant's key.")
def rotate(platform_id: int | None, every_tenant: bool) -> None:
    """Sign a tenant's new credentials with a new key; earlier ones keep verifying (the old key stays published)."""
    if (platform_id is None) == (not every_tenant):
        raise click.UsageError("Say whose key to rotate: --platform N (see `skillbite platform list`) or --all.")
    rotated: list[tuple[Platform, str]] = []
    with _context() as (settings, sessions), transaction(sessions) as session:
        if every_tenant:
            platforms = list(session.scalars(sa.select(Platform).order_by(Platform.id)))
        else:
            assert platform_id is not None
            # Checked first: a key for a platform that does not exist fails its foreign key with a traceback.
            found = session.get(Platform, platform_id) if platform_id <= DATABASE_ID_MAX else None
            if found is None:
                raise click.ClickException(f"There is no platform {platform_id}. See `skillbite platform list`.")
            platforms = [found]
        for platform in platforms:
            method = settings.verification_method(rotate_key(session, settings.box, platform.id))
            audit.record(session, audit.cli_actor(), "credential_key.rotated", method, platform_id=platform.id)
            rotated.append((platform, method))
        lines = [f"Rotated the signing key of platform {p.id} ({p.name or p.issuer}): new key {m}." for p, m in rotated]
    click.echo("\n".join(lines) if lines else "No platforms registered: no key to rotate.")
