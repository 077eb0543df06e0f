"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL: a model
changed without its migration (or the reverse) fails here, not on an operator's `skillbite db upgrade`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import plugin.models  # noqa: F401 (every model registers its table on Base.metadata)
from plugin.db import Base, make_engine
from plugin.migrate import upgrade


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            tables = sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()
    assert differences == [], "write a migration for: " + "; ".join(map(str, differences))
    assert set(Base.metadata.tables) <= set(tables)
