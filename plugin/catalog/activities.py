"""The catalog's answer to "what is this activity?" for xAPI statements (:class:`ActivityCatalog`).

IRIs are built from what authors name (course slug, module, nugget and item keys), so the same nugget
keeps its IRI across versions and an LRS can roll attempts up; the version number travels as the
course's ``course_version``. Published versions never change, so descriptions are cached by id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.catalog.items import item_type
from plugin.catalog.models import Course, CourseVersion, Module, Nugget, QuizItem
from plugin.events import LearningEvent
from plugin.xapi.activities import ActivityDescription, EventActivities, IdOnlyCatalog, object_of


def _text(html: str) -> str:
    """A plain-text name from rendered (already sanitized) HTML."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())[:500]


CACHE_LIMIT = 20_000


class CatalogActivities:
    """Published versions never change, so what an id describes is cached (bounded, per process)."""

    def __init__(self) -> None:
        self._fallback = IdOnlyCatalog()
        self._cache: dict[tuple[str, int], Any] = {}

    def _cached(self, kind: str, ident: int, load: Any) -> Any:
        key = (kind, ident)
        if key not in self._cache:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = load()
        return self._cache[key]

    def describe(self, session: Session, event: LearningEvent) -> EventActivities:
        if event.course_version_id is None:
            return self._fallback.describe(session, event)
        version_id = event.course_version_id
        course = self._cached("course", version_id, lambda: _course(session, version_id))
        if course is None:
            return self._fallback.describe(session, event)
        slug, number, language, course_activity = course
        module = nugget = question = None
        if event.module_id:
            module_id = event.module_id
            module = self._cached("module", module_id, lambda: _module(session, slug, module_id, language))
        if event.nugget_id:
            nugget_id = event.nugget_id
            nugget = self._cached("nugget", nugget_id, lambda: _nugget(session, slug, nugget_id, language))
        if event.item_id:
            item_id = event.item_id
            question = self._cached("question", item_id, lambda: _question(session, slug, item_id, language))
        given: Mapping[str, ActivityDescription] = event.extra.get("activities", {})
        course_activity = given.get("course") or course_activity
        obj = object_of(event, given, question, nugget, module, course_activity)
        assert obj is not None  # the course at least
        return EventActivities(object=obj, course=course_activity, module=given.get("module") or module,
                               nugget=given.get("nugget") or nugget, pathway=given.get("pathway"),
                               language=language, course_version=str(number))


def _course(session: Session, version_id: int) -> tuple[str, int, str, ActivityDescription] | None:
    row = session.execute(sa.select(Course.slug, CourseVersion.number, CourseVersion.language,
                                     CourseVersion.title, CourseVersion.summary)
                          .join(Course, Course.id == CourseVersion.course_id)
                          .where(CourseVersion.id == version_id)).first()
    if row is None:
        return None
    slug, number, language, title, summary = row
    return slug, number, language, ActivityDescription(
        kind="course", path=f"course/{slug}", name={language: title},
        description={language: summary} if summary else None)


def _module(session: Session, slug: str, module_id: int, language: str) -> ActivityDescription | None:
    row = session.execute(sa.select(Module.key, Module.title).where(Module.id == module_id)).first()
    return ActivityDescription(kind="module", path=f"course/{slug}/module/{row.key}",
                               name={language: row.title}) if row else None


def _nugget(session: Session, slug: str, nugget_id: int, language: str) -> ActivityDescription | None:
    row = session.execute(sa.select(Nugget.key, Nugget.title, Nugget.minutes).where(Nugget.id == nugget_id)).first()
    if row is None:
        return None
    return ActivityDescription(kind="nugget", path=f"course/{slug}/nugget/{row.key}", name={language: row.title},
                               description={language: f"About {row.minutes} min"})


def _question(session: Session, slug: str, item_id: int, language: str) -> ActivityDescription | None:
    row = session.execute(sa.select(QuizItem.key, QuizItem.type, QuizItem.prompt_html, QuizItem.spec, Nugget.key)
                          .join(Nugget, Nugget.id == QuizItem.nugget_id)
                          .where(QuizItem.id == item_id)).first()
    if row is None:
        return None
    key, kind, prompt_html, spec, nugget_key = row
    return ActivityDescription(kind="question", path=f"course/{slug}/nugget/{nugget_key}/question/{key}",
                               name={language: _text(prompt_html) or key},
                               interaction=item_type(kind).interaction(spec))

