"""Real-browser fixtures: headless Chromium (the system's, never downloaded) and the tool on a live
server at http://localhost:<port>, so that a test platform on http://127.0.0.1:<port> is another site."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin import create_app
from plugin.migrate import upgrade
from tests.conftest import LiveServer, free_port, make_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run",
                 # Responses fulfilled by a test's route handler would otherwise be refused in a frame
                 # of another loopback site (Chromium's Local Network Access checks).
                 "--disable-features=LocalNetworkAccessChecks"]


@pytest.fixture
def localhost_server(tmp_path: Path, database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """A factory: the app served on 127.0.0.1, known to itself (base_url) and to browsers as
    http://localhost:<port>. Keyword arguments go to the Config."""
    started: list[LiveServer] = []

    def start(**config: Any) -> LiveServer:
        port = free_port()
        cfg = dataclasses.replace(make_config(tmp_path, database_url, base_url=f"http://localhost:{port}"),
                                  **config)
        upgrade(cfg.database_url)
        server = LiveServer(create_app(cfg), port)
        server.url = cfg.base_url
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
        server.app.extensions["skillbite"].engine.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()
