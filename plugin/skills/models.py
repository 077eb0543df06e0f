"""Skill frameworks, role profiles and what we know of each learner's skills.

Frameworks are shared by every platform (ESCO and CASE frameworks are public documents); role profiles
and all learner rows carry ``platform_id``, and every learner query filters on it (tenant isolation).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class SkillFramework(Base):
    __tablename__ = "skill_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)  # e.g. "esco", a CASE document id
    title: Mapped[str] = mapped_column(sa.String(300))
    source_format: Mapped[str] = mapped_column(sa.String(20))  # esco | case
    uri: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Skill(Base):
    """One skill. Content aligns to it by ``code`` (the short id authors write) or by ``uri``."""

    __tablename__ = "skill"
    __table_args__ = (sa.UniqueConstraint("framework_id", "uri", name="uq_skill_uri"), sa.Index("ix_skill_uri", "uri"))

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("skill_framework.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(sa.String(1000))
    code: Mapped[str | None] = mapped_column(sa.String(200), default=None, index=True)
    label: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skill.id", ondelete="SET NULL"), default=None)

    framework: Mapped[SkillFramework] = relationship()


class RoleProfile(Base):
    """A target role: the skills it needs, each at a level of the 1–4 scale (:mod:`plugin.skills.scale`).

    ``platform_id`` None: offered on every platform (shipped or admin-wide roles).
    """

    __tablename__ = "role_profile"
    __table_args__ = (sa.UniqueConstraint("platform_id", "key", name="uq_role_profile_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), default=None)
    key: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    requirements: Mapped[list[RoleSkill]] = relationship(cascade="all, delete-orphan", order_by="RoleSkill.id")


class RoleSkill(Base):
    __tablename__ = "role_skill"
    __table_args__ = (sa.UniqueConstraint("role_id", "skill_id", name="uq_role_skill"),
                      sa.CheckConstraint("level BETWEEN 1 AND 4", name="ck_role_skill_level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profile.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column()

    skill: Mapped[Skill] = relationship()


class LearnerRole(Base):
    """The role a learner is working towards (one at a time)."""

    __tablename__ = "learner_role"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profile.id", ondelete="CASCADE"), index=True)
    chosen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    role: Mapped[RoleProfile] = relationship()


class SkillEstimate(Base):
    """The current estimate of one learner's skill: the BKT probability and the evidence behind it."""

    __tablename__ = "skill_estimate"

    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True)
    p_known: Mapped[float] = mapped_column(sa.Float)
    self_level: Mapped[int | None] = mapped_column(default=None)
    answers_right: Mapped[int] = mapped_column(default=0)
    answers_wrong: Mapped[int] = mapped_column(default=0)
    nuggets_done: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SkillEvidence(Base):
    """One piece of evidence, kept so an estimate can be replayed and explained (and charted over time)."""

    __tablename__ = "skill_evidence"
    __table_args__ = (sa.Index("ix_skill_evidence_learner", "platform_id", "user_id", "skill_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # self | answer | review | completion
    correct: Mapped[bool | None] = mapped_column(default=None)
    self_level: Mapped[int | None] = mapped_column(default=None)
    p_after: Mapped[float] = mapped_column(sa.Float)
    nugget_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nugget.id", ondelete="SET NULL"), default=None)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
