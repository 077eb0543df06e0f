"""Launch tokens: the signed session reference every link and form inside the LMS iframe carries."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from plugin.launch.tokens import issue_token, read_token
from plugin.web.urls import with_query


@pytest.fixture
def secret_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "s" * 64
    return app


def test_a_token_names_its_session_and_needs_no_quoting(secret_app):
    with secret_app.app_context():
        token = issue_token("Abc_-123")
        assert read_token(token, max_age_seconds=60) == "Abc_-123"
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@pytest.mark.parametrize("change", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature
    lambda t: "other" + t[t.index("."):],  # session id
    lambda t: t.replace(t.split(".")[1], format(int(t.split(".")[1], 16) + 1, "x")),  # issue time
    lambda t: t.rpartition(".")[0],  # no signature
    lambda t: "",
    lambda t: "....",
])
def test_a_changed_token_is_refused(secret_app, change):
    with secret_app.app_context():
        assert read_token(change(issue_token("session-1")), max_age_seconds=60) is None


def test_a_token_from_another_instance_is_refused(secret_app):
    with secret_app.app_context():
        token = issue_token("session-1")
    other = Flask(__name__)
    other.secret_key = "t" * 64
    with other.app_context():
        assert read_token(token, max_age_seconds=60) is None


def test_an_old_token_is_refused(secret_app, monkeypatch):
    with secret_app.app_context():
        token = issue_token("session-1")
        monkeypatch.setattr(time, "time", lambda: 1_000_000_000_000.0)
        assert read_token(token, max_age_seconds=3600) is None


def test_the_token_goes_before_a_fragment():
    assert with_query("/learn/c/x/n/y#result", "lt", "T.1.s") == "/learn/c/x/n/y?lt=T.1.s#result"
    assert with_query("/learn/courses?page=2", "lt", "T") == "/learn/courses?page=2&lt=T"
