"""The activity log: who changed Skillbite's set-up or a tenant's records, what, and when.

Every change an admin makes (console, operator API, command line) and every platform that registers
itself (LTI Dynamic Registration) adds one :class:`~plugin.admin.models.AdminAction`, in the same
transaction as the change: a change that fails or is rolled back leaves no entry, and a committed
change always has one. Entries hold names and ids, never secrets (no passwords, keys or tokens).
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.admin.models import AdminAction
from plugin.db import utcnow
from plugin.launch.models import LaunchSession
from plugin.platforms.models import Platform

# What each action code means, as the console's activity page says it ("<who> <does what> <target>").
ACTIONS = {
    "platform.added": "added the platform",
    "platform.registered": "registered the platform (dynamic registration)",
    "registration_link.created": "created the registration link",
    "registration_link.revoked": "revoked the registration link",
    "platform.edited": "edited the platform",
    "platform.enabled": "enabled the platform",
    "platform.disabled": "disabled the platform",
    "deployment.added": "added the deployment",
    "deployment.removed": "removed the deployment",
    "key.rotated": "added the tool signing key",
    "key.retired": "retired the tool signing key",
    "lrs.added": "added the LRS",
    "lrs.removed": "removed the LRS",
    "delivery.replayed": "queued parked messages again:",
    "credential.revoked": "revoked the credential",
    "course.imported": "imported the course",
    "course.owner": "handed over the course",
    "skills.imported": "imported the skill framework",
    "role.saved": "saved the role profile",
    "demo.loaded": "loaded the demo content:",
    "api_token.created": "created the API token",
    "api_token.revoked": "revoked the API token",
    "credential.reissued": "re-issued the credential",
    "credential_key.rotated": "added the credential signing key",
    "admin.created": "created the admin account",
    "admin.disabled": "disabled the admin account",
    "admin.enabled": "enabled the admin account",
    "admin.password": "set a new password for",
    "console.signed_in": "signed in to the console",
    "console.signed_out": "signed out of the console",
}


@dataclass(frozen=True)
class Actor:
    kind: str  # "local" (console account), "lti" (LMS administrator), "operator" (operator token),
    #            "api" (a course API token), "cli", "platform" (dynamic registration)
    name: str


def cli_actor() -> Actor:
    """The person at the command line, as the operating system knows them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        user = "unknown user"
    return Actor("cli", f"command line ({user})")


OPERATOR = Actor("operator", "operator token")


def launch_actor(launch: LaunchSession) -> Actor:
    """Someone acting through their LMS launch: their name and role, and their organisation."""
    person = (launch.user.name or launch.user.subject) if launch.user else "anonymous"
    where = launch.platform.name if launch.platform and launch.platform.name else f"platform {launch.platform_id}"
    role = "LMS administrator" if launch.role == "admin" else launch.role
    return Actor("lti", f"{person} ({role}, {where})")


def console_actor() -> Actor:
    """The console's viewer in this request (behind ``console_page``)."""
    from plugin.admin.access import viewer

    found = viewer()
    return Actor(found.kind, found.actor)


def record(session: Session, actor: Actor, action: str, target: str, *, platform_id: int | None = None,
           detail: str | None = None) -> None:
    """Add an entry to ``session``'s transaction: it is committed with the change, or not at all."""
    assert action in ACTIONS, f"describe {action!r} in ACTIONS"
    session.add(AdminAction(at=utcnow(), actor_kind=actor.kind, actor=actor.name[:200], action=action,
                            target=target[:300], platform_id=platform_id,
                            detail=detail[:500] if detail else None))


def platform_label(platform: Platform) -> str:
    """A platform as entries name it: recognisable, and unambiguous if renamed later."""
    return f"{platform.name or platform.issuer} (#{platform.id}, {platform.issuer}, client {platform.client_id})"


def replayed(count: int, kind: str | None, ids: list[int] | None) -> str:
    """The target of a ``delivery.replayed`` entry: how many, of what, which."""
    what = f"{count} {kind or 'outbox'} message{'s' if count != 1 else ''}"
    return f"{what} (ids {', '.join(map(str, ids))})" if ids else f"{what} (every parked one)"


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    actor: str
    actor_kind: str
    says: str
    target: str
    detail: str | None


def recent(session: Session, platform_id: int | None, *, before: int | None = None, limit: int = 100
           ) -> tuple[list[Entry], int | None]:
    """The newest entries (older than entry ``before``), and the id to page further back from, if any.

    ``platform_id`` scopes to one tenant (an LMS administrator); None shows every entry.
    """
    stmt = sa.select(AdminAction).order_by(AdminAction.id.desc()).limit(limit + 1)
    if platform_id is not None:
        stmt = stmt.where(AdminAction.platform_id == platform_id)
    if before is not None:
        stmt = stmt.where(AdminAction.id < before)
    rows = session.scalars(stmt).all()
    more = rows[limit - 1].id if len(rows) > limit else None
    return [Entry(row.at, row.actor, row.actor_kind, ACTIONS.get(row.action, row.action), row.target, row.detail)
            for row in rows[:limit]], more
