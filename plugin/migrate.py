"""Alembic, driven from code: `skillbite db upgrade` and the start-up check that refuses an old schema."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from plugin.db import MIGRATIONS


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def pending_revisions(engine: sa.Engine) -> tuple[str | None, str | None]:
    """(current, head): equal when the database is up to date."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, script.get_current_head()


class UnmigratedDatabase(RuntimeError):
    pass


def require_current_schema(engine: sa.Engine) -> None:
    current, head = pending_revisions(engine)
    if current != head:
        raise UnmigratedDatabase(
            f"The database schema is at {current or 'nothing'} but this Skillbite needs {head}. "
            "Run `skillbite db upgrade` first."
        )
