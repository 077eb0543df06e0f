"""Dynamic registration reads no openid_configuration on an internal address (SSRF guard).

The URL comes from whoever opens /lti/register; with a public base URL, one on the tool's own machine is
refused with a 400 page that says what to fix, and the "internal" service hears nothing.
"""

from __future__ import annotations

from html import unescape

import pytest

from plugin.registration import invites
from tests.conftest import make_config
from tests.lti.recorder import SECRET, Recorder


@pytest.fixture
def config(tmp_path, database_url):
    return make_config(tmp_path, database_url, base_url="https://skillbite.example.com")


def registration_link(runtime) -> str:
    with runtime.sessions() as session, session.begin():
        return invites.create_invite(session).token


@pytest.mark.parametrize("path", ["/x", "/.well-known/openid-configuration"])
def test_an_openid_configuration_on_loopback_is_refused_with_a_400_that_says_what_to_fix(runtime, client, path):
    with Recorder() as internal:
        page = client.get("/lti/register", query_string={invites.FIELD: registration_link(runtime),
                                                         "openid_configuration": internal.url(path)})
        assert internal.requests == []
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert "the host 127.0.0.1 resolves to a loopback address" in text
    assert "Start the registration from your LMS at its public address" in text
    assert SECRET not in text


def test_an_openid_configuration_at_the_metadata_address_is_refused(runtime, client):
    page = client.get("/lti/register", query_string={invites.FIELD: registration_link(runtime),
                                                     "openid_configuration": "http://169.254.169.254/latest/"})
    assert page.status_code == 400
    assert "169.254.169.254 resolves to a link-local address" in unescape(page.get_data(as_text=True))
