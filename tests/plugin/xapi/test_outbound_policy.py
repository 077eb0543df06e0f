"""Statements and LRS tests only go to hosts the outbound policy allows (SSRF guard).

An LMS administrator types the LRS endpoint in the console, so it is checked like any URL from outside:
here the tool's base URL is public, so an LRS on its own machine is refused and hears nothing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lti.outbound import OutboundPolicy
from plugin.db import transaction
from plugin.events import publish
from plugin.outbox.models import OutboxMessage
from plugin.xapi.cli import check_destination
from plugin.xapi.delivery import LrsClient
from plugin.xapi.services import Destination
from tests.conftest import make_config
from tests.lti.recorder import SECRET, Answer, Recorder


@pytest.fixture
def config(tmp_path, database_url):
    return make_config(tmp_path, database_url, base_url="https://skillbite.example.com")


def destination(url: str) -> Destination:
    return Destination(id=1, name="LRS", endpoint=url, username="key", password="secret", xapi_version="1.0.3",
                       batch_size=10)


def test_statements_for_an_lrs_on_loopback_are_parked_not_sent(runtime, learner, add_lrs, deliver):
    with Recorder() as internal:
        add_lrs(internal.url("/xapi/"), ("key", "secret"))
        with transaction(runtime.sessions) as session:
            publish(session, learner.session_events()[0])
        deliver()
        assert internal.requests == []
    with transaction(runtime.sessions) as session:
        parked = list(session.scalars(sa.select(OutboxMessage)))
    assert parked and {m.status for m in parked} == {"parked"}
    assert parked[0].last_error == (
        f"LRS POST {internal.url('/xapi/statements')} was not sent: the host 127.0.0.1 resolves to a loopback "
        "address (this machine); Skillbite calls loopback addresses only when SKILLBITE_BASE_URL is itself "
        "loopback (development)")


def test_the_console_lrs_test_refuses_an_lrs_on_loopback(app):
    policy = app.extensions["skillbite"].config.outbound_policy("LRS")
    with Recorder() as internal:
        checks = check_destination(LrsClient(destination(internal.url("/xapi/")), 2.0, policy))
        assert internal.requests == []
    [(ok, said)] = checks
    assert not ok and said.startswith(f"GET {internal.url('/xapi/about')} was not sent: the host 127.0.0.1")


def test_the_console_lrs_test_refuses_a_private_lrs_with_the_setting_to_change(app):
    policy = app.extensions["skillbite"].config.outbound_policy("LRS")
    [(ok, said)] = check_destination(LrsClient(destination("http://192.168.7.7/xapi/"), 2.0, policy))
    assert not ok and "set SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 if your LRS is on your intranet" in said


def test_the_lrs_test_repeats_only_version_numbers_and_statuses():
    about = Answer(body=f'{{"version": ["1.0.3", "{SECRET}"], "extensions": "{SECRET}"}}'.encode())
    refused = Answer(500, SECRET.encode(), "text/plain")
    with Recorder({"/xapi/about": about, "/xapi/statements": refused}) as lrs:
        client = LrsClient(destination(lrs.url("/xapi/")), 2.0, OutboundPolicy(allow_loopback=True))
        checks = check_destination(client)
    assert checks == [(True, "about: reachable, speaks xAPI 1.0.3"), (False, "statements: HTTP 500")]
