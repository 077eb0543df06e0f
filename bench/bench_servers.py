"""Starting the servers the bench compares, and measuring their CPU.

* Skillbite as in production: ``skillbite db upgrade``, ``skillbite platform add``, ``skillbite run``
  (granian in-process, plugin/server.py), in a fresh instance folder.
* The PyLTI1p3 reference (bench/reference/pylti1p3_tool.py) with the same number of workers, under
  gunicorn gthread (the settings Skillbite had on gunicorn) or under granian with Skillbite's settings
  (bench/reference/serve.py).
* The floor (bench/reference/floor_tool.py): the same two requests per launch under granian with
  Skillbite's settings, with none of the work done, to show what the server and Flask alone cost; and
  the minimum (bench/reference/minimum_tool.py): the floor plus the checks LTI 1.3 requires of any tool.

Both servers are a main process and worker processes forked from it; a server's CPU is that of every
process in its tree.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import psutil
import requests
from bench_platform import BenchPlatform, ToolUrls
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GRACEFUL_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    base_url: str
    urls: ToolUrls
    proc: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    cleanup: list[str] = field(default_factory=list)

    def processes(self) -> list[psutil.Process]:
        master = psutil.Process(self.proc.pid)
        return [master, *master.children(recursive=True)]

    def worker_pids(self) -> list[int]:
        """The worker processes (gunicorn's or granian's), children of the main process."""
        return [p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)]

    def cpu_seconds(self) -> dict[int, tuple[float, float]]:
        """(user, sys) CPU seconds of the main process and every worker, by pid."""
        seen: dict[int, tuple[float, float]] = {}
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seen[proc.pid] = (times.user, times.system)
        return seen

    def wait_ready(self, path: str, workers: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.base_url + path, timeout=2).status_code == 200:
                    # every worker must have forked; the warm-up then pays their first-request costs
                    if len(self.worker_pids()) >= workers:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=GRACEFUL_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def _run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _skillbite_cmd() -> list[str]:
    script = BIN / "skillbite"
    return [str(script)] if script.exists() else [sys.executable, "-m", "plugin.cli"]


def postgres_database(admin_url: str) -> tuple[str, str]:
    """A fresh database on the PostgreSQL server: (SQLAlchemy URL, its name) to drop afterwards."""
    import psycopg

    name = "skillbite_bench_" + secrets.token_hex(4)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name, name


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_skillbite(platform: BenchPlatform, workdir: Path, workers: int, database_url: str | None) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    instance = workdir / "skillbite-instance"
    instance.mkdir(parents=True, exist_ok=True)  # `skillbite db upgrade` does not create it
    env = {
        **os.environ,
        "SKILLBITE_INSTANCE_PATH": str(instance),
        "SKILLBITE_DATABASE_URL": database_url or f"sqlite:///{instance / 'skillbite.db'}",
        "SKILLBITE_BASE_URL": base,
        "SKILLBITE_WORKERS": str(workers),
        "PYTHONPATH": str(REPO),
    }
    env.pop("SKILLBITE_DEMO", None)
    cmd = _skillbite_cmd()
    _run([*cmd, "db", "upgrade"], env)
    _run([*cmd, "platform", "add", "--issuer", platform.issuer, "--client-id", platform.client_id,
          "--auth-url", platform.auth_url, "--token-url", platform.token_url, "--jwks-url", platform.jwks_url,
          "--deployment-id", platform.deployment_id, "--name", "Bench LMS"], env)
    log_path = workdir / "skillbite.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed by Server.stop)
    proc = subprocess.Popen([*cmd, "run", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    urls = ToolUrls(base + "/lti/login", base + "/lti/launch", anonymous_marker="not saved")
    server = Server("skillbite", base, urls, proc, log_path, log)
    server.wait_ready("/healthz", workers)
    return server


def start_reference(platform: BenchPlatform, workdir: Path, workers: int, cache_url: str,
                    server: Literal["gunicorn", "granian"] = "gunicorn",
                    app: Literal["pylti1p3", "floor", "minimum"] = "pylti1p3") -> Server:
    """The PyLTI1p3 reference under ``server``: named ``pylti1p3`` on gunicorn, ``pylti1p3-granian`` on
    granian; or the floor or minimum app (``app="floor"`` or ``"minimum"``), named after it."""
    suffix = "" if server == "gunicorn" else f"-{server}"  # the gunicorn run keeps its earlier names
    name = app if app != "pylti1p3" else f"pylti1p3{suffix}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    key_file = workdir / f"{name}-tool-key.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    env = {
        **os.environ,
        "BENCH_REF_ISSUER": platform.issuer,
        "BENCH_REF_CLIENT_ID": platform.client_id,
        "BENCH_REF_AUTH_URL": platform.auth_url,
        "BENCH_REF_TOKEN_URL": platform.token_url,
        "BENCH_REF_JWKS_URL": platform.jwks_url,
        "BENCH_REF_DEPLOYMENT_ID": platform.deployment_id,
        "BENCH_REF_PRIVATE_KEY_FILE": str(key_file),
        "BENCH_REF_SECRET": secrets.token_hex(32),
        "BENCH_REF_CACHE": cache_url,
        "BENCH_MIN_DB": str(workdir / f"{name}.db"),
    }
    log_path = workdir / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed by Server.stop)
    cmd = [sys.executable, str(REPO / "bench" / "reference" / "serve.py"), "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--server", server, "--app", app]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    started = Server(name, base, ToolUrls(base + "/login", base + "/launch"), proc, log_path, log)
    started.wait_ready("/healthz", workers)
    return started


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
