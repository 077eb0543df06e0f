"""`skillbite skills import|demo|list` and `skillbite skills roles add|list`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from plugin.db import transaction


@click.group("skills")
def skills() -> None:
    """Skill frameworks and role profiles (docs/skills.md)."""


@skills.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "source_format", type=click.Choice(["esco", "case"]), default=None,
              help="esco: a skills CSV (or a folder of ESCO CSVs); case: a CASE 1.0 JSON package. "
                   "Default: case for .json, else esco.")
@click.option("--hierarchy", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="ESCO broader relations CSV (conceptUri, broaderUri).")
@click.option("--key", default=None, help="Framework key for ESCO imports (default: esco).")
@click.option("--title", default=None, help="Framework title for ESCO imports.")
def skills_import(path: Path, source_format: str | None, hierarchy: Path | None, key: str | None,
                  title: str | None) -> None:
    """Import a framework. Every problem is listed, and nothing is written unless the whole file is valid."""
    from plugin.admin import audit
    from plugin.cli import _config, _sessions
    from plugin.skills.frameworks import FrameworkInvalid
    from plugin.skills.services import import_framework, read_framework

    source_format = source_format or ("case" if path.suffix.lower() == ".json" else "esco")
    sessions = _sessions(_config())
    try:
        with transaction(sessions) as session:
            click.echo(f"Checking {path} ({source_format}) …")
            parsed = read_framework(session, path, source_format, hierarchy, key, title)
            click.echo(f"Writing {len(parsed.skills)} skills …")
            summary = import_framework(session, parsed)
            name = summary.framework.title
            audit.record(session, audit.cli_actor(), "skills.imported", f"{name} ({summary.framework.key})",
                         detail=f"{summary.added} new, {summary.updated} updated skills, from {path.name}")
    except FrameworkInvalid as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Imported {name}: {summary.added} new, {summary.updated} updated skills.")


@skills.command("demo")
def skills_demo() -> None:
    """Load the demo framework (communication and coaching skills) and its roles."""
    from plugin.admin import audit
    from plugin.cli import _config, _sessions
    from plugin.skills.services import load_demo_skills

    with transaction(_sessions(_config())) as session:
        title = load_demo_skills(session).title
        audit.record(session, audit.cli_actor(), "skills.imported", f"{title} (demo, with its roles)")
    click.echo(f"Loaded {title} and the roles team-lead and team-member.")


@skills.command("list")
def skills_list() -> None:
    """Show imported frameworks."""
    from plugin.cli import _config, _sessions
    from plugin.skills.models import Skill, SkillFramework

    with transaction(_sessions(_config())) as session:
        counts = dict(session.execute(sa.select(Skill.framework_id, sa.func.count(Skill.id))
                                      .group_by(Skill.framework_id)).all())
        frameworks = list(session.scalars(sa.select(SkillFramework).order_by(SkillFramework.title)))
        if not frameworks:
            click.echo("No frameworks yet. Try `skillbite skills demo` or `skillbite skills import PATH`.")
        for f in frameworks:
            click.echo(f"{f.key}  {f.title}  [{f.source_format}, {counts.get(f.id, 0)} skills, "
                       f"imported {f.imported_at:%Y-%m-%d %H:%M}]")


@skills.group("roles")
def roles() -> None:
    """Target roles: the skills each needs, at a level of the 1–4 scale."""


@roles.command("add")
@click.argument("key")
@click.option("--title", required=True, help="The role as people name it, e.g. 'Team lead'.")
@click.option("--skill", "skill_levels", multiple=True, required=True, metavar="SKILL=LEVEL",
              help="A skill code or URI and its required level (repeatable).")
@click.option("--scale", "scale_name", type=click.Choice(["1-4", "1-5", "percent"]), default="1-4",
              show_default=True, help="The scale LEVEL is given on; it is mapped to 1–4 (docs/skills.md).")
@click.option("--platform", "platform_id", type=int, default=None,
              help="Offer the role on this platform only (default: every platform).")
@click.option("--description", default="")
def roles_add(key: str, title: str, skill_levels: tuple[str, ...], scale_name: str, platform_id: int | None,
              description: str) -> None:
    """Create or replace a role profile."""
    from plugin.admin import audit
    from plugin.cli import _config, _sessions
    from plugin.skills.services import save_role

    requirements: dict[str, float] = {}
    for pair in skill_levels:
        ref, sep, value = pair.rpartition("=")
        try:
            requirements[ref] = float(value)
        except ValueError:
            raise click.ClickException(f"--skill {pair!r}: write SKILL=LEVEL, e.g. feedback=3") from None
        if not sep or not ref:
            raise click.ClickException(f"--skill {pair!r}: write SKILL=LEVEL, e.g. feedback=3")
    try:
        with transaction(_sessions(_config())) as session:
            role = save_role(session, key, title, requirements, platform_id=platform_id, scale_name=scale_name,
                             description=description)
            levels = ", ".join(f"{r.skill.label} {r.level}" for r in role.requirements)
            audit.record(session, audit.cli_actor(), "role.saved", f"{title} ({key})", platform_id=platform_id,
                         detail=levels)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Role {key}: {levels}.")


@roles.command("list")
@click.option("--platform", "platform_id", type=int, default=None, help="Roles offered on this platform.")
def roles_list(platform_id: int | None) -> None:
    from plugin.cli import _config, _sessions
    from plugin.skills.models import RoleProfile
    from plugin.skills.services import roles_for

    with transaction(_sessions(_config())) as session:
        found = roles_for(session, platform_id) if platform_id is not None else list(
            session.scalars(sa.select(RoleProfile).order_by(RoleProfile.title)))
        for role in found:
            scope = f"platform {role.platform_id}" if role.platform_id else "all platforms"
            levels = ", ".join(f"{r.skill.code or r.skill.uri}={r.level}" for r in role.requirements)
            click.echo(f"{role.key}  {role.title}  [{scope}]  {levels}")


def register(main: click.Group) -> None:
    main.add_command(skills)
