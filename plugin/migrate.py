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


def require_current_schema(engine: sa.Engine) -> None:
    current, head = pending_revisions(engine)
    if current != head:
        raise UnmigratedDatabase(
            f"The database schema is at {', '.join(sorted(current)) or 'nothing'} but this Skillbite "
            f"needs {', '.join(sorted(head))}. "
            "Run `skillbite db upgrade` first."
        )
