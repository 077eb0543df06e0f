"""The IRIs of the Skillbite xAPI profile (docs/xapi-profile.md, docs/xapi-profile.jsonld). One place only."""

from __future__ import annotations

import uuid

PROFILE_ID = "https://w3id.org/xapi/skillbite"
PROFILE_VERSION_ID = PROFILE_ID + "/v1.0"
PLATFORM_NAME = "Skillbite"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"

ADL = "http://adlnet.gov/expapi/verbs/"
OPEN_BADGES = "http://specification.openbadges.org/xapi/"

# cmi5 (https://w3id.org/xapi/cmi5) vocabulary where it fits; Open Badges "earned" for credentials.
# No "launched": in cmi5 (§9.3.1) that is the LMS's statement; a sitting here starts with "initialized".
VERBS: dict[str, str] = {
    "initialized": ADL + "initialized",
    "progressed": ADL + "progressed",
    "answered": ADL + "answered",
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "terminated": ADL + "terminated",
    "reviewed": "http://id.tincanapi.com/verb/reviewed",
    "earned": OPEN_BADGES + "verbs/earned",
}

ACTIVITY_TYPES: dict[str, str] = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "nugget": "http://adlnet.gov/expapi/activities/lesson",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "pathway": PROFILE_ID + "/activity-types/pathway",
    "lms-context": PROFILE_ID + "/activity-types/lms-context",
    "badge": "http://activitystrea.ms/schema/1.0/badge",
}

PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
DEPLOYMENT_EXTENSION = PROFILE_ID + "/extensions/lti-deployment-id"
LMS_CONTEXT_EXTENSION = PROFILE_ID + "/extensions/lms-context-id"
SESSION_EXTENSION = PROFILE_ID + "/extensions/session-id"
COURSE_VERSION_EXTENSION = PROFILE_ID + "/extensions/course-version"
BADGE_ASSERTION_EXTENSION = OPEN_BADGES + "extensions/badgeassertion"
BADGE_CLASS_EXTENSION = OPEN_BADGES + "extensions/badgeclass"
OPEN_BADGES_RECIPE = OPEN_BADGES + "recipe/base/0_0_2"

# Namespaces of the deterministic UUIDs (UUIDv5). Changing one changes every id: never do it.
STATEMENT_NAMESPACE = uuid.UUID("5b0f6a2e-3c4d-5e8f-9a1b-2c3d4e5f6a7b")
REGISTRATION_NAMESPACE = uuid.UUID("7e2c1d4b-8a9f-5b3c-8d2e-1f0a9b8c7d6e")
SESSION_NAMESPACE = uuid.UUID("3a9b8c7d-6e5f-5a4b-9c3d-2e1f0a9b8c7d")
