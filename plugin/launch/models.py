"""What launches leave behind: OIDC state, used nonces, cached platform keys, people, contexts, sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.platforms.models import Platform


class LaunchState(Base):
    """Security Framework 1.0 §5.1.1.1: the state of one OIDC login, single use, short-lived."""

    __tablename__ = "launch_state"

    state: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class UsedNonce(Base):
    """Security Framework 1.0 §5.1.3 step 9: a nonce is accepted once, ever (until it expires)."""

    __tablename__ = "used_nonce"

    issuer: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class PlatformKeySet(Base):
    """A platform's JWKS, shared by every web process so that one fetch serves all."""

    __tablename__ = "platform_key_set"

    url: Mapped[str] = mapped_column(sa.String(1000), primary_key=True)
    key_set: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    fetched_at: Mapped[float] = mapped_column(sa.Float)


class User(Base):
    """A person as one platform knows them: (platform, LTI ``sub``). Never shared across platforms."""

    __tablename__ = "lms_user"
    __table_args__ = (sa.UniqueConstraint("platform_id", "subject", name="uq_user_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    email: Mapped[str | None] = mapped_column(sa.String(320), default=None)
    locale: Mapped[str | None] = mapped_column(sa.String(35), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    platform: Mapped[Platform] = relationship()


class LmsContext(Base):
    """LTI Core 1.3 §5.4.1: an LMS course the tool was launched from."""

    __tablename__ = "lms_context"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id", name="uq_context"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    context_id: Mapped[str] = mapped_column(sa.String(255))
    label: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    title: Mapped[str | None] = mapped_column(sa.String(500), default=None)


class ResourceLink(Base):
    """LTI Core 1.3 §5.3.5: one placement of the tool in an LMS course."""

    __tablename__ = "resource_link"
    __table_args__ = (sa.UniqueConstraint("platform_id", "resource_link_id", name="uq_resource_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    context_pk: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    custom: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class LaunchSession(Base):
    """One learner's (or instructor's) session that a validated launch opened.

    Its ``id`` is random and is only ever handed out signed (cookie or launch token).
    """

    __tablename__ = "launch_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    user_pk: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    # indexed: the roster page lists who launched from an LMS course (plugin.roster.services)
    context_pk: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_context.id", ondelete="CASCADE"), index=True)
    resource_link_pk: Mapped[int | None] = mapped_column(sa.ForeignKey("resource_link.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(20))
    message_type: Mapped[str] = mapped_column(sa.String(50))
    services: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    platform: Mapped[Platform] = relationship()
    user: Mapped[User | None] = relationship()
    context: Mapped[LmsContext | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()
