"""`skillbite course import|export|list`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from plugin.admin import audit
from plugin.db import make_engine, make_sessionmaker, transaction
from plugin.web.wording import counted


@contextmanager
def database() -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured, migrated database; the engine is disposed when the command ends."""
    from plugin.cli import _config
    from plugin.migrate import UnmigratedDatabase, require_current_schema

    engine = make_engine(_config().database_url)
    try:
        try:
            require_current_schema(engine)
        except UnmigratedDatabase as exc:
            raise click.ClickException(str(exc)) from None
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@click.group("course")
def course() -> None:
    """Course packages (docs/content-format.md)."""


@course.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def course_import(path: Path) -> None:
    """Import a package folder or .zip. Nothing is written unless the whole package is valid."""
    from plugin.catalog.package import PackageInvalid
    from plugin.catalog.services import import_package

    with database() as sessions, click.progressbar(length=1, label="Checking the package", show_pos=True) as bar:
        state: dict[str, Any] = {"stage": "", "done": 0}

        def progress(stage: str, done: int, total: int) -> None:
            if stage != state["stage"]:
                state["stage"], state["done"] = stage, 0
                bar.label = "Checking the package" if stage == "checking" else "Writing nuggets"
                bar.length = total or 1
                bar.pos = 0
            bar.update(done - int(state["done"]))
            state["done"] = done

        try:
            with transaction(sessions) as session:
                result = import_package(session, path, progress)
                if result.created:
                    audit.record(session, audit.cli_actor(), "course.imported",
                                 f"{result.course.title} ({result.course.slug})",
                                 detail=f"version {result.version.number}")
                summary = (result.created, result.course.slug, result.version.number, result.version.title,
                           len(result.version.nuggets), result.warnings)
        except PackageInvalid as exc:
            click.echo("", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            problems = counted(len(exc.problems), "problem")
            raise click.ClickException(f"Nothing was imported: {problems} to fix.") from None
    created, slug, number, title, count, warnings = summary
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    verb = "Imported" if created else "Unchanged:"
    click.echo(f"{verb} {title!r} ({slug}) version {number}, {count} nuggets.")


@course.command("export")
@click.argument("ref")
@click.argument("path", type=click.Path(path_type=Path))
def course_export(ref: str, path: Path) -> None:
    """Export course REF (id or slug) to PATH (a folder, or a file ending in .zip)."""
    from plugin.catalog.services import CourseNotFound, export_to, find_course

    with database() as sessions, transaction(sessions) as session:
        try:
            found = find_course(session, ref)
        except CourseNotFound:
            raise click.ClickException(f"No course {ref!r}: `skillbite course list` shows them.") from None
        assert found.latest_version_id is not None
        export_to(session, found.latest_version_id, path)
    click.echo(f"Exported {ref} to {path}.")


@course.command("list")
def course_list() -> None:
    """Show courses, their latest versions and whose they are."""
    from plugin.catalog.services import list_courses, owners

    with database() as sessions, transaction(sessions) as session:
        rows = list_courses(session)
        owned = owners(session)
        if not rows:
            click.echo("No courses yet. Import one with `skillbite course import PATH`.")
        for c in rows:
            v = c.latest_version
            assert v is not None
            whose = f"platform {owned[c.id]}" if c.id in owned else "shared"
            click.echo(f"{c.id:>4}  {c.slug:30} v{v.number}  {len(v.nuggets):>3} nuggets  {v.minutes:>4} min  "
                       f"[{whose}]  {c.title}")


@course.command("owner")
@click.argument("ref")
@click.option("--platform-id", type=int, default=None, help="The organisation (platform id) the course belongs to.")
@click.option("--shared", is_flag=True, help="Back to the shared library: every organisation sees it.")
def course_owner(ref: str, platform_id: int | None, shared: bool) -> None:
    """Hand course REF (id or slug) to one organisation, or back to the shared library."""
    from plugin.admin.operations import hand_over_course
    from plugin.catalog.services import CourseNotFound, find_course
    from plugin.platforms.services import PlatformError

    if shared == (platform_id is not None):
        raise click.UsageError("Give either --platform-id ID or --shared.")
    with database() as sessions, transaction(sessions) as session:
        try:
            found = find_course(session, ref)
            whose = hand_over_course(session, audit.cli_actor(), found, platform_id)
        except CourseNotFound:
            raise click.ClickException(f"No course {ref!r}: `skillbite course list` shows them.") from None
        except PlatformError as exc:
            raise click.ClickException(f"{exc} `skillbite platform list` shows them.") from None
    click.echo(f"{found.slug} now belongs to {whose}.")
