"""The reference LTI 1.3 tool for ``bench/launch.py``: PyLTI1p3's Flask adapter, set up as its docs advise.

* ``FlaskOIDCLogin`` for ``/login``, ``FlaskMessageLaunch`` for ``/launch``, ``ToolConfDict`` for the
  registration, ``FlaskCacheDataStorage`` as the launch data storage so that state, nonce and launch data
  are shared by every worker process (Redis by default, or a file-system cache).
* Platform keys cached: ``set_public_key_caching`` keeps the platform JWKS in the same shared cache, and
  one ``requests.Session`` per process is reused.
* The launch answers ``303`` to ``/learn?launch_id=...``, the first page, which restores the launch
  with ``FlaskMessageLaunch.from_cache`` (PyLTI1p3's way to serve the requests after a launch) and shows
  the learner. Skillbite does the same three requests, so both sides serve the same "full launch".

Configuration comes from ``BENCH_REF_*`` environment variables (set by ``bench/launch.py``):
ISSUER, CLIENT_ID, AUTH_URL, TOKEN_URL, JWKS_URL, DEPLOYMENT_ID, PRIVATE_KEY_FILE, SECRET, and CACHE
(``redis://127.0.0.1:6379/0`` or ``file:///some/folder``).

Neither redis-py nor Flask-Caching is a project dependency, so the cache clients below are small ones
with Flask-Caching's ``get``/``set`` interface: a RESP client with one connection per thread, and a
file-system cache like cachelib's (pickle, expiry, atomic rename).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, redirect, request, url_for
from pylti1p3.contrib.flask import FlaskCacheDataStorage, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.tool_config import ToolConfDict

# -- shared caches with Flask-Caching's interface ---------------------------------------------------------


class RedisCache:
    """``get``/``set`` over Redis with pickled values; one socket per thread (gthread workers)."""

    def __init__(self, host: str, port: int, db: int = 0, prefix: str = "ref:") -> None:
        self._addr = (host, port)
        self._db = db
        self._prefix = prefix.encode()
        self._local = threading.local()

    def _conn(self) -> tuple[socket.socket, Any]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            sock = socket.create_connection(self._addr, timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = (sock, sock.makefile("rb"))
            self._local.conn = conn
            if self._db:
                self._call(b"SELECT", str(self._db).encode())
        return conn

    def _call(self, *args: bytes) -> Any:
        sock, reader = self._conn()
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        try:
            sock.sendall(b"".join(out))
            return self._read(reader)
        except OSError:
            self._local.conn = None
            raise

    def _read(self, reader: Any) -> Any:
        line = reader.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError("redis: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = reader.read(size + 2)
            return data[:-2]
        raise RuntimeError(f"redis: unexpected reply {line[:40]!r}")

    def get(self, key: str) -> Any:
        raw = self._call(b"GET", self._prefix + key.encode())
        return None if raw is None else pickle.loads(raw)  # noqa: S301 (our own cache)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        args = [b"SET", self._prefix + key.encode(), pickle.dumps(value, pickle.HIGHEST_PROTOCOL)]
        if timeout:
            args += [b"EX", str(int(timeout)).encode()]
        return self._call(*args) == b"OK"


class FileSystemCache:
    """cachelib-style file cache: one pickle per key, expiry first, written by atomic rename."""

    def __init__(self, folder: str) -> None:
        self._folder = Path(folder)
        self._folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self._folder / hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()

    def get(self, key: str) -> Any:
        try:
            with open(self._path(key), "rb") as handle:
                expires = pickle.load(handle)  # noqa: S301 (our own cache)
                if expires and expires < time.time():
                    return None
                return pickle.load(handle)  # noqa: S301
        except (FileNotFoundError, EOFError):
            return None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        fd, tmp = tempfile.mkstemp(dir=self._folder)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(time.time() + timeout if timeout else 0, handle, pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, handle, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self._path(key))
        return True


def make_cache(url: str) -> RedisCache | FileSystemCache:
    parts = urlsplit(url)
    if parts.scheme == "redis":
        return RedisCache(parts.hostname or "127.0.0.1", parts.port or 6379, int(parts.path.strip("/") or 0))
    if parts.scheme == "file":
        return FileSystemCache(parts.path)
    raise ValueError(f"BENCH_REF_CACHE must be redis://host:port/db or file:///folder, got {url!r}")


# -- the tool -------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Welcome · Reference tool</title></head>
<body><main><h1>Welcome, {{ name }}</h1>
<dl><dt>Course</dt><dd>{{ course }}</dd><dt>Activity</dt><dd>{{ activity }}</dd>
<dt>Your role here</dt><dd>{{ role }}</dd></dl></main></body></html>
"""


def _env(name: str) -> str:
    value = os.environ.get("BENCH_REF_" + name)
    if not value:
        raise RuntimeError(f"set BENCH_REF_{name}")
    return value


def create_app() -> Flask:
    issuer = _env("ISSUER")
    settings = {
        issuer: [{
            "default": True,
            "client_id": _env("CLIENT_ID"),
            "auth_login_url": _env("AUTH_URL"),
            "auth_token_url": _env("TOKEN_URL"),
            "key_set_url": _env("JWKS_URL"),
            "key_set": None,
            "deployment_ids": [_env("DEPLOYMENT_ID")],
        }]
    }
    tool_conf = ToolConfDict(settings)
    tool_conf.set_private_key(issuer, Path(_env("PRIVATE_KEY_FILE")).read_text(), client_id=_env("CLIENT_ID"))
    cache = make_cache(os.environ.get("BENCH_REF_CACHE", "redis://127.0.0.1:6379/0"))
    http = requests.Session()  # shared: PyLTI1p3 would make one per launch otherwise

    app = Flask(__name__)
    app.secret_key = _env("SECRET")
    page = app.jinja_env.from_string(PAGE)

    def storage() -> FlaskCacheDataStorage:
        return FlaskCacheDataStorage(cache)

    @app.errorhandler(LtiException)
    @app.errorhandler(OIDCException)
    def refused(exc: Exception) -> tuple[str, int]:
        return f"Launch refused: {exc}", 400

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        flask_request = FlaskRequest()
        target = flask_request.get_param("target_link_uri")
        if not target:
            raise OIDCException('Missing "target_link_uri" param')
        oidc = FlaskOIDCLogin(flask_request, tool_conf, launch_data_storage=storage())
        return oidc.redirect(target)

    @app.post("/launch")
    def launch() -> Response:
        message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf, launch_data_storage=storage(),
                                            requests_session=http)
        message_launch.set_public_key_caching(storage(), cache_lifetime=7200)
        message_launch.get_launch_data()  # validates, then saves the launch in the shared cache
        return redirect(url_for("learn", launch_id=message_launch.get_launch_id()), code=303)

    @app.get("/learn")
    def learn() -> str:
        launch_id = request.args.get("launch_id", "")
        message_launch = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), tool_conf,
                                                       launch_data_storage=storage(), requests_session=http)
        data = message_launch.get_launch_data()
        if not data:
            raise LtiException("launch not found")
        context = data.get("https://purl.imsglobal.org/spec/lti/claim/context", {})
        link = data.get("https://purl.imsglobal.org/spec/lti/claim/resource_link", {})
        role = "learner" if message_launch.check_student_access() else "instructor"
        return page.render(name=data.get("name", ""), course=context.get("title", ""),
                           activity=link.get("title", ""), role=role)

    return app


app = create_app() if os.environ.get("BENCH_REF_ISSUER") else None
