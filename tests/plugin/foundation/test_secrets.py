"""Secrets are generated on first start, persisted, and private keys are encrypted at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask

from plugin import create_app
from plugin.config import Config, ConfigError
from plugin.instance import SecretBox, load_master_key
from plugin.keys.models import InstanceSecret, ToolKey
from plugin.migrate import UnmigratedDatabase, upgrade


def _config(tmp_path: Path, database_url: str, master_key: str | None = None) -> Config:
    return Config(base_url="http://localhost", instance_path=tmp_path / "instance", database_url=database_url,
                  master_key=master_key, testing=True, log_format="text")


def _dispose(*apps: Flask) -> None:
    for app in apps:
        app.extensions["skillbite"].engine.dispose()


def test_master_key_is_generated_once_with_private_mode(tmp_path: Path, database_url: str) -> None:
    config = _config(tmp_path, database_url)
    first = load_master_key(config)
    path = tmp_path / "instance" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_key(config) == first
    Fernet(first)  # a valid key


def test_session_secret_and_signing_key_survive_a_restart(tmp_path: Path, database_url: str) -> None:
    config = _config(tmp_path, database_url)
    upgrade(database_url)
    first = create_app(config)
    second = create_app(config)
    try:
        assert first.secret_key and first.secret_key == second.secret_key
        assert first.test_client().get("/lti/jwks").json == second.test_client().get("/lti/jwks").json
    finally:
        _dispose(first, second)


def test_private_keys_are_stored_encrypted(tmp_path: Path, database_url: str) -> None:
    config = _config(tmp_path, database_url)
    upgrade(database_url)
    app = create_app(config)
    engine = app.extensions["skillbite"].engine
    with engine.connect() as conn:
        sealed = conn.execute(sa.select(ToolKey.private_key_sealed)).scalar_one()
        secrets = conn.execute(sa.select(InstanceSecret.value_sealed)).scalars().all()
    _dispose(app)
    assert b"PRIVATE KEY" not in sealed
    assert SecretBox(load_master_key(config)).open(sealed).startswith(b"-----BEGIN PRIVATE KEY-----")
    assert secrets and all(app.secret_key not in value for value in secrets)  # type: ignore[operator]


def test_a_wrong_master_key_is_a_clear_error(tmp_path: Path, database_url: str) -> None:
    upgrade(database_url)
    _dispose(create_app(_config(tmp_path, database_url)))
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        create_app(_config(tmp_path, database_url, master_key=Fernet.generate_key().decode()))


def test_the_app_refuses_an_unmigrated_database(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(UnmigratedDatabase, match="skillbite db upgrade"):
        create_app(_config(tmp_path, database_url))


def test_healthz_reports_the_database(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def _keys_rotate(env: dict[str, str]):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from plugin.cli import main

    return CliRunner().invoke(main, ["keys", "rotate"], env={"SKILLBITE_LOG_FORMAT": "text", **env})


def test_a_command_run_from_another_instance_folder_seals_nothing(tmp_path: Path, database_url: str) -> None:
    """The master key lives in the instance folder: a CLI command pointed at another one would make a new key
    and seal with it what the server could never open. It stops, saying what to set, and writes nothing."""
    upgrade(database_url)
    _dispose(create_app(_config(tmp_path, database_url)))  # the server's first start: secret, key, master.key
    elsewhere = tmp_path / "elsewhere"
    result = _keys_rotate({"SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_BASE_URL": "http://localhost",
                           "SKILLBITE_INSTANCE_PATH": str(elsewhere)})
    assert result.exit_code == 1
    assert "Error: This database holds secrets sealed with a master key" in result.output
    assert "Set SKILLBITE_INSTANCE_PATH to the instance folder the server uses" in result.output
    assert not (elsewhere / "master.key").exists()
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ToolKey)).scalar() == 1
    engine.dispose()


def test_a_command_with_another_master_key_seals_nothing(tmp_path: Path, database_url: str) -> None:
    upgrade(database_url)
    _dispose(create_app(_config(tmp_path, database_url)))
    result = _keys_rotate({"SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_BASE_URL": "http://localhost",
                           "SKILLBITE_INSTANCE_PATH": str(tmp_path / "instance"),
                           "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode()})
    assert result.exit_code == 1 and "Error: A stored secret cannot be decrypted" in result.output
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ToolKey)).scalar() == 1
    engine.dispose()
