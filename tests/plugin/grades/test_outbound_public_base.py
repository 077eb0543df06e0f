"""The review's repro: a launch claim whose line item is on the tool's own machine, under a public base URL.

Loopback is called only while SKILLBITE_BASE_URL is loopback itself (development, the test suite); here it
is public, so the score is parked, naming the host, and the "internal" service hears nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lti import claims
from tests.conftest import make_config
from tests.lti.recorder import Recorder

from .support import drain, launch, learn, load_course, messages, register_lms, score_worker

LMS = "https://lms.example.edu"


@pytest.fixture
def config(tmp_path, database_url):
    return make_config(tmp_path, database_url, base_url="https://skillbite.example.com")


def test_a_loopback_line_item_is_parked_not_called_when_skillbite_is_public(runtime):
    with Recorder() as internal:
        platform_id = register_lms(runtime, SimpleNamespace(base_url=LMS, token_url=LMS + "/token"))
        load_course(runtime)
        claim = {"scope": [claims.SCOPE_AGS_LINEITEM, claims.SCOPE_AGS_SCORE], "lineitems": LMS + "/lineitems",
                 "lineitem": internal.url("/internal/thing")}
        learn(runtime, launch(runtime, platform_id, ags=claim), "quiz")
        drain(score_worker(runtime))
        assert internal.requests == []
    [message] = messages(runtime)
    assert (message.status, message.attempts) == ("parked", 1)
    assert message.last_error == (
        f"POST {internal.url('/internal/thing/scores')} was not sent: the host 127.0.0.1 resolves to a loopback "
        "address (this machine); Skillbite calls loopback addresses only when SKILLBITE_BASE_URL is itself "
        "loopback (development)")
