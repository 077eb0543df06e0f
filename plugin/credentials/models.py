"""Achievements (badge classes), issued credentials, the issuer's keys and the revocation status lists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.launch.models import User


def _public_id() -> str:
    return uuid.uuid4().hex


class Achievement(Base):
    """OB 3.0 §B.1.1 Achievement: what a credential says its holder accomplished.

    ``platform_id`` None is an achievement every tenant shares (a catalog course); otherwise it belongs to
    one LMS platform (tenant). ``key`` is the stable name the course package or admin uses for it.
    """

    __tablename__ = "achievement"
    __table_args__ = (sa.UniqueConstraint("platform_id", "key", name="uq_achievement_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=_public_id)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    criteria_narrative: Mapped[str] = mapped_column(sa.Text)
    achievement_type: Mapped[str] = mapped_column(sa.String(60), default="Badge")
    image_data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    image_type: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    valid_for_days: Mapped[int | None] = mapped_column(default=None)
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AchievementCourseLink(Base):
    """Which course earns which achievement, and by which rule. The catalog importer fills it."""

    __tablename__ = "achievement_course_link"
    __table_args__ = (sa.UniqueConstraint("achievement_id", "course_version_id", name="uq_achievement_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    course_version_id: Mapped[int | None] = mapped_column(index=True, default=None)
    course_slug: Mapped[str | None] = mapped_column(sa.String(200), index=True, default=None)
    course_title: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    # "completed": any completion; "passed": completion with success (mastery), at least min_score if set.
    rule: Mapped[str] = mapped_column(sa.String(20), default="passed")
    min_score: Mapped[float | None] = mapped_column(sa.Float, default=None)

    achievement: Mapped[Achievement] = relationship()


class IssuerKey(Base):
    """An Ed25519 key a tenant signs credentials with. Retired keys stop signing but stay published in
    the DID document, so every credential they signed keeps verifying (rotation is not revocation)."""

    __tablename__ = "credential_issuer_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    public_key_multibase: Mapped[str] = mapped_column(sa.String(100), unique=True)
    private_key_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class StatusList(Base):
    """Bitstring Status List v1.0: a tenant's revocation list, published as a signed credential.

    ``issuer`` is the DID the list was created under; its credentials name the same issuer, and a verifier
    rejects a list issued by anyone else. With did:key the DID is the key, so after a key rotation new
    credentials go on a new list and the old list stays signed by the old key. None: made before issuers were
    recorded (signed as the tenant's current issuer).
    """

    __tablename__ = "credential_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str | None] = mapped_column(sa.String(300), default=None)
    size: Mapped[int] = mapped_column()
    bits: Mapped[bytes] = mapped_column(sa.LargeBinary)
    allocated: Mapped[int] = mapped_column(default=0)
    document: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IssuedCredential(Base):
    """An OpenBadgeCredential issued to a learner, kept exactly as signed.

    ``generation`` makes awarding idempotent: (user, achievement, generation) is unique, an award finds the
    newest generation, and only an explicit re-issue adds the next one.
    """

    __tablename__ = "issued_credential"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "achievement_id", "generation", name="uq_credential_generation"),
        sa.UniqueConstraint("status_list_id", "status_index", name="uq_credential_status_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=_public_id)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    generation: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[dt.datetime] = mapped_column()
    valid_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status_list_id: Mapped[int] = mapped_column(sa.ForeignKey("credential_status_list.id"))
    status_index: Mapped[int] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)

    user: Mapped[User] = relationship()
    achievement: Mapped[Achievement] = relationship()
    status_list: Mapped[StatusList] = relationship()
