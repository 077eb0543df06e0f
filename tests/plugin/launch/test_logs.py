"""The logs of launches, as production writes them (JSON on the ``skillbite`` logger's handler), carry
codes and ids only: never the id_token, the state or nonce, the launch token, a name or an email."""

from __future__ import annotations

import dataclasses
import io
import json
import logging

import pytest

from plugin import create_app
from tests.support.browser import FlaskClientBrowser
from tests.support.first_page import assert_first_page, launch_token

from .helpers import TOOL_BASE, register


@pytest.fixture
def json_app(config):
    from plugin.migrate import upgrade

    upgrade(config.database_url)
    application = create_app(dataclasses.replace(config, log_format="json", log_level="DEBUG"))
    yield application
    application.extensions["skillbite"].engine.dispose()


@pytest.fixture
def log_output(json_app):
    handler = logging.getLogger("skillbite").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def setup(json_app, strict_platform):
    platform = strict_platform(tool_base=TOOL_BASE)
    register(json_app.extensions["skillbite"], platform)
    return platform, FlaskClientBrowser(json_app.test_client(), TOOL_BASE)


def secrets_of(platform, form: dict[str, str], launch_response) -> list[str]:
    request = platform.auth_requests[-1]
    found = [form["id_token"], form["id_token"].split(".")[1], form["state"], request["nonce"],
             platform.user["name"], platform.user["family_name"], platform.user["email"]]
    if launch_response.status_code == 200:  # the first page, named with its launch token
        found.append(launch_token(assert_first_page(launch_response)))
    return found


def test_logs_of_a_good_launch_hold_no_token_state_or_personal_data(setup, log_output):
    platform, browser = setup
    form = platform.authorize(platform.start_login(browser))
    response = platform.finish(browser, form)
    assert_first_page(response)
    text = log_output.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert {"login started", "launch accepted"} <= {line["message"] for line in lines}
    for secret in secrets_of(platform, form, response):
        assert secret not in text
    assert "eyJ" not in text


def test_logs_of_rejected_launches_hold_no_token_state_or_personal_data(setup, log_output):
    platform, browser = setup
    form = platform.authorize(platform.start_login(browser), token_options=platform.token_case("wrong_aud"))
    response = platform.finish(browser, form)
    assert response.status_code == 400
    replay = platform.finish(browser, form)
    assert replay.status_code == 400
    text = log_output.getvalue()
    rejected = [json.loads(line) for line in text.splitlines() if "launch rejected" in line]
    assert [line["code"] for line in rejected] == ["wrong_audience", "invalid_state"]
    for secret in secrets_of(platform, form, response):
        assert secret not in text
    assert "eyJ" not in text


def test_log_lines_are_json_with_a_request_id(setup, log_output):
    platform, browser = setup
    assert_first_page(platform.launch(browser))
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert lines and all(line.get("request_id") for line in lines)
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
