"""granian: the app `skillbite run` serves, and the real server with Skillbite's settings."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from cryptography.fernet import Fernet
from flask import Flask, request
from werkzeug.test import Client

from plugin.migrate import upgrade
from plugin.server import WithoutProcessEnvironment, wsgi_app
from tests.conftest import free_port
from tests.plugin.metrics.helpers import value

from .files import ROOT


def environ_echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["\n".join(f"{key}={environ[key]}" for key in sorted(environ) if key.isupper()).encode()]


def test_the_process_environment_does_not_reach_the_app():
    """granian copies os.environ into every request's environ; the app must not see secrets there."""
    process = {"SKILLBITE_MASTER_KEY": "not-for-requests", "HTTP_PROXY": "http://proxy.corp:3128"}
    app = WithoutProcessEnvironment(environ_echo, process)
    seen = Client(app).get("/", environ_base=process, headers={"X-Request-Id": "r1"}).get_data(as_text=True)
    assert "not-for-requests" not in seen and "proxy.corp" not in seen
    assert "HTTP_X_REQUEST_ID=r1" in seen


def test_a_header_that_shares_a_name_with_a_process_variable_is_kept():
    app = WithoutProcessEnvironment(environ_echo, {"HTTP_X_TEAM": "ops"})
    seen = Client(app).get("/", headers={"X-Team": "learners"}).get_data(as_text=True)
    assert "HTTP_X_TEAM=learners" in seen


def test_the_request_line_is_never_taken_for_a_process_variable():
    app = WithoutProcessEnvironment(environ_echo, {"PATH_INFO": "/a", "REQUEST_METHOD": "GET"})
    seen = Client(app).get("/a").get_data(as_text=True)
    assert "PATH_INFO=/a" in seen and "REQUEST_METHOD=GET" in seen


@pytest.fixture
def served_app(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """What each granian worker serves, built from the environment as in production."""
    upgrade(database_url)
    for name, value_ in {"SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_INSTANCE_PATH": str(tmp_path),
                         "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode(), "SKILLBITE_LOG_FORMAT": "text",
                         "SKILLBITE_FORWARDED_ALLOW_IPS": "10.0.0.0/8"}.items():
        monkeypatch.setenv(name, value_)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    app = wsgi_app()
    app.add_url_rule("/test-scheme", "test_scheme", lambda: request.scheme)
    yield app
    if app.extensions["skillbite_checkpoints"]:
        app.extensions["skillbite_checkpoints"].stop()
    app.extensions["skillbite"].engine.dispose()


def test_the_served_app_checkpoints_sqlite_outside_requests(served_app: Flask, database_url: str):
    checkpointer = served_app.extensions["skillbite_checkpoints"]
    if database_url.startswith("sqlite"):
        assert checkpointer is not None
        with served_app.extensions["skillbite"].engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    else:
        assert checkpointer is None


def test_the_served_app_takes_the_scheme_from_trusted_proxies_only(served_app: Flask):
    client = served_app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    assert client.get("/test-scheme", headers=https, environ_base={"REMOTE_ADDR": "10.1.2.3"}).text == "https"
    assert client.get("/test-scheme", headers=https, environ_base={"REMOTE_ADDR": "192.0.2.1"}).text == "http"


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                ready = requests.get(self.url + "/readyz", timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                ready = False
            if ready and len(self.workers()) == workers:
                return
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"not ready in {timeout:g} s: {self.log.read_text()[-2000:]}"
            time.sleep(0.2)


def start_server(tmp_path: Path, database_url: str) -> Served:
    """`skillbite run` with two workers and multi-process metrics, on loopback."""
    upgrade(database_url)
    port = free_port()
    env = {**os.environ, "SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_INSTANCE_PATH": str(tmp_path),
           "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode(), "SKILLBITE_LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "SKILLBITE_BASE_URL": f"http://127.0.0.1:{port}"}
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "plugin.cli", "run", "--host", "127.0.0.1",
                                    "--port", str(port), "--workers", "2"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Served(f"http://127.0.0.1:{port}", process, log_path)


def stop(server: Served) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    server = start_server(tmp_path, database_url)
    try:
        server.wait_ready(workers=2)
        yield server
    finally:
        stop(server)


def test_counts_of_every_worker_add_up_in_one_scrape(served: Served):
    with requests.Session() as http:  # new connections, so both workers answer some of the launches
        for _ in range(8):
            assert requests.post(served.url + "/lti/launch", data={"state": "s"}, timeout=5).status_code == 400
        for _ in range(4):
            scraped = http.get(served.url + "/metrics", timeout=5, headers={"Connection": "close"})
            assert value(scraped.text, "skillbite_launches_total", result="rejected",
                         error="missing_id_token") == 8


def test_sigterm_stops_the_server_and_its_workers_cleanly_even_with_a_connection_open(served: Served):
    workers = served.workers()
    with requests.Session() as http:
        assert http.get(served.url + "/healthz", timeout=5).status_code == 200  # kept alive, idle
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=15) == 0
    assert time.monotonic() - started < 5
    assert not any(worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE for worker in workers)


def test_sigterm_while_the_workers_are_still_starting_stops_at_once(tmp_path: Path, database_url: str):
    server = start_server(tmp_path, database_url)
    try:
        deadline = time.monotonic() + 60
        while "Spawning worker-2" not in server.log.read_text():  # forked, building the app
            assert server.process.poll() is None and time.monotonic() < deadline, server.log.read_text()[-2000:]
            time.sleep(0.01)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert time.monotonic() - started < 5, "a starting worker swallowed the signal"
    finally:
        stop(server)


def test_a_worker_that_dies_is_replaced(served: Served):
    dead = served.workers()[0]
    dead.kill()
    dead.wait(timeout=10)
    served.wait_ready(workers=2, timeout=20)
    assert dead.pid not in {worker.pid for worker in served.workers()}
    assert requests.get(served.url + "/healthz", timeout=5).status_code == 200


def test_an_idle_kept_alive_connection_is_closed_after_about_five_seconds(served: Served):
    connection = http.client.HTTPConnection(served.url.removeprefix("http://"), timeout=15)
    try:
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        assert answer.status == 200 and not answer.will_close
        answer.read()
        idle = time.monotonic()
        assert connection.sock.recv(1) == b""  # the server closed it
        assert 4 < time.monotonic() - idle < 8
    finally:
        connection.close()
