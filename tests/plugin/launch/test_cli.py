"""The `skillbite` command for the LTI side: platform registration by hand, migrations, and `run`."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.fernet import Fernet

from plugin.cli import main
from plugin.migrate import upgrade
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[3]
ADD = ["platform", "add", "--issuer", "https://moodle.example.test", "--client-id", "abc123",
       "--auth-url", "https://moodle.example.test/mod/lti/auth.php",
       "--token-url", "https://moodle.example.test/mod/lti/token.php",
       "--jwks-url", "https://moodle.example.test/mod/lti/certs.php", "--deployment-id", "7"]


@pytest.fixture
def env(tmp_path, database_url):
    return {"SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_BASE_URL": "https://skillbite.example.test",
            "SKILLBITE_INSTANCE_PATH": str(tmp_path / "instance"),
            "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode(), "SKILLBITE_LOG_FORMAT": "text"}


@pytest.fixture
def migrated_env(env):
    upgrade(env["SKILLBITE_DATABASE_URL"])
    return env


def cli(env, *args: str):
    result = CliRunner().invoke(main, list(args), env=env)
    outcome = SimpleNamespace(exit_code=result.exit_code, output=result.output)
    # plugin.cli leaves its engine (and, on errors, a traceback holding it) to the garbage collector;
    # collect it here, not in a later test where the unclosed connection's warning would fail it.
    del result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return outcome


def test_platform_add_prints_the_tool_urls_to_paste_into_the_lms(migrated_env):
    result = cli(migrated_env, *ADD)
    assert result.exit_code == 0, result.output
    assert "Registered platform" in result.output and "https://moodle.example.test" in result.output
    for url in ("https://skillbite.example.test/lti/login", "https://skillbite.example.test/lti/launch",
                "https://skillbite.example.test/lti/jwks", "https://skillbite.example.test/lti/register",
                "https://skillbite.example.test/lti/canvas.json"):
        assert url in result.output


def test_platform_list_shows_the_added_platform_and_its_deployments(migrated_env):
    assert cli(migrated_env, *ADD).exit_code == 0
    assert cli(migrated_env, *ADD[:5], "other-client", *ADD[6:-2]).exit_code == 0
    listed = cli(migrated_env, "platform", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("issuer    https://moodle.example.test") == 2
    assert "client_id abc123" in listed.output and "client_id other-client" in listed.output
    assert "deployments 7" in listed.output and "deployments (none)" in listed.output


def test_platform_list_on_an_empty_database_says_how_to_add_one(migrated_env):
    listed = cli(migrated_env, "platform", "list")
    assert listed.exit_code == 0
    assert "No platforms registered" in listed.output and "skillbite platform add" in listed.output


def test_duplicate_platform_add_is_a_clear_error(migrated_env):
    assert cli(migrated_env, *ADD).exit_code == 0
    again = cli(migrated_env, *ADD)
    assert again.exit_code == 1
    assert "already registered" in again.output
    assert "Traceback" not in again.output
    assert cli(migrated_env, "platform", "list").output.count("client_id abc123") == 1


def test_platform_add_with_a_bad_url_is_a_clear_error(migrated_env):
    args = list(ADD)
    args[args.index("--jwks-url") + 1] = "certs.php"
    result = cli(migrated_env, *args)
    assert result.exit_code == 1
    assert "JWKS URL must be an absolute http(s) URL" in result.output


def test_platform_add_refuses_token_and_keyset_urls_skillbite_would_not_call(migrated_env):
    # SKILLBITE_BASE_URL is not loopback here, so loopback is refused as in production.
    args = [*ADD]
    args[args.index("--token-url") + 1] = "http://127.0.0.1:8080/mod/lti/token.php"
    args[args.index("--jwks-url") + 1] = "https://10.0.0.1/mod/lti/certs.php"
    args[args.index("--auth-url") + 1] = "https://10.0.0.2/mod/lti/auth.php"  # only the browser goes there
    result = cli(migrated_env, *args)
    assert result.exit_code == 1
    assert "--token-url: This address is this machine itself (127.0.0.1)." in result.output
    assert ("--jwks-url: This address is on a private network (10.0.0.1). Skillbite only calls private networks "
            "when SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 is set") in result.output
    assert "--auth-url" not in result.output and "Nothing was registered." in result.output
    assert "No platforms registered" in cli(migrated_env, "platform", "list").output
    allowed = cli({**migrated_env, "SKILLBITE_ALLOW_PRIVATE_NETWORKS": "1"}, *args)
    assert allowed.exit_code == 1 and "--jwks-url" not in allowed.output  # only the loopback token URL is left


def test_run_refuses_an_unmigrated_database_naming_the_upgrade_command(env, monkeypatch):
    import plugin.server

    started = []
    monkeypatch.setattr(plugin.server, "serve", lambda *a, **k: started.append(a))
    result = cli(env, "run", "--port", str(free_port()))
    assert result.exit_code == 1
    assert "skillbite db upgrade" in result.output
    assert started == []


def test_platform_commands_refuse_an_unmigrated_database_too(env):
    result = cli(env, "platform", "list")
    assert result.exit_code == 1
    assert "skillbite db upgrade" in result.output


def test_db_upgrade_twice_is_fine(env):
    first = cli(env, "db", "upgrade")
    assert first.exit_code == 0, first.output
    second = cli(env, "db", "upgrade")
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    assert cli(env, "platform", "list").exit_code == 0


def test_db_purge_deletes_expired_login_states_and_nonces(migrated_env):
    from plugin.db import make_engine, make_sessionmaker, transaction
    from plugin.launch.stores import DatabaseLaunchStates

    engine = make_engine(migrated_env["SKILLBITE_DATABASE_URL"])
    try:
        with transaction(make_sessionmaker(engine)) as session:
            states = DatabaseLaunchStates(session)
            states.save_state("expired-state-0000", {}, ttl_seconds=-1)
            states.use_nonce("https://lms.test", "old", ttl_seconds=-1)
            states.use_nonce("https://lms.test", "new", ttl_seconds=3600)
    finally:
        engine.dispose()
    done = cli(migrated_env, "db", "purge")
    assert done.exit_code == 0, done.output
    assert "Deleted 2 expired login states and nonces, and 0 launch sessions (ended over 90 days ago)." in done.output
    assert "Deleted 0 " in cli(migrated_env, "db", "purge").output
    kept = cli({**migrated_env, "SKILLBITE_LAUNCH_SESSION_DAYS": "0"}, "db", "purge")
    assert "(none: SKILLBITE_LAUNCH_SESSION_DAYS is 0)" in kept.output


def test_run_serves_healthz_over_http_and_stops_on_sigterm(migrated_env):
    _serve_until_healthy(migrated_env, workers=1)


def test_workers_starting_together_on_a_new_database_publish_one_tool_key(migrated_env):
    _serve_until_healthy(migrated_env, workers=2)
    engine = sa.create_engine(migrated_env["SKILLBITE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM tool_key")).scalar() == 1
            assert connection.execute(sa.text("SELECT count(*) FROM instance_secret")).scalar() == 1
    finally:
        engine.dispose()


def _serve_until_healthy(migrated_env, workers: int) -> None:
    """`skillbite run` in a subprocess until /healthz answers 200 from a worker, then SIGTERM."""
    port = free_port()
    child_env = {**os.environ, **migrated_env, "SKILLBITE_BASE_URL": f"http://127.0.0.1:{port}",
                 "SKILLBITE_WORKERS": str(workers)}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "plugin.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 45
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                status = response.status_code
                if status == 200:
                    assert response.json() == {"status": "ok", "database": "ok"}
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        output = process.stdout.read(4000) if process.poll() is not None else ""
        assert status == 200, f"exit={process.poll()} output={output}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        process.stdout.close()
    assert process.returncode is not None
