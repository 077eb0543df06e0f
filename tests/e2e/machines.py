"""Skillbite as separate machines would run it, simulated on 127.0.0.1: one fresh PostgreSQL database,
`skillbite run` web servers and `skillbite worker` processes started from the real command line, all with
the same environment (database URL, master key, public base URL).

Every process writes its output to a file in ``workdir`` and is ended by :meth:`Cluster.stop` (SIGTERM,
then SIGKILL after a bounded wait), which callers run in a ``finally`` block.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil
import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("SKILLBITE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STOP_TIMEOUT = 25.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(prefix: str, admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new PostgreSQL database ``<prefix>_<random>`` on the server of ``admin_url``, dropped afterwards
    (with its connections: a killed process may leave one behind)."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url.split("?", 1)[0], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no chance to finish the batch in hand or settle anything."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        self.log.close()

    def tree(self) -> list[psutil.Process]:
        try:
            top = psutil.Process(self.pid)
            return [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


@dataclass
class WebServer(Process):
    url: str = ""


@dataclass
class Cluster:
    """The shared settings of every process, and the processes started so far."""

    workdir: Path
    database_url: str
    public_base: str
    extra_env: dict[str, str] = field(default_factory=dict)
    master_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    processes: list[Process] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        instance = self.workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SKILLBITE_DATABASE_URL": self.database_url, "SKILLBITE_MASTER_KEY": self.master_key,
               "SKILLBITE_BASE_URL": self.public_base, "SKILLBITE_INSTANCE_PATH": str(instance),
               "SKILLBITE_LOG_FORMAT": "text", "SKILLBITE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
               **self.extra_env}
        for name in ("SKILLBITE_DEMO", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        return env

    def cli(self, *args: str, timeout: float = 120.0) -> str:
        """Run one `skillbite` command to its end; its output, or an AssertionError with it."""
        done = subprocess.run([sys.executable, "-m", "plugin.cli", *args], cwd=ROOT, env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"skillbite {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _start(self, name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path, IO[bytes]]:
        log_path = self.workdir / f"{name}.log"
        log = open(log_path, "wb")  # noqa: SIM115 (closed by Process.stop)
        popen = subprocess.Popen([sys.executable, "-m", "plugin.cli", *args], cwd=ROOT, env=self.env,  # noqa: S603
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return popen, log_path, log

    def start_web(self, name: str, processes: int = 1, port: int | None = None) -> WebServer:
        port = port or free_port()
        popen, log_path, log = self._start(name, "run", "--host", "127.0.0.1", "--port", str(port),
                                           "--workers", str(processes))
        server = WebServer(name, popen, log_path, log, url=f"http://127.0.0.1:{port}")
        self.processes.append(server)
        return server

    def start_worker(self, name: str, *args: str) -> Process:
        popen, log_path, log = self._start(name, "worker", *args)
        worker = Process(name, popen, log_path, log)
        self.processes.append(worker)
        return worker

    def wait_ready(self, server: WebServer, processes: int = 1, timeout: float = 60.0) -> None:
        """Until ``/readyz`` answers 200 and every granian worker process has forked (children of the main)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not server.alive():
                raise AssertionError(f"{server.name} exited:\n{server.output()[-3000:]}")
            try:
                ready = requests.get(server.url + "/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                ready = False
            if ready and len(server.tree()) > processes:
                return
            time.sleep(0.1)
        raise AssertionError(f"{server.name} was not ready within {timeout:g} s:\n{server.output()[-3000:]}")

    def stop(self) -> None:
        """End every process still running (web servers last, so workers never see them vanish first)."""
        for process in sorted(self.processes, key=lambda p: isinstance(p, WebServer)):
            process.stop()
        self.processes.clear()


def connected_to(process: Process, port: int) -> bool:
    """Whether ``process`` (or a child) has an open TCP connection to 127.0.0.1:``port`` right now."""
    for proc in process.tree():
        try:
            connections = proc.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED for c in connections):
            return True
    return False
