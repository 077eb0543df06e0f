"""/readyz (send traffic?) is separate from /healthz (restart?): it also needs a schema this code serves."""

from __future__ import annotations

import sqlalchemy as sa


def set_schema_revisions(runtime, *revisions: str) -> None:  # type: ignore[no-untyped-def]
    with runtime.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM alembic_version"))
        for revision in revisions:
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})


def test_ready_when_the_schema_is_current(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "schema": "current"}


def test_not_ready_while_a_migration_is_pending(client, runtime):
    set_schema_revisions(runtime, "0001")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "behind"
    assert "skillbite db upgrade" in response.json["hint"]


def test_alive_while_a_migration_is_pending(client, runtime):
    set_schema_revisions(runtime, "0001")
    assert client.get("/healthz").status_code == 200


def test_still_ready_when_a_newer_release_migrated_the_schema(client, runtime):
    # A rolling upgrade: the migration job ran first; this older process keeps serving until replaced.
    set_schema_revisions(runtime, "9999_from_the_next_release")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["schema"] == "newer"
