"""What AGS delivery remembers: service tokens (sealed), line item URLs per resource link, last score times."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class ServiceAccessToken(Base):
    """A platform's service access token (Security Framework 1.0 §4.1), shared by every worker process.

    ``key`` names the registration and scope set (:func:`lti.service_token.cache_key`); the token is
    sealed with the instance's master key, as a bearer token is a credential.
    """

    __tablename__ = "service_access_token"

    key: Mapped[str] = mapped_column(sa.String(600), primary_key=True)
    token_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    expires_at: Mapped[float] = mapped_column(sa.Float)


class AgsLineItem(Base):
    """The line item found or created for one resource link (AGS 2.0 §3.2), so it is made once only.

    A row with ``url`` None and ``claimed_until`` in the future: one worker is finding or creating it.
    """

    __tablename__ = "ags_line_item"
    __table_args__ = (sa.UniqueConstraint("platform_id", "resource_link_pk", name="uq_ags_line_item_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int] = mapped_column(sa.ForeignKey("resource_link.id", ondelete="CASCADE"))
    url: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AgsScoreClock(Base):
    """The timestamp of the last score queued for one learner on one resource link.

    AGS 2.0: a platform keeps a score only when its timestamp is after the stored one; Moodle refuses one
    in the same second with 409. Each new score takes :func:`lti.ags.next_score_timestamp` of this.
    """

    __tablename__ = "ags_score_clock"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(sa.ForeignKey("resource_link.id", ondelete="CASCADE"),
                                                  primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    last_timestamp: Mapped[dt.datetime] = mapped_column(default=utcnow)
