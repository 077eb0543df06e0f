"""The console's writes and searches that the features do not offer yet, each scoped to a tenant.

``platform_id`` None means every platform (a local admin); otherwise only rows of that platform are read
or changed, whatever ids the request names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lti.storage import DeploymentPolicy
from plugin.admin import audit
from plugin.catalog.models import Course, CourseVersion
from plugin.catalog.services import set_owner
from plugin.credentials.models import Achievement, IssuedCredential
from plugin.launch.models import User
from plugin.platforms.models import Deployment, Platform
from plugin.platforms.services import PlatformError, add_deployment
from plugin.xapi.models import LrsDestination


@dataclass(frozen=True)
class PlatformChanges:
    name: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_policy: DeploymentPolicy


def _check_url(label: str, value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PlatformError(f"{label} must be an absolute http(s) URL, e.g. https://lms.example.com/..., "
                            f"got {value!r}.")
    return value


def edit_platform(platform: Platform, changes: PlatformChanges) -> Platform:
    """Change what an admin may change. Issuer and client id name the registration and stay as they are."""
    name = changes.name.strip()
    if not name or len(name) > 200:
        raise PlatformError("Give the platform a name of 1 to 200 characters, e.g. 'Acme Moodle'.")
    urls = [_check_url(label, value) for label, value in (
        ("Authentication request URL", changes.auth_login_url), ("Access token URL", changes.auth_token_url),
        ("Keyset URL", changes.key_set_url))]
    platform.name = name
    platform.auth_login_url, platform.auth_token_url, platform.key_set_url = urls
    platform.deployment_policy = changes.deployment_policy.value
    return platform


def add_deployment_id(session: Session, platform: Platform, deployment_id: str) -> str:
    """The deployment id as added (trimmed)."""
    deployment_id = deployment_id.strip()
    if not deployment_id or len(deployment_id) > 255:
        raise PlatformError("Give the deployment id the LMS shows (1 to 255 characters).")
    if session.scalar(sa.select(Deployment.id).where(Deployment.platform_id == platform.id,
                                                     Deployment.deployment_id == deployment_id)):
        raise PlatformError(f"Deployment {deployment_id!r} is already registered for this platform.")
    add_deployment(session, platform, deployment_id)
    return deployment_id


def remove_deployment(session: Session, platform: Platform, deployment_pk: int) -> str:
    """Launches from the deployment are refused afterwards (unless the platform records new ones)."""
    deployment = session.get(Deployment, deployment_pk)
    if deployment is None or deployment.platform_id != platform.id:
        raise PlatformError("There is no such deployment on this platform.")
    session.delete(deployment)
    return deployment.deployment_id


def destinations(session: Session, platform_id: int | None) -> Sequence[LrsDestination]:
    query = sa.select(LrsDestination).order_by(LrsDestination.id)
    if platform_id is not None:
        query = query.where(LrsDestination.platform_id == platform_id)
    return session.scalars(query).all()


def default_destination_exists(session: Session) -> bool:
    return session.scalar(sa.select(LrsDestination.id).where(LrsDestination.platform_id.is_(None))
                          .limit(1)) is not None


def scoped_destination(session: Session, platform_id: int | None, destination_id: int) -> LrsDestination | None:
    row = session.get(LrsDestination, destination_id)
    if row is None or (platform_id is not None and row.platform_id != platform_id):
        return None
    return row


def search_credentials(session: Session, platform_id: int | None, text: str = "", *, status: str = "",
                       limit: int = 50, offset: int = 0) -> list[IssuedCredential]:
    """Newest first. ``text`` matches the credential id, the learner's LTI sub, name or email, or the
    achievement's name; ``status`` is "", "active" or "revoked"."""
    query = (sa.select(IssuedCredential).join(User, User.id == IssuedCredential.user_id)
             .join(Achievement, Achievement.id == IssuedCredential.achievement_id))
    if platform_id is not None:
        query = query.where(IssuedCredential.platform_id == platform_id)
    text = text.strip()
    if text:
        like = f"%{text.lower()}%"
        query = query.where(sa.or_(IssuedCredential.public_id == text.rstrip("/").rsplit("/", 1)[-1],
                                   User.subject == text, sa.func.lower(User.name).like(like),
                                   sa.func.lower(User.email).like(like), sa.func.lower(Achievement.name).like(like)))
    if status == "active":
        query = query.where(IssuedCredential.revoked_at.is_(None))
    elif status == "revoked":
        query = query.where(IssuedCredential.revoked_at.is_not(None))
    query = query.order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def scoped_credential(session: Session, platform_id: int | None, public_id: str) -> IssuedCredential | None:
    query = sa.select(IssuedCredential).where(IssuedCredential.public_id == public_id)
    if platform_id is not None:
        query = query.where(IssuedCredential.platform_id == platform_id)
    return session.scalar(query)


def course_versions(session: Session) -> dict[int, list[CourseVersion]]:
    """Every published version by course id, newest first (the content page's history)."""
    by_course: dict[int, list[CourseVersion]] = {}
    query = sa.select(CourseVersion).order_by(CourseVersion.course_id, CourseVersion.number.desc())
    for version in session.scalars(query):
        by_course.setdefault(version.course_id, []).append(version)
    return by_course


def hand_over_course(session: Session, actor: audit.Actor, course: Course, platform_id: int | None) -> str:
    """Give ``course`` to the organisation ``platform_id`` (None: the shared library), with its activity
    entry; returns whose it now is, in words. :class:`PlatformError` for a platform that does not exist."""
    if platform_id is not None and session.get(Platform, platform_id) is None:
        raise PlatformError(f"There is no platform {platform_id}.")
    set_owner(session, course, platform_id)
    whose = "the shared library" if platform_id is None else f"platform {platform_id}"
    audit.record(session, actor, "course.owner", f"{course.title} ({course.slug})", platform_id=platform_id,
                 detail=f"now belongs to {whose}")
    return whose
