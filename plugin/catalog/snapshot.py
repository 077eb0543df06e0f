"""Read-only, in-process snapshots of published course versions for the player.

A published version never changes, so the player can keep it in memory after one load: no per-request
queries for modules, nuggets and items, and no risk of serving stale content.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from plugin.catalog.models import CourseVersion, Nugget

CACHE_SIZE = 256


@dataclass(frozen=True)
class ItemView:
    id: int
    key: str
    type: str
    prompt_html: str
    explanation_html: str
    points: float
    spec: dict[str, Any]


@dataclass(frozen=True)
class ModuleView:
    id: int
    key: str
    title: str
    prerequisites: list[str]


@dataclass(frozen=True)
class NuggetView:
    id: int
    key: str
    title: str
    position: int
    minutes: int
    mastery_score: float
    max_attempts: int
    prerequisites: list[str]
    skills: list[str]
    blocks: list[dict[str, Any]]
    content_hash: str
    module_id: int
    module: ModuleView
    items: list[ItemView] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)


@dataclass(frozen=True)
class VersionView:
    id: int
    course_id: int
    number: int
    title: str
    summary: str
    minutes: int
    completion_rule: dict[str, Any]
    modules: list[ModuleView]
    nuggets: list[NuggetView]


_cache: OrderedDict[tuple[str, int], VersionView] = OrderedDict()
_lock = threading.Lock()


def version_view(session: Session, version_id: int) -> VersionView:
    # Keyed by database too: ids repeat across databases (tests, several instances in one process).
    key = (str(session.get_bind().engine.url), version_id)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    version = session.scalar(sa.select(CourseVersion).where(CourseVersion.id == version_id).options(
        selectinload(CourseVersion.modules),
        selectinload(CourseVersion.nuggets).selectinload(Nugget.items)))
    if version is None:
        raise LookupError(version_id)
    modules = {m.id: ModuleView(m.id, m.key, m.title, list(m.prerequisites)) for m in version.modules}
    view = VersionView(
        id=version.id, course_id=version.course_id, number=version.number, title=version.title,
        summary=version.summary, minutes=version.minutes, completion_rule=dict(version.completion_rule),
        modules=list(modules.values()),
        nuggets=[NuggetView(n.id, n.key, n.title, n.position, n.minutes, n.mastery_score, n.max_attempts,
                            list(n.prerequisites), list(n.skills), n.blocks, n.content_hash, n.module_id,
                            modules[n.module_id],
                            [ItemView(i.id, i.key, i.type, i.prompt_html, i.explanation_html, i.points, i.spec)
                             for i in n.items]) for n in version.nuggets])
    with _lock:
        _cache[key] = view
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return view


def forget() -> None:
    """Drop every cached snapshot."""
    with _lock:
        _cache.clear()
