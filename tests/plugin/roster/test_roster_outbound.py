"""Rosters are only fetched from hosts the outbound policy allows (SSRF guard): a refusal is parked at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lti import claims
from plugin.db import transaction
from plugin.launch.models import LaunchSession
from plugin.roster.services import request_sync
from tests.lti.ags_server import StrictPlatform
from tests.plugin.grades.support import drain, launch, messages, register_lms, score_worker, start_lms


@pytest.fixture
def lms(runtime) -> Iterator[StrictPlatform]:
    platform = start_lms(runtime)
    try:
        platform.platform_id = register_lms(runtime, platform)  # type: ignore[attr-defined]
        yield platform
    finally:
        platform.__exit__(None, None, None)


def parked_reason(runtime) -> str:
    [message] = messages(runtime, "nrps_sync")
    assert (message.status, message.attempts) == ("parked", 1), message.last_error
    return message.last_error or ""


def test_a_roster_at_the_cloud_metadata_address_is_parked_without_a_call(runtime, lms):
    who = launch(runtime, lms.platform_id, nrps={"context_memberships_url": "http://169.254.169.254/members",
                                                 "service_versions": ["2.0"], "scope": [claims.SCOPE_NRPS]})
    with transaction(runtime.sessions) as session:
        request_sync(session, session.get(LaunchSession, who.session_id))
    drain(score_worker(runtime))
    assert "169.254.169.254 resolves to a link-local address" in parked_reason(runtime)
    assert lms.token_requests == []
