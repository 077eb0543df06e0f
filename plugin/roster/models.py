"""The members of LMS courses as NRPS last reported them, and when each course was last synchronised.

Every row carries ``platform_id`` and the LMS context's primary key; every query filters on both.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class RosterMember(Base):
    __tablename__ = "roster_member"
    __table_args__ = (sa.UniqueConstraint("context_pk", "subject", name="uq_roster_member"),
                      sa.Index("ix_roster_member_scope", "platform_id", "context_pk"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    context_pk: Mapped[int] = mapped_column(sa.ForeignKey("lms_context.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(255))  # NRPS user_id = the LTI sub of their launches
    name: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    email: Mapped[str | None] = mapped_column(sa.String(320), default=None)
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default="Active")
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RosterSync(Base):
    """When a context's roster was asked for and last fetched, so launches ask at most every N minutes."""

    __tablename__ = "roster_sync"

    context_pk: Mapped[int] = mapped_column(sa.ForeignKey("lms_context.id", ondelete="CASCADE"), primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    synced_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    members: Mapped[int] = mapped_column(default=0)
