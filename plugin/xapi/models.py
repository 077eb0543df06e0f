"""LRS destinations, the local statement log, and per-platform actor settings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow

XAPI_VERSIONS = ("1.0.3", "2.0.0")


class LrsDestination(Base):
    """Where statements go: one per deployment, per platform, or the global default (both scopes empty).

    The most specific destination wins for each statement: (platform, deployment) over (platform) over
    the default. Basic credentials are sealed with the instance master key.
    """

    __tablename__ = "lrs_destination"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id", name="uq_lrs_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    endpoint: Mapped[str] = mapped_column(sa.String(1000))  # the xAPI base, ending in "/"
    username: Mapped[str] = mapped_column(sa.String(500))
    password_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    xapi_version: Mapped[str] = mapped_column(sa.String(10), default="1.0.3")
    batch_size: Mapped[int] = mapped_column(default=200)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"),
                                                    default=None)
    deployment_id: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class XapiStatement(Base):
    """The local statement log: every statement Skillbite made, whether or not an LRS is configured."""

    __tablename__ = "xapi_statement"
    __table_args__ = (sa.Index("ix_xapi_statement_platform_time", "platform_id", "timestamp"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # the statement id
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(30), index=True)  # the short name: "completed"
    course_iri: Mapped[str | None] = mapped_column(sa.String(1000), index=True, default=None)
    object_iri: Mapped[str] = mapped_column(sa.String(1000))
    timestamp: Mapped[dt.datetime] = mapped_column(index=True)
    statement: Mapped[str] = mapped_column(sa.Text)  # JSON text, exactly as sent


class XapiPlatformSettings(Base):
    """Per platform choices. ``actor_identifier``: account (default, the LTI sub), mbox or mbox_sha1sum.

    xAPI 1.0.3 §2.4.2.1: an Agent carries exactly one inverse functional identifier, so turning on mbox
    replaces the account (learners without an email keep the account).
    """

    __tablename__ = "xapi_platform_settings"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    actor_identifier: Mapped[str] = mapped_column(sa.String(20), default="account")
