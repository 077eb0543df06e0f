"""The demo platform lets anyone launch as anyone: it answers this machine only, whatever address the server
listens on (the container image listens on 0.0.0.0), unless SKILLBITE_DEMO_ALLOW_REMOTE=1."""

from __future__ import annotations

import pytest

from plugin import create_app
from plugin.migrate import upgrade
from tests.conftest import make_config

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def demo_app(tmp_path, database_url):
    def make(**extra):
        upgrade(database_url)
        app = create_app(make_config(tmp_path, database_url, demo=True, **extra))
        made.append(app)
        return app

    made: list = []
    yield make
    for app in made:
        app.extensions["skillbite"].engine.dispose()


@pytest.mark.parametrize("path", ["/demo", "/demo/start/morgan", "/demo/authorize?scope=openid"])
def test_another_machine_gets_a_403_saying_how_to_open_the_demo(demo_app, path):
    response = demo_app().test_client().get(path, environ_base=REMOTE)
    assert response.status_code == 403
    assert "only answers browsers on the machine Skillbite runs on" in response.text
    assert "SKILLBITE_DEMO_ALLOW_REMOTE=1" in response.text


def test_this_machine_starts_a_demo_launch(demo_app):
    response = demo_app().test_client().get("/demo/start/morgan", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 302 and "/lti/login?" in response.headers["Location"]


def test_the_override_lets_other_machines_in(demo_app):
    response = demo_app(demo_allow_remote=True).test_client().get("/demo/start/morgan", environ_base=REMOTE)
    assert response.status_code == 302
