"""The catalog as the recommender sees it: latest course versions, prerequisites expanded, skills resolved.

Built once and kept per process until a course version or a framework changes (one small query checks),
so a learner's recommendations cost only their own rows. A learner still on an older version of a course
(an unfinished enrolment keeps its version) is offered that version's nuggets: :func:`learner_catalog`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.catalog.models import Course, CourseOwner, CourseVersion, Module, Nugget
from plugin.catalog.services import owners
from plugin.plan.recommend import Catalog, CatalogNugget
from plugin.skills.models import Skill, SkillFramework
from plugin.skills.services import skills_by_ref

_lock = threading.Lock()
# Per engine (so two databases in one process never share a catalog), dropped with the engine.
_cache: weakref.WeakKeyDictionary[sa.Engine, tuple[Any, Catalog]] = weakref.WeakKeyDictionary()
# Older versions' nuggets, by version id, built when a learner on one asks; kept with the same fingerprint
# (a version's content never changes, but skills and owners may).
_older: weakref.WeakKeyDictionary[sa.Engine, tuple[Any, dict[int, tuple[CatalogNugget, ...]]]] = \
    weakref.WeakKeyDictionary()


def fingerprint_columns() -> list[sa.ScalarSelect[Any]]:
    """Changes whenever a course gets a new version (version ids only grow), a framework is imported or a
    course changes hands (``skillbite course owner``: who may be offered it).

    Scalar subqueries, so a caller may read them in the same statement as other rows (one round trip)."""
    return [sa.select(sa.func.count(Course.latest_version_id)).scalar_subquery(),
            sa.select(sa.func.sum(Course.latest_version_id)).scalar_subquery(),
            sa.select(sa.func.max(Skill.id)).scalar_subquery(),
            sa.select(sa.func.max(SkillFramework.imported_at)).scalar_subquery(),
            sa.select(sa.func.count(CourseOwner.course_id)).scalar_subquery(),
            sa.select(sa.func.sum(CourseOwner.course_id * CourseOwner.platform_id)).scalar_subquery(),
            sa.select(sa.func.sum(CourseOwner.platform_id)).scalar_subquery()]


def _fingerprint(session: Session) -> tuple[Any, ...]:
    return tuple(session.execute(sa.select(*fingerprint_columns())).one())


def _engine(session: Session) -> sa.Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, sa.Engine) else bind.engine


def current_catalog(session: Session, fingerprint: tuple[Any, ...] | None = None) -> Catalog:
    """The cached catalog, rebuilt when the catalog changed. ``fingerprint``: the values of
    :func:`fingerprint_columns` when the caller already read them."""
    engine = _engine(session)
    if fingerprint is None:
        fingerprint = _fingerprint(session)
    cached = _cache.get(engine)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    version_ids = list(session.scalars(sa.select(Course.latest_version_id)
                                       .where(Course.latest_version_id.is_not(None))))
    catalog = build_catalog(session, [v for v in version_ids if v is not None])
    with _lock:
        _cache[engine] = (fingerprint, catalog)
    return catalog


def learner_catalog(session: Session, catalog: Catalog, versions: Mapping[int, int],
                    fingerprint: tuple[Any, ...]) -> Catalog:
    """``catalog`` (a platform's view of :func:`current_catalog`, read with ``fingerprint``) as one learner
    sees it: each course of ``versions`` (course id → version id of the learner's unfinished enrolment)
    from that version, as the player shows it, when it is not the version offered to everyone. Courses the
    catalog does not offer stay out. No query unless an older version is asked for the first time."""
    older = {course_id: version_id for course_id, version_id in versions.items()
             if catalog.version_of(course_id) not in (None, version_id)}
    if not older:
        return catalog
    engine = _engine(session)
    kept = _older.get(engine)
    known = kept[1] if kept is not None and kept[0] == fingerprint else {}
    missing = [v for v in older.values() if v not in known]
    if missing:
        known = dict(known)
        built = build_catalog(session, missing).nuggets
        for version_id in missing:
            known[version_id] = tuple(n for n in built if n.version_id == version_id)
        with _lock:
            _older[engine] = (fingerprint, known)
    return catalog.with_versions({course_id: known[version_id] for course_id, version_id in older.items()
                                  if known[version_id]})


def build_catalog(session: Session, version_ids: list[int]) -> Catalog:
    if not version_ids:
        return Catalog.build(())
    versions = {v.id: v for v in session.execute(sa.select(CourseVersion.id, CourseVersion.course_id,
                                                           CourseVersion.title, CourseVersion.manifest)
                                                 .where(CourseVersion.id.in_(version_ids)))}
    owned = owners(session)
    slugs = dict(session.execute(sa.select(Course.id, Course.slug).where(
        Course.id.in_({v.course_id for v in versions.values()}))).all())
    modules = {m.id: m for m in session.execute(sa.select(Module.id, Module.key, Module.prerequisites,
                                                          Module.version_id).where(Module.version_id.in_(version_ids)))}
    rows = list(session.execute(sa.select(Nugget.id, Nugget.version_id, Nugget.module_id, Nugget.key, Nugget.title,
                                          Nugget.minutes, Nugget.position, Nugget.prerequisites, Nugget.skills,
                                          Nugget.content_hash)
                                .where(Nugget.version_id.in_(version_ids))))
    module_nuggets: dict[tuple[int, str], list[str]] = {}
    for row in sorted(rows, key=lambda r: r.position):
        module_nuggets.setdefault((row.version_id, modules[row.module_id].key), []).append(row.key)
    declared = {vid: {s.get("id"): s.get("framework") for s in (v.manifest or {}).get("skills", [])
                      if isinstance(s, dict)} for vid, v in versions.items()}
    refs = {declared[r.version_id].get(ref) or ref for r in rows for ref in r.skills}
    skill_ids = skills_by_ref(session, refs)
    nuggets = []
    for row in rows:
        module = modules[row.module_id]
        requires = list(row.prerequisites)
        for module_key in module.prerequisites:
            requires.extend(module_nuggets.get((row.version_id, module_key), []))
        version = versions[row.version_id]
        own_refs = [declared[row.version_id].get(ref) or ref for ref in row.skills]
        nuggets.append(CatalogNugget(
            id=row.id, course_id=version.course_id, course_title=version.title, key=row.key, title=row.title,
            minutes=row.minutes, position=row.position,
            skill_ids=tuple(dict.fromkeys(skill_ids[r] for r in own_refs if r in skill_ids)),
            requires=tuple(dict.fromkeys(k for k in requires if k != row.key)), owner=owned.get(version.course_id),
            course_slug=slugs.get(version.course_id, ""), version_id=row.version_id,
            content_hash=row.content_hash))
    return Catalog.build(nuggets)
