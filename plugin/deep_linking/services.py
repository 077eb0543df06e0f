"""The picker's domain: searching the catalog, turning choices into content items, signing the response.

Deep Linking 2.0 §3.2: each choice becomes an ``ltiResourceLink`` whose ``custom`` parameters name the
content (:mod:`plugin.deep_linking.targets`), with a ``lineItem`` when the content is graded, so the
platform makes a grade column for it (Moodle makes none for an item without one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from lti import claims
from lti.deep_linking import ContentItem, LineItemRequest, deep_linking_response
from lti.message import LaunchMessage, Role
from lti.storage import SigningKey
from plugin.catalog.models import Course, CourseVersion, Module, Nugget
from plugin.catalog.services import visible_to
from plugin.deep_linking.targets import Target
from plugin.launch.models import LaunchSession
from plugin.skills.models import RoleProfile

SCORE_MAXIMUM = 100.0  # scores are sent as a fraction of this; Moodle rescales to the activity's maximum
LINE_ITEM_TAG = "skillbite"
MAX_RESULTS = 50
DURATIONS = (5, 15, 30, 60, 120)  # "at most N minutes" filter choices


class PickerError(ValueError):
    """A choice the picker cannot return, with what to do."""


@dataclass(frozen=True)
class Filters:
    query: str = ""
    skill: str = ""
    language: str = ""
    max_minutes: int | None = None


@dataclass(frozen=True)
class NuggetChoice:
    target: Target
    title: str
    minutes: int
    graded: bool
    # What it builds on in its course (titles, in course order): a link opens it without them
    # (plugin.deep_linking.targets), so the instructor who picks it should know.
    builds_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleChoice:
    target: Target
    title: str
    minutes: int
    nuggets: list[NuggetChoice]
    builds_on: tuple[str, ...] = ()  # the modules it requires, and nuggets outside it that its nuggets require


@dataclass(frozen=True)
class CourseChoice:
    target: Target
    title: str
    summary: str
    language: str
    minutes: int
    skills: list[str]
    modules: list[ModuleChoice] = field(default_factory=list)


@dataclass(frozen=True)
class PathwayChoice:
    target: Target
    title: str
    description: str


def _course_skills(version: CourseVersion) -> dict[str, str]:
    """Skill id -> name: those the course declares, and those its nuggets name."""
    declared = {str(s.get("id")): str(s.get("name") or s.get("id")) for s in version.manifest.get("skills", [])
                if isinstance(s, dict) and s.get("id")}
    for nugget in version.nuggets:
        for ref in nugget.skills:
            declared.setdefault(str(ref), str(ref))
    return declared


def _versions(session: Session, platform_id: int) -> list[CourseVersion]:
    """The latest version of every course people of ``platform_id`` see (catalog.services.visible_to)."""
    return list(session.scalars(
        sa.select(CourseVersion).join(Course, Course.latest_version_id == CourseVersion.id)
        .where(visible_to(platform_id)).order_by(CourseVersion.title, CourseVersion.id)
        .options(selectinload(CourseVersion.course),
                 selectinload(CourseVersion.modules).selectinload(Module.nuggets).selectinload(Nugget.items),
                 selectinload(CourseVersion.nuggets))))


def filter_options(session: Session, platform_id: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(skills as (id, name), languages) present in the catalog, for the filter menus."""
    skills: dict[str, str] = {}
    languages: set[str] = set()
    for version in _versions(session, platform_id):
        skills.update(_course_skills(version))
        languages.add(version.language)
    return sorted(skills.items(), key=lambda pair: pair[1].lower()), sorted(languages)


def _matches(version: CourseVersion, filters: Filters) -> bool:
    if filters.language and version.language != filters.language:
        return False
    if filters.max_minutes is not None and version.minutes > filters.max_minutes and not any(
            n.minutes <= filters.max_minutes for n in version.nuggets):
        return False
    if filters.skill and filters.skill not in _course_skills(version):
        return False
    words = filters.query.lower().split()
    if words:
        text = " ".join([version.title, version.summary, *(m.title for m in version.modules),
                         *(n.title for n in version.nuggets)]).lower()
        return all(word in text for word in words)
    return True


def _builds_on(version: CourseVersion, module: Module, nugget: Nugget | None = None) -> tuple[str, ...]:
    """Titles of what a module, or one of its nuggets, builds on, as the player's locks read it: the modules
    the module requires, then the nuggets outside those that it (or any of its nuggets) requires, in course
    order. Keys no longer in the course, which the player ignores too, are left out."""
    required_modules = [m for m in version.modules if m.key in module.prerequisites]
    covered = {m.id for m in required_modules} | ({module.id} if nugget is None else set())
    wanted = set(nugget.prerequisites) if nugget is not None else {k for n in module.nuggets for k in n.prerequisites}
    nuggets = [n.title for n in version.nuggets if n.key in wanted and n.module_id not in covered]
    return (*(m.title for m in required_modules), *nuggets)


