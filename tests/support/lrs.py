"""A real LRS for tests: Learning Locker's statements service (npm xapi-statements@5.0.1), in memory.

:class:`LearningLocker` starts ``tests/support/lrs_launcher.js`` on ``127.0.0.1:<free port>`` with Basic
credentials of its own, waits (bounded) until it listens, and reads statements back through the xAPI
statements resource. The ``lrs_server`` fixture is one LRS per test session; ``lrs`` clears it per test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("lrs_launcher.js")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LearningLocker:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or _free_port()
        self.username = "skillbite-test"
        self.password = secrets.token_urlsafe(16)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The xAPI endpoint (what an admin pastes into `skillbite lrs add --endpoint`)."""
        return f"{self.base}/xAPI/"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def start(self) -> LearningLocker:
        node = shutil.which("node")
        if node is None:
            pytest.fail("node is not installed; the LRS tests need Node.js")
        if not (ROOT / "node_modules" / "xapi-statements").is_dir():
            pytest.fail("npm package xapi-statements is missing: run `npm ci --ignore-scripts`")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603
            [node, str(LAUNCHER), "--port", str(self.port), "--user", self.username, "--password", self.password,
             "--dir", str(self.workdir)],
            cwd=self.workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "NODE_NO_WARNINGS": "1"})
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise RuntimeError(f"the LRS launcher exited with {code} (is node_modules installed?)")
            try:
                if requests.get(self.base + "/__alive", timeout=0.5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the LRS did not start within {START_TIMEOUT:g} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def clear(self) -> None:
        requests.post(self.base + "/__clear", auth=self.auth, timeout=5).raise_for_status()

    def statements(self, **filters: Any) -> list[dict[str, Any]]:
        """Every stored statement matching the xAPI query ``filters`` (e.g. registration=..., verb=...),
        oldest first, following ``more`` links (bounded)."""
        params = {"limit": "500", "ascending": "true", **{k: (json.dumps(v) if isinstance(v, dict) else str(v))
                                                         for k, v in filters.items()}}
        found: list[dict[str, Any]] = []
        url: str | None = self.url + "statements"
        for _ in range(1000):
            if url is None:
                break
            response = requests.get(url, params=params, auth=self.auth, headers=XAPI_HEADERS, timeout=10)
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            more = body.get("more") or ""
            url, params = (self.base + more if more.startswith("/") else more or None), {}
        return found


@pytest.fixture(scope="session")
def lrs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LearningLocker]:
    server = LearningLocker(tmp_path_factory.mktemp("lrs")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lrs(lrs_server: LearningLocker) -> LearningLocker:
    """The session's LRS, emptied for this test."""
    lrs_server.clear()
    return lrs_server


class FaultProxy:
    """A tiny HTTP server on 127.0.0.1 in front of an LRS (or alone) that misbehaves on request.

    ``script`` is consumed one entry per POST: ``"pass"`` forwards, ``("status", code, headers, body)``
    answers that, ``("hang", seconds)`` waits then forwards (a read timeout for a client with a shorter
    one), ``"down"`` closes the connection. When the script is empty every request passes. ``posted``
    counts each statement id the upstream accepted, so double deliveries are visible even though the
    LRS itself would hide them.
    """

    def __init__(self, upstream: str | None, auth: tuple[str, str] | None = None) -> None:
        import threading
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.upstream = upstream.rstrip("/") if upstream else None
        self.upstream_auth = auth
        self.script: list[Any] = []
        self.requests: list[tuple[str, int]] = []  # (method, statements in body)
        self.posted: Counter[str] = Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _forward(self, method: str, body: bytes | None) -> None:
                if proxy.upstream is None:
                    self._reply(200, {}, b"[]")
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length"}}
                response = requests.request(method, proxy.upstream + self.path, data=body, headers=headers,
                                            timeout=30)
                if method == "POST" and response.status_code == 200 and body:
                    with proxy.lock:
                        proxy.posted.update(s["id"] for s in json.loads(body))
                self._reply(response.status_code, {"Content-Type": response.headers.get("Content-Type",
                                                                                        "application/json")},
                            response.content)

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._forward("GET", None)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with proxy.lock:
                    step = proxy.script.pop(0) if proxy.script else "pass"
                    proxy.requests.append(("POST", len(json.loads(body)) if body.startswith(b"[") else 1))
                if step == "down":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(step, tuple) and step[0] == "status":
                    _, code, headers, text = step
                    self._reply(code, {"Content-Type": "application/json", **headers}, text.encode())
                    return
                if isinstance(step, tuple) and step[0] == "hang":
                    time.sleep(step[1])
                self._forward("POST", body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=STOP_TIMEOUT)
