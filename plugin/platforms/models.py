"""LMS platforms registered with the tool, and their deployments (LTI Core 1.3 §3.1.3)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class Platform(Base):
    """One (issuer, client_id) registration. An issuer may hold several client_ids: each is a tenant."""

    __tablename__ = "platform"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id", name="uq_platform_issuer_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    key_set_url: Mapped[str] = mapped_column(sa.String(1000))
    token_audience: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    algorithm: Mapped[str] = mapped_column(sa.String(10), default="RS256")
    deployment_policy: Mapped[str] = mapped_column(sa.String(30), default="known_only")
    product: Mapped[str | None] = mapped_column(sa.String(100), default=None)
    registered_by: Mapped[str] = mapped_column(sa.String(30), default="manual")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )


class Deployment(Base):
    __tablename__ = "deployment"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id", name="uq_deployment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    recorded_on_first_launch: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")
