"""The content model: Course → CourseVersion (immutable once published) → Module → Nugget → QuizItem.

Blocks are stored rendered (sanitized HTML) on the nugget, so the player never renders Markdown on a
request; the Markdown source and the front matter are kept too, so export gives back the package.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class Course(Base):
    """A course as authors know it (by slug), across all its versions."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    latest_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_version.id", use_alter=True, name="fk_course_latest_version"), default=None)

    latest_version: Mapped[CourseVersion | None] = relationship(foreign_keys=[latest_version_id],
                                                                post_update=True)


class CourseOwner(Base):
    """The organisation (LMS platform) whose instructors or LMS administrators brought a course in.

    A course without a row belongs to the installation's shared library, which the operator manages
    (command line, course API, the console's local admins). Only its owner may publish new versions of a
    course: an instructor of one organisation cannot replace the content another organisation (or the
    operator) published under the same slug.
    """

    __tablename__ = "course_owner"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)


class CourseVersion(Base):
    """One published import of a course. Never changed after publication: a changed package makes a new one."""

    __tablename__ = "course_version"
    __table_args__ = (sa.UniqueConstraint("course_id", "number", name="uq_course_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(35), default="en")
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    completion_rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    manifest: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # course.yaml as authored, for export
    minutes: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    modules: Mapped[list[Module]] = relationship(back_populates="version", order_by="Module.position",
                                                 cascade="all, delete-orphan")
    nuggets: Mapped[list[Nugget]] = relationship(back_populates="version", order_by="Nugget.position",
                                                 cascade="all, delete-orphan", overlaps="module,nuggets")
    assets: Mapped[list[Asset]] = relationship(cascade="all, delete-orphan", order_by="Asset.path")


class Module(Base):
    __tablename__ = "course_module"
    __table_args__ = (sa.UniqueConstraint("version_id", "key", name="uq_module_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column()
    prerequisites: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # module keys

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    nuggets: Mapped[list[Nugget]] = relationship(back_populates="module", order_by="Nugget.position",
                                                 overlaps="nuggets,version")


class Nugget(Base):
    """A 5–15 minute unit: rendered blocks, then optionally a quiz."""

    __tablename__ = "nugget"
    __table_args__ = (sa.UniqueConstraint("version_id", "key", name="uq_nugget_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("course_module.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column()  # order within the whole course
    minutes: Mapped[int] = mapped_column()
    mastery_score: Mapped[float] = mapped_column(sa.Float, default=0.8)
    max_attempts: Mapped[int] = mapped_column(default=3)  # 0: unlimited
    prerequisites: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # nugget keys
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  # [{"kind": ..., "html"/...}]
    source_path: Mapped[str] = mapped_column(sa.String(300))
    front_matter: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    body: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    version: Mapped[CourseVersion] = relationship(back_populates="nuggets", overlaps="module,nuggets")
    module: Mapped[Module] = relationship(back_populates="nuggets", overlaps="nuggets,version")
    items: Mapped[list[QuizItem]] = relationship(order_by="QuizItem.position", cascade="all, delete-orphan")

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)


class QuizItem(Base):
    """One question. ``spec`` holds everything, answers included: it never leaves the server as is."""

    __tablename__ = "quiz_item"
    __table_args__ = (sa.UniqueConstraint("nugget_id", "key", name="uq_quiz_item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nugget_id: Mapped[int] = mapped_column(sa.ForeignKey("nugget.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(sa.String(40))
    prompt_html: Mapped[str] = mapped_column(sa.Text)
    explanation_html: Mapped[str] = mapped_column(sa.Text, default="")
    points: Mapped[float] = mapped_column(sa.Float, default=1.0)
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class Asset(Base):
    """A package file (image, video, captions). Served by content hash, so its URL is immutable."""

    __tablename__ = "course_asset"
    __table_args__ = (sa.UniqueConstraint("version_id", "path", name="uq_asset_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(300))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
