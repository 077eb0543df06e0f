"""Achievements (badge classes): defined by course packages and admins, linked to the courses that earn them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.catalog.asset_types import png_is_complete
from plugin.credentials.models import Achievement, AchievementCourseLink
from plugin.db import utcnow

# OB 3.0 §B.2.1 AlignmentTargetType, plus extensions "ext:<name>".
ALIGNMENT_TARGET_TYPES = frozenset({"ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric",
                                    "CFRubricCriterion", "CFRubricCriterionLevel", "CTDL"})
_EXT_TYPE = re.compile(r"^ext:[A-Za-z0-9.\-_]+$")
# OB 3.0 §B.2.2 AchievementType (a selection; "ext:" extensions are allowed too).
ACHIEVEMENT_TYPES = frozenset({"Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment",
                               "AssociateDegree", "Award", "Badge", "BachelorDegree", "Certificate",
                               "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
                               "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork",
                               "GeneralEducationDevelopment", "JourneymanCertificate", "LearningProgram",
                               "License", "Membership", "ProfessionalDoctorate", "QualityAssuranceCredential",
                               "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
                               "SecondarySchoolDiploma"})
IMAGE_TYPES = frozenset({"image/png", "image/svg+xml"})
RULES = frozenset({"completed", "passed"})
_ALIGNMENT_FIELDS = ("targetName", "targetUrl", "targetType", "targetCode", "targetFramework",
                     "targetDescription")


class AchievementError(ValueError):
    """An achievement definition that cannot be used, and what to change."""


def _clean_alignment(raw: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(raw) - set(_ALIGNMENT_FIELDS)
    if unknown:
        raise AchievementError(f"Unknown alignment field(s): {', '.join(sorted(unknown))}.")
    alignment = {k: str(v).strip() for k, v in raw.items() if v not in (None, "")}
    if not alignment.get("targetName") or not alignment.get("targetUrl"):
        raise AchievementError("An alignment needs targetName and targetUrl (OB 3.0 §B.1.3).")
    if not alignment["targetUrl"].startswith(("https://", "http://")):
        raise AchievementError(f"Alignment targetUrl must be an http(s) URL, got {alignment['targetUrl']!r}.")
    target_type = alignment.get("targetType")
    if target_type and target_type not in ALIGNMENT_TARGET_TYPES and not _EXT_TYPE.match(target_type):
        raise AchievementError(f"Alignment targetType {target_type!r} is not one of "
                               f"{', '.join(sorted(ALIGNMENT_TARGET_TYPES))} nor an 'ext:' extension.")
    return alignment


def upsert_achievement(session: Session, platform_id: int | None, key: str, *, name: str, description: str,
                       criteria_narrative: str, achievement_type: str = "Badge",
                       image: bytes | None = None, image_type: str | None = None,
                       valid_for_days: int | None = None,
                       alignments: Iterable[Mapping[str, Any]] = (),
                       tags: Iterable[str] = ()) -> Achievement:
    """Create or update the achievement ``key`` of a tenant (``platform_id`` None: shared by all).

    Credentials already issued keep the achievement as it was when they were signed.
    """
    key = key.strip()
    if not key or len(key) > 200:
        raise AchievementError("An achievement key is 1 to 200 characters.")
    if not name.strip() or not description.strip() or not criteria_narrative.strip():
        raise AchievementError("An achievement needs a name, a description and a criteria narrative.")
    if achievement_type not in ACHIEVEMENT_TYPES and not _EXT_TYPE.match(achievement_type):
        raise AchievementError(f"Unknown achievementType {achievement_type!r}.")
    if image is not None and image_type not in IMAGE_TYPES:
        raise AchievementError(f"The image must be PNG or SVG, got {image_type!r}.")
    if image is not None and image_type == "image/png" and not png_is_complete(image):
        raise AchievementError("The image is declared PNG but is not a complete, undamaged PNG file.")
    if valid_for_days is not None and valid_for_days <= 0:
        raise AchievementError("valid_for_days must be a positive number of days, or None for no expiry.")
    cleaned = [_clean_alignment(a) for a in alignments]
    achievement = find_achievement(session, platform_id, key)
    if achievement is None:
        achievement = Achievement(platform_id=platform_id, key=key)
        session.add(achievement)
    achievement.name = name.strip()
    achievement.description = description.strip()
    achievement.criteria_narrative = criteria_narrative.strip()
    achievement.achievement_type = achievement_type
    if image is not None:
        achievement.image_data, achievement.image_type = image, image_type
    achievement.valid_for_days = valid_for_days
    achievement.alignments = cleaned
    achievement.tags = [t.strip() for t in tags if t.strip()]
    achievement.updated_at = utcnow()
    session.flush()
    return achievement


def find_achievement(session: Session, platform_id: int | None, key: str) -> Achievement | None:
    tenant = Achievement.platform_id.is_(None) if platform_id is None else Achievement.platform_id == platform_id
    return session.scalar(sa.select(Achievement).where(tenant, Achievement.key == key))


def link_achievement_to_course(session: Session, achievement: Achievement, *, course_version_id: int,
                               course_slug: str | None = None, course_title: str | None = None,
                               rule: str = "passed", min_score: float | None = None) -> AchievementCourseLink:
    """Say that completing (``rule="completed"``) or passing (``"passed"``, optionally with at least
    ``min_score`` scaled 0..1) the course version earns the achievement. Idempotent."""
    if rule not in RULES:
        raise AchievementError(f"rule must be one of {', '.join(sorted(RULES))}, got {rule!r}.")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise AchievementError("min_score is a scaled score between 0 and 1.")
    link = session.scalar(sa.select(AchievementCourseLink).where(
        AchievementCourseLink.achievement_id == achievement.id,
        AchievementCourseLink.course_version_id == course_version_id))
    if link is None:
        link = AchievementCourseLink(achievement_id=achievement.id, course_version_id=course_version_id)
        session.add(link)
    link.course_slug, link.course_title, link.rule, link.min_score = course_slug, course_title, rule, min_score
    session.flush()
    return link


def course_links(session: Session, course_version_id: int) -> list[AchievementCourseLink]:
    return list(session.scalars(sa.select(AchievementCourseLink)
                                .where(AchievementCourseLink.course_version_id == course_version_id)
                                .order_by(AchievementCourseLink.id)))


def achievements_for_course(session: Session, course_version_id: int) -> list[Achievement]:
    """The achievements a course version can earn (from ``achievement_course_link``)."""
    return [link.achievement for link in course_links(session, course_version_id)]
