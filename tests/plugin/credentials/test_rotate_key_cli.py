"""`skillbite credential rotate-key --platform N` for a platform that does not exist says so, no traceback."""

from __future__ import annotations

import pytest

from tests.plugin.launch.test_cli import cli, env, migrated_env  # noqa: F401 (fixtures)


@pytest.mark.parametrize("platform_id", ["999", "99999999999999999999"])
def test_rotating_the_key_of_a_platform_that_does_not_exist_says_where_to_look(migrated_env, platform_id):  # noqa: F811
    result = cli(migrated_env, "credential", "rotate-key", "--platform", platform_id)
    assert result.exit_code == 1
    assert f"There is no platform {platform_id}. See `skillbite platform list`." in result.output
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
