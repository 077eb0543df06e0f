"""gunicorn: one set of settings for `skillbite run` and deploy/gunicorn.conf.py, and the real server with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from plugin.config import Config
from plugin.migrate import upgrade
from plugin.server import file_settings, gunicorn_settings
from tests.conftest import free_port
from tests.plugin.metrics.helpers import value

from .files import DEPLOY, ROOT

CONF = DEPLOY / "gunicorn.conf.py"


def test_the_deploy_file_applies_the_shared_settings(tmp_path):
    config = Config.from_env({"SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    from_file = file_settings(CONF)
    shared = gunicorn_settings(config)
    assert {k: from_file[k] for k in shared} == shared


def test_the_deploy_file_keeps_heartbeats_in_memory_for_a_read_only_root():
    assert file_settings(CONF)["worker_tmp_dir"] == "/dev/shm"


def test_trusted_proxy_addresses_come_from_the_environment(tmp_path):
    config = Config.from_env({"SKILLBITE_INSTANCE_PATH": str(tmp_path),
                              "SKILLBITE_FORWARDED_ALLOW_IPS": "10.0.0.0/8"})
    assert gunicorn_settings(config)["forwarded_allow_ips"] == "10.0.0.0/8"


def test_only_loopback_proxies_are_trusted_by_default(tmp_path):
    config = Config.from_env({"SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    assert gunicorn_settings(config)["forwarded_allow_ips"] == "127.0.0.1,::1"


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[str]:
    """`skillbite run` with two gunicorn workers, the container's gunicorn.conf.py and multi-process metrics."""
    upgrade(database_url)
    port = free_port()
    env = {**os.environ, "SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_INSTANCE_PATH": str(tmp_path),
           "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode(), "SKILLBITE_GUNICORN_CONFIG": str(CONF),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "SKILLBITE_LOG_FORMAT": "json",
           "SKILLBITE_BASE_URL": f"http://127.0.0.1:{port}"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "plugin.cli", "run", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "2"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/readyz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not become ready in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_counts_of_every_gunicorn_worker_add_up_in_one_scrape(served):
    with requests.Session() as http:  # new connections, so both workers answer some of the launches
        for _ in range(8):
            assert requests.post(served + "/lti/launch", data={"state": "s"}, timeout=5).status_code == 400
        for _ in range(4):
            scraped = http.get(served + "/metrics", timeout=5, headers={"Connection": "close"})
            assert value(scraped.text, "skillbite_launches_total", result="rejected",
                         error="missing_id_token") == 8
