"""The achievements a course package declares become Open Badges achievements when it is published.

A package's ``achievements`` section (docs/content-format.md) names badges that completing the course
earns; its ``skills`` section becomes each badge's OB 3.0 ``alignment`` (§B.1.3) where a skill has an
http(s) URI, from the package or from an imported skill framework.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.catalog.models import Asset, CourseVersion
from plugin.catalog.package import MANIFEST, PackageInvalid, Problem
from plugin.catalog.services import on_publish
from plugin.credentials.achievements import AchievementError, link_achievement_to_course, upsert_achievement

# The course's completion rule decides which learning event earns the badge.
RULE_FOR_COMPLETION = {"all_nuggets": "completed", "percent": "completed", "all_passed": "passed"}


def _skill_uri(session: Session, skill: dict[str, Any]) -> str | None:
    framework = str(skill.get("framework") or "")
    if framework.startswith(("https://", "http://")):
        return framework
    try:
        from plugin.skills.models import Skill
    except ImportError:  # the skills feature is optional for credentials
        return None
    return session.scalar(sa.select(Skill.uri).where(Skill.code == skill["id"]).limit(1))


def _alignments(session: Session, skills: list[dict[str, Any]]) -> list[dict[str, str]]:
    aligned = []
    for skill in skills:
        uri = _skill_uri(session, skill)
        if uri:
            aligned.append({"targetName": str(skill["name"]), "targetUrl": uri,
                            "targetType": "ceasn:Competency", "targetCode": str(skill["id"])})
    return aligned


def _image(session: Session, version: CourseVersion, path: str) -> tuple[bytes | None, str | None]:
    if not path:
        return None, None
    asset = session.scalar(sa.select(Asset).where(Asset.version_id == version.id, Asset.path == path))
    return (asset.data, asset.media_type) if asset else (None, None)


@on_publish
def publish_course_achievements(session: Session, version: CourseVersion) -> None:
    """Raises :class:`PackageInvalid` for an achievement the package check let through, so the import is
    refused with a reason (and rolled back by its caller) rather than failing as a server error."""
    manifest = version.manifest or {}
    declared = manifest.get("achievements") or []
    if not declared:
        return
    slug = version.course.slug if version.course else str(manifest.get("slug"))
    alignments = _alignments(session, list(manifest.get("skills") or []))
    rule = RULE_FOR_COMPLETION.get(str((version.completion_rule or {}).get("rule")), "completed")
    for entry in declared:
        name = str(entry["name"]).strip()
        description = str(entry.get("description") or "").strip() or name
        try:
            image, image_type = _image(session, version, str(entry.get("image") or ""))
            achievement = upsert_achievement(
                session, None, f"{slug}/{entry['id']}", name=name, description=description,
                criteria_narrative=str(entry.get("criteria") or "").strip() or description,
                image=image, image_type=image_type, alignments=alignments)
            link_achievement_to_course(session, achievement, course_version_id=version.id, course_slug=slug,
                                       course_title=version.title, rule=rule)
        except AchievementError as exc:
            raise PackageInvalid([Problem(MANIFEST, 0, f"achievement {entry['id']!r} cannot be published: {exc} "
                                                       "Change it under `achievements:` and import again")]) from None
