"""`skillbite credential rotate-key` rotates the key of a tenant it is told, or of all with --all."""

from __future__ import annotations

import sqlalchemy as sa

from plugin.credentials.models import IssuerKey
from plugin.db import make_engine
from tests.plugin.launch.test_cli import ADD, cli, env, migrated_env  # noqa: F401 (fixtures)


def _keys(env):  # noqa: F811
    engine = make_engine(env["SKILLBITE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(sa.select(IssuerKey.platform_id, IssuerKey.retired_at.is_(None))).all())
    finally:
        engine.dispose()


def test_rotate_key_without_a_tenant_is_refused_and_rotates_nothing(migrated_env):  # noqa: F811
    assert cli(migrated_env, *ADD).exit_code == 0
    result = cli(migrated_env, "credential", "rotate-key")
    assert result.exit_code == 2
    assert "--platform N" in result.output and "--all" in result.output
    assert _keys(migrated_env) == []


def test_rotate_key_of_a_platform_rotates_that_tenants_key_and_names_it(migrated_env):  # noqa: F811
    assert cli(migrated_env, *ADD).exit_code == 0
    result = cli(migrated_env, "credential", "rotate-key", "--platform", "1")
    assert result.exit_code == 0, result.output
    assert "Rotated the signing key of platform 1" in result.output
    assert _keys(migrated_env) == [(1, True)]


def test_rotate_key_all_rotates_every_tenants_key(migrated_env):  # noqa: F811
    assert cli(migrated_env, *ADD).exit_code == 0
    assert cli(migrated_env, *ADD[:5], "other-client", *ADD[6:]).exit_code == 0
    assert cli(migrated_env, "credential", "rotate-key", "--platform", "1").exit_code == 0
    result = cli(migrated_env, "credential", "rotate-key", "--all")
    assert result.exit_code == 0, result.output
    assert "platform 1" in result.output and "platform 2" in result.output
    assert _keys(migrated_env) == [(1, False), (1, True), (2, True)]
