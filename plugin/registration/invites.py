"""Registration links: who may register a platform (a tenant) by LTI Dynamic Registration.

LTI DR 1.0 §3.3 lets anyone who can open the tool's registration URL start a registration; the spec
leaves it to the tool to decide whom it accepts. Skillbite accepts a platform only through a link its
operator made: ``/lti/register?invite=<token>``. The LMS keeps that query when it appends
``openid_configuration`` and ``registration_token`` (Moodle 4.x, Canvas), so the admin pastes the link as
the "Tool URL" and nothing else changes for them.

A link is a random 32-byte token; only its SHA-256 is stored. It works once, until it expires, unless
revoked. It is used up in the same transaction that stores the platform, by one conditional UPDATE, so
two registrations racing with one link store one platform.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.config import Config
from plugin.db import utcnow
from plugin.platforms.models import Platform
from plugin.registration.models import RegistrationInvite

FIELD = "invite"  # the query parameter of the registration link
TOKEN_BYTES = 32
DEFAULT_DAYS = 7
MAX_DAYS = 90
NAME_MAX = 200

CREATED = "registration_link.created"
REVOKED = "registration_link.revoked"


class InviteError(ValueError):
    """A registration link cannot be made or revoked as asked; the message says why."""


class InviteNotFound(InviteError):
    """No registration link has this id."""


class InviteRefused(Exception):
    """A registration link that does not allow a registration (missing, unknown, expired, used, revoked)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class NewInvite:
    """A link just made: ``token`` exists only here, to be shown once."""

    invite: RegistrationInvite
    token: str


@dataclass(frozen=True)
class InviteRow:
    """A link as the console lists it."""

    invite: RegistrationInvite
    used_by: str | None  # the platform it registered, by name

    def state(self, now: dt.datetime) -> str:
        if self.invite.revoked_at is not None:
            return "revoked"
        if self.invite.used_at is not None:
            return "used"
        return "expired" if self.invite.expires_at <= now else "open"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def registration_url(config: Config, token: str) -> str:
    """What the LMS admin pastes: the dynamic registration URL carrying the link's token."""
    return f"{config.url('/lti/register')}?{urlencode({FIELD: token})}"


def label(invite: RegistrationInvite) -> str:
    """A link as activity log entries name it (never its token)."""
    return (f"{invite.name or 'unnamed link'} (#{invite.id}, expires "
            f"{invite.expires_at:%Y-%m-%d %H:%M} UTC)")


def create_invite(session: Session, *, name: str | None = None, days: int = DEFAULT_DAYS,
                  now: dt.datetime | None = None) -> NewInvite:
    """Make a one-time registration link valid for ``days`` days."""
    if not 1 <= days <= MAX_DAYS:
        raise InviteError(f"A registration link is valid for 1 to {MAX_DAYS} days.")
    name = (name or "").strip() or None
    if name is not None and len(name) > NAME_MAX:
        raise InviteError(f"The name is at most {NAME_MAX} characters.")
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invite = RegistrationInvite(token_hash=token_hash(token), name=name, created_at=now,
                                expires_at=now + dt.timedelta(days=days))
    session.add(invite)
    session.flush()
    return NewInvite(invite, token)


def open_invite(session: Session, token: str | None, now: dt.datetime | None = None) -> RegistrationInvite:
    """The link ``token`` names, if it still allows a registration; otherwise :class:`InviteRefused`."""
    if not token:
        raise InviteRefused("missing", "This registration address has no registration link (invite) in it.")
    invite = session.scalar(sa.select(RegistrationInvite).where(RegistrationInvite.token_hash == token_hash(token)))
    now = now or utcnow()
    if invite is None:
        raise InviteRefused("unknown", "This registration link is not one Skillbite made.")
    if invite.revoked_at is not None:
        raise InviteRefused("revoked", "This registration link was revoked by the Skillbite operator.")
    if invite.used_at is not None:
        raise InviteRefused("used", "This registration link was already used to register a platform; "
                                    "each link registers one platform.")
    if invite.expires_at <= now:
        raise InviteRefused("expired", f"This registration link expired on {invite.expires_at:%Y-%m-%d %H:%M} UTC.")
    return invite


def consume_invite(session: Session, token: str, now: dt.datetime | None = None) -> bool:
    """Use the link up, in the caller's transaction, before the platform is stored. False if it no longer
    allows a registration (used, revoked or expired meanwhile): then store nothing.

    One conditional UPDATE: of two transactions using the same link, the second waits for the first's
    row (or database) lock and then matches no row, so only one of them stores its platform. It comes
    first in the transaction, so the platform's INSERT is inside the same transaction on SQLite too.
    """
    now = now or utcnow()
    link = RegistrationInvite
    result = session.execute(
        sa.update(link)
        .where(link.token_hash == token_hash(token), link.used_at.is_(None), link.revoked_at.is_(None),
               link.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def record_platform(session: Session, token: str, platform: Platform) -> None:
    """Note which platform a used link registered (``platform`` is flushed: it has its id)."""
    session.execute(sa.update(RegistrationInvite).where(RegistrationInvite.token_hash == token_hash(token))
                    .values(used_by_platform_id=platform.id).execution_options(synchronize_session=False))


def revoke_invite(session: Session, invite_id: int, now: dt.datetime | None = None) -> RegistrationInvite:
    """Make an unused link unusable."""
    invite = session.get(RegistrationInvite, invite_id)
    if invite is None:
        raise InviteNotFound(f"There is no registration link {invite_id}.")
    if invite.used_at is not None:
        raise InviteError("This registration link was already used; disable the platform it registered instead.")
    if invite.revoked_at is not None:
        raise InviteError("This registration link is already revoked.")
    invite.revoked_at = now or utcnow()
    return invite


def list_invites(session: Session, limit: int = 200) -> list[InviteRow]:
    """Links not revoked, newest first, with the platform each one registered."""
    rows = session.execute(
        sa.select(RegistrationInvite, Platform.name)
        .outerjoin(Platform, Platform.id == RegistrationInvite.used_by_platform_id)
        .where(RegistrationInvite.revoked_at.is_(None))
        .order_by(RegistrationInvite.id.desc())
        .limit(limit)
    ).all()
    return [InviteRow(invite, used_by) for invite, used_by in rows]
