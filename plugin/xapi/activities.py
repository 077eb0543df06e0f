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
from plugin.xapi.vocabulary import BADGE_CLASS_EXTENSION


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


def badge_activity(event: LearningEvent) -> ActivityDescription | None:
    """The badge an ``earned`` event names, from what credentials put in ``event.extra``: the
    achievement's IRI, name and description. Open Badges xAPI recipe (base 0.0.2): the object is the
    badge class, typed ``http://activitystrea.ms/schema/1.0/badge``, its IRI in the badgeclass extension.
    The achievement's language is not recorded, so its texts are tagged ``und`` (RFC 5646)."""
    iri = event.extra.get("achievement_id")
    if event.kind != "earned" or not iri:
        return None
    text = event.extra.get("achievement_description")
    return ActivityDescription(kind="badge", path="", name={"und": str(event.extra.get("achievement_name") or iri)},
                               description={"und": str(text)} if text else None, iri=str(iri),
                               extensions={BADGE_CLASS_EXTENSION: {"@id": str(iri)}})


def object_of(event: LearningEvent, given: Mapping[str, ActivityDescription],
              *candidates: ActivityDescription | None) -> ActivityDescription | None:
    """The statement's object: one given outright; for ``earned`` the badge, never the course it was
    earned in (the course is its parent); else the most specific activity the event names."""
    if given.get("object") is not None:
        return given["object"]
    if event.kind == "earned":
        badge = badge_activity(event)
        if badge is None:
            raise ValueError("an 'earned' event must name its achievement (extra['achievement_id'])")
        return badge
    return next((c for c in candidates if c is not None), None)


class IdOnlyCatalog:
    """Descriptions from the event's ids alone. ``event.extra['activities']`` may override any of them
    (a mapping of role -> ActivityDescription)."""

    def describe(self, session: Session, event: LearningEvent) -> EventActivities:
        given: Mapping[str, ActivityDescription] = event.extra.get("activities", {})
        course = given.get("course") or (_named("course", event.course_version_id)
                                         if event.course_version_id is not None else None)
        module = given.get("module") or (_named("module", event.module_id) if event.module_id is not None else None)
        nugget = given.get("nugget") or (_named("nugget", event.nugget_id) if event.nugget_id is not None else None)
        question = given.get("question") or (_named("question", event.item_id)
                                             if event.item_id is not None else None)
        obj = object_of(event, given, question, nugget, module, course)
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
