"""Local admin accounts, their console sessions, and failed sign-ins (the rate limit's memory)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class AdminAccount(Base):
    """A person who runs this installation. ``email`` is kept lower-cased; the password only as a hash."""

    __tablename__ = "admin_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AdminSession(Base):
    """One signed-in console. The cookie holds a random token; only its SHA-256 is stored, so a copy of
    the database cannot be replayed as a login. Ends at ``expires_at`` or after idling too long."""

    __tablename__ = "admin_session"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    admin_id: Mapped[int] = mapped_column(sa.ForeignKey("admin_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    admin: Mapped[AdminAccount] = relationship()


class LoginFailure(Base):
    """One failed sign-in. Kept in the database so that every web process counts the same failures.

    ``account_key`` is an HMAC of the typed email, never the email: people type passwords into the
    email field, and the count must work for accounts that do not exist (no enumeration).
    """

    __tablename__ = "admin_login_failure"
    __table_args__ = (sa.Index("ix_admin_login_failure_account", "account_key", "failed_at"),
                      sa.Index("ix_admin_login_failure_ip", "ip", "failed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(sa.String(64))
    ip: Mapped[str] = mapped_column(sa.String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AdminAction(Base):
    """One change to Skillbite's set-up or to a tenant's records, by whom and when (plugin.admin.audit).

    Written in the same transaction as the change it describes, so the log never shows a change that was
    rolled back nor misses one that was committed. ``platform_id`` is the tenant it concerns (NULL: the
    whole installation, such as a tool key); LMS administrators see their own platform's entries only.
    """

    __tablename__ = "admin_action"
    __table_args__ = (sa.Index("ix_admin_action_platform_at", "platform_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(64))
    target: Mapped[str] = mapped_column(sa.String(300))
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="SET NULL"),
                                                    default=None)
    detail: Mapped[str | None] = mapped_column(sa.String(500), default=None)
