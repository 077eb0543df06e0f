"""The tool's signing keys and generated instance secrets, encrypted at rest."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class ToolKey(Base):
    """An RSA key the tool signs with (deep linking responses, service assertions).

    The newest unretired key signs; every unretired key is published in the JWKS, so a platform that
    cached the old one keeps verifying until the admin retires it.
    """

    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    algorithm: Mapped[str] = mapped_column(sa.String(10), default="RS256")
    private_key_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    public_jwk: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class InstanceSecret(Base):
    """Secrets generated on first start and shared by every web process (the session secret)."""

    __tablename__ = "instance_secret"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
