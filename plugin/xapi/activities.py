"""What the statement builder needs to know about the things learners work on, without knowing our models.

The catalog feature implements :class:`ActivityCatalog` over its own tables and installs it with
:func:`use_catalog`; until then (and for ids the catalog does not know) :class:`IdOnlyCatalog` gives
stable IRIs and plain names, so no statement is ever lost for lack of a description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from plugin.events import LearningEvent


@dataclass(frozen=True)
class Interaction:
    """xAPI 1.0.3 §2.4.4.1 interaction activities: the parts a question's definition carries."""

    type: str  # true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric, other
    correct_responses: tuple[str, ...] = ()
    choices: tuple[tuple[str, Mapping[str, str]], ...] = ()
    scale: tuple[tuple[str, Mapping[str, str]], ...] = ()
    source: tuple[tuple[str, Mapping[str, str]], ...] = ()
    target: tuple[tuple[str, Mapping[str, str]], ...] = ()
    steps: tuple[tuple[str, Mapping[str, str]], ...] = ()


@dataclass(frozen=True)
class ActivityDescription:
    """One activity. ``path`` is stable for the life of the thing (a slug or uuid, never a row id that
    an import could change); the IRI is ``<base URL>/xapi/activities/<path>``."""

    kind: str  # course, module, nugget, question, pathway, lms-context, badge
    path: str
    name: Mapping[str, str]
    description: Mapping[str, str] | None = None
    interaction: Interaction | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)
    iri: str | None = None  # set only for activities that already have an IRI (a badge's achievement)


@dataclass(frozen=True)
class EventActivities:
    """The activities around one event: its object and its context (parent and grouping)."""

    object: ActivityDescription
    course: ActivityDescription | None = None
    module: ActivityDescription | None = None
    nugget: ActivityDescription | None = None
    pathway: ActivityDescription | None = None
    language: str | None = None  # BCP 47 tag of the content
    course_version: str | None = None


class ActivityCatalog(Protocol):
    def describe(self, session: Session, event: LearningEvent) -> EventActivities: ...


def _named(kind: str, ident: int, language: str = "en") -> ActivityDescription:
    return ActivityDescription(kind=kind, path=f"{kind}/{ident}", name={language: f"{kind.title()} {ident}"})


class IdOnlyCatalog:
    """Descriptions from the event's ids alone. ``event.extra['activities']`` may override any of them
    (a mapping of role -> ActivityDescription), which is how credentials describe the badge earned."""

    def describe(self, session: Session, event: LearningEvent) -> EventActivities:
        given: Mapping[str, ActivityDescription] = event.extra.get("activities", {})
        course = given.get("course") or (_named("course", event.course_version_id)
                                         if event.course_version_id is not None else None)
        module = given.get("module") or (_named("module", event.module_id) if event.module_id is not None else None)
        nugget = given.get("nugget") or (_named("nugget", event.nugget_id) if event.nugget_id is not None else None)
        question = given.get("question") or (_named("question", event.item_id)
                                             if event.item_id is not None else None)
        obj = given.get("object") or question or nugget or module or course
        if obj is None:
            raise ValueError(f"a {event.kind!r} event names no activity (no course, module, nugget or item)")
        return EventActivities(object=obj, course=course, module=module, nugget=nugget,
                               pathway=given.get("pathway"), language=event.extra.get("language"))


_catalog: ActivityCatalog = IdOnlyCatalog()


def use_catalog(catalog: ActivityCatalog) -> None:
    """Install the catalog that names activities (the catalog feature calls this at start-up)."""
    global _catalog
    _catalog = catalog


def current_catalog() -> ActivityCatalog:
    return _catalog