def search_catalog(session: Session, platform_id: int, filters: Filters) -> list[CourseChoice]:
    """Courses of the catalog (latest versions) matching every filter, each with its modules and nuggets,
    and what each builds on."""
    found: list[CourseChoice] = []
    for version in _versions(session, platform_id):
        if not _matches(version, filters):
            continue
        slug = version.course.slug
        modules = [ModuleChoice(Target("module", slug, m.key), m.title, sum(n.minutes for n in m.nuggets),
                                [NuggetChoice(Target("nugget", slug, n.key), n.title, n.minutes, bool(n.items),
                                              _builds_on(version, m, n))
                                 for n in m.nuggets], _builds_on(version, m))
                   for m in version.modules]
        found.append(CourseChoice(Target("course", slug), version.title, version.summary, version.language,
                                  version.minutes, sorted(_course_skills(version).values()), modules))
        if len(found) >= MAX_RESULTS:
            break
    return found


def pathways(session: Session, platform_id: int, filters: Filters) -> list[PathwayChoice]:
    """Role profiles offered on the platform: a pathway of nuggets that closes the role's skills gaps."""
    words = filters.query.lower().split()
    roles = session.scalars(sa.select(RoleProfile).where(
        sa.or_(RoleProfile.platform_id == platform_id, RoleProfile.platform_id.is_(None)))
        .order_by(RoleProfile.title))
    return [PathwayChoice(Target("pathway", key=r.key), r.title, r.description) for r in roles
            if all(word in f"{r.title} {r.description}".lower() for word in words)]


def content_item(session: Session, platform_id: int, target: Target) -> ContentItem:
    """The ``ltiResourceLink`` for one choice; a ``lineItem`` when it is graded (AGS 2.0 §3.2)."""
    if target.kind == "pathway":
        role = session.scalar(sa.select(RoleProfile).where(
            RoleProfile.key == target.key,
            sa.or_(RoleProfile.platform_id == platform_id, RoleProfile.platform_id.is_(None))).limit(1))
        if role is None:
            raise PickerError(f"There is no pathway {target.key!r}.")
        return ContentItem(title=role.title, text=role.description or None, custom=target.custom)
    course = session.scalar(sa.select(Course).where(Course.slug == target.course, visible_to(platform_id)))
    version = course.latest_version if course else None
    if version is None:
        raise PickerError(f"There is no course {target.course!r}.")
    title, text, graded = version.title, version.summary or None, True
    if target.kind == "module":
        module = next((m for m in version.modules if m.key == target.key), None)
        if module is None:
            raise PickerError(f"There is no module {target.key!r} in {version.title!r}.")
        title, text = f"{module.title} · {version.title}", f"{len(module.nuggets)} nuggets from {version.title}"
    elif target.kind == "nugget":
        nugget = next((n for n in version.nuggets if n.key == target.key), None)
        if nugget is None:
            raise PickerError(f"There is no nugget {target.key!r} in {version.title!r}.")
        title, text = nugget.title, f"A {nugget.minutes}-minute nugget from {version.title}"
        graded = bool(nugget.items)  # a nugget without a quiz has nothing to grade
    line_item = LineItemRequest(score_maximum=SCORE_MAXIMUM, label=title[:255], resource_id=target.resource_id,
                                tag=LINE_ITEM_TAG) if graded else None
    return ContentItem(title=title, text=text, custom=target.custom, line_item=line_item)


def request_message(launch: LaunchSession) -> LaunchMessage:
    """The deep linking request a session was opened by, as :func:`lti.deep_linking.deep_linking_response`
    needs it (issuer, client_id, deployment_id and the settings claim)."""
    return LaunchMessage(
        issuer=launch.platform.issuer, client_id=launch.platform.client_id, deployment_id=launch.deployment_id,
        message_type=launch.message_type, subject=launch.user.subject if launch.user else None, roles=(),
        role=Role(launch.role), target_link_uri=None, context=None, resource_link=None,
        deep_linking_settings=launch.services.get("deep_linking"))


def is_deep_linking(launch: LaunchSession) -> bool:
    return launch.message_type == claims.DEEP_LINKING_REQUEST and bool(launch.services.get("deep_linking"))


def respond(session: Session, launch: LaunchSession, targets: Sequence[Target], key: SigningKey,
            ) -> tuple[str, str]:
    """(deep_link_return_url, signed ``LtiDeepLinkingResponse``) for the chosen targets; none is a cancel."""
    items = [content_item(session, launch.platform_id, t) for t in dict.fromkeys(targets)]
    message = request_message(launch)
    if not items:
        return deep_linking_response(message, [], key, msg="Nothing was added.")
    noun = "item" if len(items) == 1 else "items"
    return deep_linking_response(message, items, key, msg=f"Added {len(items)} Skillbite {noun}.")
