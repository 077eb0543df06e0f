"""What `skillbite run` says about a database whose schema is not this Skillbite's: in the operator's words,
never the migration script's branch heads."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plugin.migrate import UnmigratedDatabase, pending_revisions, require_current_schema, schema_state, upgrade


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    made = sa.create_engine(database_url)
    yield made
    made.dispose()


def _heads(engine: sa.Engine) -> list[str]:
    return sorted(pending_revisions(engine)[1])


def test_an_empty_database_is_said_to_have_no_schema_yet(engine: sa.Engine) -> None:
    with pytest.raises(UnmigratedDatabase) as caught:
        require_current_schema(engine)
    assert str(caught.value) == "This database has no Skillbite schema yet; run `skillbite db upgrade`."


def test_an_older_schema_is_named_without_listing_the_heads(engine: sa.Engine, database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from plugin.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(database_url))
    first = next(r.revision for r in script.walk_revisions() if r.down_revision is None)
    upgrade(database_url, first)
    with pytest.raises(UnmigratedDatabase) as caught:
        require_current_schema(engine)
    assert str(caught.value) == (f"This database's schema is at {first}, older than this Skillbite; "
                                 "run `skillbite db upgrade`.")
    assert not any(head in str(caught.value) for head in _heads(engine) if head != first)


def test_a_schema_a_newer_skillbite_migrated_is_served_on(engine: sa.Engine, database_url: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A rolling upgrade migrates first: this release's processes (a worker restarting, a web worker granian
    respawns) must still start, or the old release goes down before the new one is ready."""
    upgrade(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"))
    assert schema_state(engine) == "newer"
    require_current_schema(engine)  # no UnmigratedDatabase
    assert "newer than this Skillbite: serving on" in caplog.text


def test_an_up_to_date_database_passes(engine: sa.Engine, database_url: str) -> None:
    upgrade(database_url)
    require_current_schema(engine)
