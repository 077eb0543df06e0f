"""Alembic, driven from code: `skillbite db upgrade` and the start-up check that refuses an old schema."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from plugin.db import MIGRATIONS, ensure_sqlite_folder


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


def require_current_schema(engine: sa.Engine) -> None:
    # Said in the operator's words: the script's branch heads mean nothing to someone starting Skillbite.
    current, head = pending_revisions(engine)
    if current == head:
        return
    if not current:
        raise UnmigratedDatabase("This database has no Skillbite schema yet; run `skillbite db upgrade`.")
    at = ", ".join(sorted(current))
    if not current <= _known_revisions(engine):  # written by a newer Skillbite: upgrading here cannot help
        raise UnmigratedDatabase(
            f"This database's schema is at {at}, which this Skillbite does not know: a newer Skillbite "
            "upgraded it. Run that newer Skillbite (or restore the backup taken before its upgrade)."
        )
    raise UnmigratedDatabase(f"This database's schema is at {at}, older than this Skillbite; "
                             "run `skillbite db upgrade`.")
