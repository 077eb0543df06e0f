"""Importing, listing and exporting courses. Callers own the transaction: an import is all or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, selectinload

from plugin.catalog.models import Asset, Course, CourseOwner, CourseVersion, Module, Nugget, QuizItem
from plugin.catalog.package import MANIFEST, PackageFiles, PackageInvalid, Problem, read_package, write_zip
from plugin.catalog.render import render_inline, render_text
from plugin.catalog.validate import ParsedCourse, parse_package
from plugin.db import table_of, utcnow
from plugin.db_driver import DriverStatement
from plugin.web.numbers import whole_number

DEMO_COURSE = Path(__file__).parent / "demo_course"
Progress = Callable[[str, int, int], None]  # (stage, done, total)
PublishHook = Callable[[Session, CourseVersion], None]
_on_publish: list[PublishHook] = []


def on_publish(hook: PublishHook) -> PublishHook:
    """Run ``hook`` in the import's transaction whenever a new course version is published.

    Features that build on the package's reserved sections (achievements, skills) register here, so
    the catalog does not import them and an import stays all or nothing.
    """
    if hook not in _on_publish:
        _on_publish.append(hook)
    return hook


class CourseNotFound(LookupError):
    pass


@dataclass
class ImportResult:
    course: Course
    version: CourseVersion
    created: bool  # False when the package equals the latest version: nothing was written
    warnings: list[Problem] = field(default_factory=list)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def import_package(session: Session, source: Path | bytes | io.BufferedIOBase | PackageFiles,
                   progress: Progress = _no_progress, *, owner: int | None = None) -> ImportResult:
    """Check a package whole, then write it as a new published version (or find it unchanged).

    ``owner``: the platform whose instructor or LMS administrator imports (:class:`CourseOwner`); they may
    publish new courses, which their organisation then owns, and new versions of those only. None: the
    operator, who may publish any course (a new one joins the shared library).

    Raises :class:`~plugin.catalog.package.PackageInvalid` before writing anything. The caller commits.
    """
    files = source if isinstance(source, PackageFiles) else read_package(source)
    progress("checking", 0, 1)
    parsed = parse_package(files)
    progress("checking", 1, 1)
    slug = parsed.manifest["slug"]
    course = session.scalar(sa.select(Course).where(Course.slug == slug).with_for_update())
    if course is None:
        course = Course(slug=slug, title=parsed.manifest["title"])
        session.add(course)
        session.flush()
        if owner is not None:
            session.add(CourseOwner(course_id=course.id, platform_id=owner))
    elif owner is not None and owner_of(session, course) != owner:
        raise PackageInvalid([Problem("course.yaml", 0, f"slug: {slug!r} is a course that another organisation "
                                      "or the Skillbite operator published, so it cannot be replaced from here. "
                                      "Give this course a slug of its own, or ask your Skillbite operator to "
                                      "publish the new version.")])
    latest = course.latest_version
    if latest is not None and latest.content_hash == parsed.content_hash:
        return ImportResult(course, latest, False, parsed.warnings)
    version = _write_version(session, course, parsed, (latest.number + 1) if latest else 1, progress)
    course.title = version.title
    course.latest_version = version
    session.flush()
    for hook in _on_publish:
        hook(session, version)
    return ImportResult(course, version, True, parsed.warnings)


def _write_version(session: Session, course: Course, parsed: ParsedCourse, number: int,
                   progress: Progress) -> CourseVersion:
    m = parsed.manifest
    version = CourseVersion(course_id=course.id, number=number, title=m["title"], summary=m["summary"],
                            language=m["language"], content_hash=parsed.content_hash,
                            completion_rule=dict(m["completion"]), manifest=parsed.manifest_raw,
                            minutes=sum(n.minutes for n in parsed.nuggets), published_at=utcnow())
    session.add(version)
    session.flush()
    total, done, position = len(parsed.nuggets), 0, 0
    for mi, pm in enumerate(parsed.modules):
        module = Module(version_id=version.id, key=pm.key, title=pm.title, position=mi, prerequisites=pm.requires)
        session.add(module)
        session.flush()
        for pn in pm.nuggets:
            nugget = Nugget(version_id=version.id, module_id=module.id, key=pn.key, title=pn.title,
                            position=position, minutes=pn.minutes, mastery_score=pn.mastery,
                            max_attempts=pn.attempts, prerequisites=pn.requires, skills=pn.skills,
                            blocks=pn.blocks, source_path=pn.path, front_matter=pn.front, body=pn.body,
                            content_hash=pn.content_hash)
            nugget.items = [QuizItem(key=spec["id"], position=i, type=spec["type"],
                                     prompt_html=render_inline(spec["prompt"]),
                                     explanation_html=render_text(spec["explanation"]),
                                     points=spec["points"], spec=spec) for i, spec in enumerate(pn.items)]
            session.add(nugget)
            position += 1
            done += 1
            progress("writing", done, total)
    session.add_all(Asset(version_id=version.id, path=a.path, media_type=a.media_type, sha256=a.sha256,
                          size=len(a.data), data=a.data) for a in parsed.assets.values())
    session.flush()
    return version


def visible_to(platform_id: int | sa.BindParameter[int] | None) -> sa.ColumnElement[bool]:
    """Courses people of ``platform_id`` see: the shared library and their own organisation's courses, not
    those another organisation brought in (:class:`CourseOwner`). None: every course (the operator)."""
    if platform_id is None:
        return sa.true()
    owner = table_of(CourseOwner)
    return ~sa.exists().where(owner.c.course_id == Course.id, owner.c.platform_id != platform_id)


def set_owner(session: Session, course: Course, platform_id: int | None) -> None:
    """Hand ``course`` to an organisation (its people alone see it and update it), or with None back to the
    shared library. The caller makes sure the platform exists and commits."""
    row = session.get(CourseOwner, course.id)
    if platform_id is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(CourseOwner(course_id=course.id, platform_id=platform_id))
    else:
        row.platform_id = platform_id


def owner_of(session: Session, course: Course) -> int | None:
    """The platform that owns ``course``; None for the shared library."""
    row = session.get(CourseOwner, course.id)
    return row.platform_id if row else None


def owners(session: Session) -> dict[int, int]:
    """Course id → the platform that owns it, for courses that are not in the shared library."""
    return {course_id: platform_id for course_id, platform_id in
            session.execute(sa.select(CourseOwner.course_id, CourseOwner.platform_id))}


def list_courses(session: Session, platform_id: int | None = None) -> list[Course]:
    """Published courses by title, as :func:`visible_to` ``platform_id``."""
    return list(session.scalars(
        sa.select(Course).where(Course.latest_version_id.is_not(None), visible_to(platform_id))
        .order_by(Course.title).options(selectinload(Course.latest_version))))


@dataclass(frozen=True)
class CatalogEntry:
    slug: str
    title: str
    summary: str
    minutes: int
    course_id: int


def _catalog_statements() -> tuple[DriverStatement, DriverStatement]:
    course, version = table_of(Course), table_of(CourseVersion)
    visible = visible_to(sa.bindparam("platform", type_=sa.Integer()))
    size = sa.select(sa.func.count()).select_from(course).where(course.c.latest_version_id.is_not(None), visible)
    page = (sa.select(course.c.slug, course.c.title, version.c.summary, version.c.minutes, course.c.id)
            .join(version, version.c.id == course.c.latest_version_id).where(visible)
            .order_by(course.c.title, course.c.id)
            .offset(sa.bindparam("skip", type_=sa.Integer())).limit(sa.bindparam("size", type_=sa.Integer())))
    return DriverStatement(lambda _: size), DriverStatement(lambda _: page)


# The catalog is a launch's usual first page: run on the driver (plugin.db_driver explains why).
_CATALOG_SIZE, _CATALOG_PAGE = _catalog_statements()


_EVERY_ROW = 2**31 - 1  # a LIMIT that every database takes


def catalog_page(session: Session, platform_id: int, page: int = 1, per_page: int = 25, search: str = ""
                 ) -> tuple[list[CatalogEntry], int]:
    """One page of the catalog people of ``platform_id`` see (only the columns it shows), and the number of
    pages. With ``search``, only courses whose title or summary has every one of its words, in any case."""
    if search.split():
        return _search_page(session, platform_id, page, per_page, search.casefold().split())
    size = _CATALOG_SIZE.first(session, {"platform": platform_id})
    total = int(size[0]) if size else 0
    if not total:
        return [], 1
    rows = _CATALOG_PAGE.rows(session, {"platform": platform_id, "skip": (max(page, 1) - 1) * per_page,
                                        "size": per_page})
    return [CatalogEntry(*row) for row in rows], max(1, -(-total // per_page))


def _search_page(session: Session, platform_id: int, page: int, per_page: int, words: list[str]
                 ) -> tuple[list[CatalogEntry], int]:
    # Matched here rather than with SQL LIKE, whose case folding differs between SQLite (ASCII only) and
    # PostgreSQL: a catalog is hundreds of rows of four short columns, not millions.
    entries = (CatalogEntry(*row) for row in _CATALOG_PAGE.rows(
        session, {"platform": platform_id, "skip": 0, "size": _EVERY_ROW}))
    found = [e for e in entries if all(word in f"{e.title} {e.summary}".casefold() for word in words)]
    skip = (max(page, 1) - 1) * per_page
    return found[skip:skip + per_page], max(1, -(-len(found) // per_page))


def course_by_slug(session: Session, slug: str, platform_id: int | None = None) -> Course:
    """A published course, as :func:`visible_to` ``platform_id`` (else :class:`CourseNotFound`)."""
    course = session.scalar(sa.select(Course).where(Course.slug == slug, visible_to(platform_id)))
    if course is None or course.latest_version_id is None:
        raise CourseNotFound(slug)
    return course


def get_version(session: Session, version_id: int) -> CourseVersion:
    version = session.scalar(sa.select(CourseVersion).where(CourseVersion.id == version_id).options(
        selectinload(CourseVersion.modules), selectinload(CourseVersion.nuggets).selectinload(Nugget.items)))
    if version is None:
        raise CourseNotFound(str(version_id))
    return version


def find_course(session: Session, ref: str, platform_id: int | None = None) -> Course:
    """A course by id or slug (what people type on the command line), as :func:`visible_to` ``platform_id``."""
    number = whole_number(ref)  # all digits is an id, as the CLI and API document
    course = session.scalar(sa.select(Course).where(
        Course.id == number if number is not None else Course.slug == ref, visible_to(platform_id)))
    if course is None or course.latest_version_id is None:
        raise CourseNotFound(ref)
    return course


def export_files(session: Session, version_id: int) -> dict[str, bytes]:
    """The package that imports back to the same version (same content hash)."""
    version = get_version(session, version_id)
    files: dict[str, bytes] = {MANIFEST: _dump_yaml(version.manifest).encode()}
    for nugget in version.nuggets:
        files[nugget.source_path] = ("---\n" + _dump_yaml(nugget.front_matter) + "---\n" + nugget.body).encode()
    for asset in session.scalars(sa.select(Asset).where(Asset.version_id == version.id)):
        files[asset.path] = asset.data
    return files


def export_zip(session: Session, version_id: int) -> bytes:
    return write_zip(export_files(session, version_id))


def export_to(session: Session, version_id: int, target: Path) -> Path:
    """A .zip when ``target`` ends in .zip, else a folder."""
    files = export_files(session, version_id)
    if target.suffix == ".zip":
        target.write_bytes(write_zip(files))
        return target
    for path, data in files.items():
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    return target


def _dump_yaml(data: object) -> str:
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def load_demo_course(session: Session) -> ImportResult:
    """The shipped demo course, imported once (idempotent: an unchanged package writes nothing)."""
    return import_package(session, DEMO_COURSE)
