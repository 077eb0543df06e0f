"""What a resource link opens: the custom parameters deep linking writes, read back on every launch.

LTI Core 1.3 §5.4.6: the platform sends the ``custom`` of the content item (Deep Linking 2.0 §3.2) with
each launch of the link it created. Skillbite's parameters:

| parameter | value | opens |
| --- | --- | --- |
| ``skillbite_course`` | course slug | the course overview (``/learn/c/<slug>``) |
| ``skillbite_module`` | module key, with ``skillbite_course`` | the module's first nugget not yet done |
| ``skillbite_nugget`` | nugget key, with ``skillbite_course`` | that nugget |
| ``skillbite_pathway`` | role profile key | the learner's next steps towards that role (``/plan/next``) |

A link to a module or a nugget opens it even when the course's prerequisites ("requires") are not met:
the instructor chose that content for the LMS activity, and the LMS sequences its activities. Only the
linked content, and only in a launch of that link (:func:`linked_nuggets`, used by
:mod:`plugin.player.locks`); inside a module the course's own order still holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort, url_for
from sqlalchemy.orm import Session

from plugin.catalog.models import Course, CourseVersion
from plugin.catalog.services import visible_to
from plugin.catalog.snapshot import VersionView
from plugin.launch.models import LaunchSession
from plugin.progress.models import Enrolment, NuggetProgress
from plugin.skills.models import RoleProfile

COURSE = "skillbite_course"
MODULE = "skillbite_module"
NUGGET = "skillbite_nugget"
PATHWAY = "skillbite_pathway"
KINDS = ("course", "module", "nugget", "pathway")


@dataclass(frozen=True)
class Target:
    """One piece of Skillbite content a link can open."""

    kind: str  # course | module | nugget | pathway
    course: str | None = None  # course slug
    key: str | None = None  # module key, nugget key or role profile key

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown content kind {self.kind!r}")

    @property
    def custom(self) -> dict[str, str]:
        """The custom parameters that name it (strings only: LTI Core 1.3 §5.4.6)."""
        if self.kind == "pathway":
            return {PATHWAY: self.key or ""}
        params = {COURSE: self.course or ""}
        if self.kind == "module":
            params[MODULE] = self.key or ""
        elif self.kind == "nugget":
            params[NUGGET] = self.key or ""
        return params

    @property
    def resource_id(self) -> str:
        """AGS 2.0 ``resourceId``: the tool's own name for the content behind a line item."""
        if self.kind == "course":
            return f"course:{self.course}"
        if self.kind == "pathway":
            return f"pathway:{self.key}"
        return f"{self.kind}:{self.course}/{self.key}"

    @property
    def value(self) -> str:
        """The picker's form value for it: ``kind:course:key``."""
        return ":".join((self.kind, self.course or "", self.key or ""))

    @classmethod
    def parse(cls, value: str) -> Target | None:
        kind, _, rest = value.partition(":")
        course, _, key = rest.partition(":")
        if kind not in KINDS or (kind == "pathway") != (not course) or (kind != "course") != bool(key):
            return None
        return cls(kind, course or None, key or None)


def target_of(custom: Mapping[str, Any] | None) -> Target | None:
    """The content a link's custom parameters name, or None for a link that names none (the catalog)."""
    values = {k: str(v).strip() for k, v in (custom or {}).items() if isinstance(v, str | int)}
    if values.get(PATHWAY):
        return Target("pathway", key=values[PATHWAY])
    course = values.get(COURSE)
    if not course:
        return None
    if values.get(NUGGET):
        return Target("nugget", course, values[NUGGET])
    if values.get(MODULE):
        return Target("module", course, values[MODULE])
    return Target("course", course)


def linked_nuggets(launch: LaunchSession, slug: str, version: VersionView) -> frozenset[str]:
    """Keys of the nuggets of course ``slug`` (in ``version``) that the launch's own resource link names: the
    nugget, or every nugget of the module. None for a link to a course, a pathway, or another course.

    Read from the resource link the launch came from (its custom parameters are the platform's, signed in
    the id_token: LTI Core 1.3 §5.4.6), never from the request, so a learner cannot name other content.
    """
    target = target_of(launch.resource_link.custom if launch.resource_link else None)
    if target is None or target.course != slug:
        return frozenset()
    if target.kind == "nugget":
        return frozenset(n.key for n in version.nuggets if n.key == target.key)
    if target.kind == "module":
        return frozenset(n.key for n in version.nuggets if n.module.key == target.key)
    return frozenset()


def launch_target(session: Session, launch: LaunchSession, carry: dict[str, Any]) -> str | None:
    """Where ``/learn`` sends a launch of a link to a module, nugget or pathway; None for the rest.

    A course (or no content) is left to ``/learn``'s own mapping.
    """
    target = target_of(launch.resource_link.custom if launch.resource_link else None)
    if target is None or target.kind == "course":
        return None
    if target.kind == "nugget":
        return url_for("player.nugget", slug=target.course, key=target.key, **carry)
    if target.kind == "module":
        return url_for("player.nugget", slug=target.course, key=_module_entry(session, launch, target),
                       **carry)
    role = session.scalar(sa.select(RoleProfile).where(
        RoleProfile.key == target.key,
        sa.or_(RoleProfile.platform_id == launch.platform_id, RoleProfile.platform_id.is_(None)))
        .order_by(RoleProfile.platform_id.is_(None)).limit(1))
    if role is None:
        abort(404, description=f"There is no pathway {target.key!r} here. Ask your instructor to pick the "
                               "activity's content again.")
    if launch.user_pk is not None and launch.role == "learner":
        from plugin.skills.services import choose_role

        choose_role(session, launch.platform_id, launch.user_pk, role.id)
        session.commit()
    return url_for("plan.next_up", **carry)


def _module_entry(session: Session, launch: LaunchSession, target: Target) -> str:
    """The module's first nugget the learner has not done, in their version of the course (the version of
    their current enrolment, else the latest); its first nugget when all are done or for an anonymous launch."""
    course = session.scalar(sa.select(Course).where(Course.slug == target.course, visible_to(launch.platform_id)))
    enrolment = None
    if course is not None and launch.user_pk is not None:  # as progress.find_enrolment picks it
        enrolment = session.scalar(sa.select(Enrolment).where(
            Enrolment.platform_id == launch.platform_id, Enrolment.user_id == launch.user_pk,
            Enrolment.course_id == course.id).order_by(Enrolment.completed_at.is_not(None), Enrolment.id.desc())
            .limit(1))
    version = (session.get(CourseVersion, enrolment.version_id) if enrolment is not None
               else course.latest_version if course else None)
    module = next((m for m in version.modules if m.key == target.key), None) if version else None
    if module is None or not module.nuggets:
        abort(404, description=f"There is no module {target.key!r} in course {target.course!r}. Ask your "
                               "instructor to pick the activity's content again.")
    done = set(session.scalars(sa.select(NuggetProgress.nugget_key).where(
        NuggetProgress.enrolment_id == enrolment.id, NuggetProgress.completed_at.is_not(None)))) if enrolment else set()
    return next((n.key for n in module.nuggets if n.key not in done), module.nuggets[0].key)
