"""Fixtures shared by every test: a migrated database (SQLite or PostgreSQL), the app, its client.

``SKILLBITE_TEST_DB=postgresql`` runs the same tests against the PostgreSQL server at 127.0.0.1:5432
(database ``test``), each test in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from plugin import create_app
from plugin.config import Config
from plugin.migrate import upgrade
from tests.support.fixtures import strict_platform, third_party_platform  # noqa: F401

POSTGRES_URL = os.environ.get("SKILLBITE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKEND = os.environ.get("SKILLBITE_TEST_DB", "sqlite")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'skillbite.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_config(tmp_path: Path, database_url: str, base_url: str = "http://localhost", **extra: object) -> Config:
    return Config(base_url=base_url, instance_path=tmp_path / "instance", database_url=database_url,
                  master_key=Fernet.generate_key().decode(), testing=True, log_format="text",
                  jwks_refetch_seconds=0.0, **extra)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return make_config(tmp_path, database_url)


@pytest.fixture
def app(config: Config):  # type: ignore[no-untyped-def]
    upgrade(config.database_url)
    application = create_app(config)
    yield application
    application.extensions["skillbite"].engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runtime(app):  # type: ignore[no-untyped-def]
    return app.extensions["skillbite"]


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, app, port: int) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    port = free_port()
    cfg = make_config(tmp_path, database_url, base_url=f"http://127.0.0.1:{port}")
    upgrade(cfg.database_url)
    server = LiveServer(create_app(cfg), port).start()
    try:
        yield server
    finally:
        server.stop()
        server.app.extensions["skillbite"].engine.dispose()
