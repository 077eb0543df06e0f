"""Alembic, driven from code: `skillbite db upgrade` and the start-up check that refuses an old schema."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from plugin.db import MIGRATIONS, ensure_sqlite_folder

log = logging.getLogger("skillbite.migrate")


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    ensure_sqlite_folder(database_url)
    command.upgrade(alembic_config(database_url), revision)


def pending_revisions(engine: sa.Engine) -> tuple[frozenset[str], frozenset[str]]:
    """(current heads, script heads): equal when the database is up to date."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return frozenset(current), frozenset(script.get_heads())


class UnmigratedDatabase(RuntimeError):
    pass


def _known_revisions(engine: sa.Engine) -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    return frozenset(revision.revision for revision in script.walk_revisions())


def schema_state(engine: sa.Engine) -> str:
    """``current``; ``newer`` (a newer Skillbite migrated it: revisions this code does not know);
    ``behind`` (``skillbite db upgrade`` would bring it up); or ``empty`` (no Skillbite schema yet)."""
    current, head = pending_revisions(engine)
    if current == head:
        return "current"
    if not current:
        return "empty"
    return "behind" if current <= _known_revisions(engine) else "newer"


def require_current_schema(engine: sa.Engine) -> None:
    """Refuse a schema this code cannot serve, in the operator's words (never the script's branch heads).

    A schema a newer Skillbite migrated is served on: during a rolling upgrade the migrations run first
    and this release's processes keep serving (and restarting) until the new ones are ready, which is why
    each release's migrations keep the release before it working (docs/operations.md, "Upgrade")."""
    state = schema_state(engine)
    if state in ("current", "newer"):
        if state == "newer":
            log.warning("this database's schema is newer than this Skillbite: serving on, as during a rolling "
                        "upgrade; run the newer release")
        return
    if state == "empty":
        raise UnmigratedDatabase("This database has no Skillbite schema yet; run `skillbite db upgrade`.")
    at = ", ".join(sorted(pending_revisions(engine)[0]))
    raise UnmigratedDatabase(f"This database's schema is at {at}, older than this Skillbite; "
                             "run `skillbite db upgrade`.")
