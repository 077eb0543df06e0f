"""Registration links: the operator's one-time permission for an LMS to register itself as a tenant."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class RegistrationInvite(Base):
    """One registration link (``/lti/register?invite=…``). Only the SHA-256 of its random token is stored,
    so a copy of the database cannot register a platform. Usable once, until ``expires_at``, unless revoked;
    ``used_by_platform_id`` is the platform it created."""

    __tablename__ = "registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    used_by_platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platform.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
