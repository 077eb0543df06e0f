"""An LRS that answers a byte at a time holds a call no longer than the LRS timeout (plus connect).

The read timeout alone bounds each wait for bytes, so such an LRS used to hold the console's Test button
(a web worker) and the outbox worker for as long as it kept trickling.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from lti.outbound import OutboundPolicy
from plugin.db import transaction
from plugin.events import publish
from plugin.outbox.models import OutboxMessage
from plugin.xapi.cli import check_destination
from plugin.xapi.delivery import LrsClient
from plugin.xapi.services import Destination
from tests.support.trickling import TricklingServer


@pytest.fixture
def trickling_lrs() -> Iterator[TricklingServer]:
    with TricklingServer() as server:
        yield server


def test_the_lrs_test_gives_up_on_a_trickling_lrs_within_its_timeout(trickling_lrs: TricklingServer) -> None:
    destination = Destination(1, "trickle", trickling_lrs.url, "key", "secret", "1.0.3", 10)
    client = LrsClient(destination, 0.5, OutboundPolicy(allow_loopback=True, peer="LRS"))
    started = time.monotonic()
    try:
        checks = check_destination(client)
    finally:
        client.http.close()
    elapsed = time.monotonic() - started
    assert checks == [(False, "no answer within 0.5 s")]
    assert elapsed < 1.5  # connect (0.5) + read (0.5) and a little; it used to be as long as the trickle


def test_delivery_to_a_trickling_lrs_is_retried_and_frees_the_worker(runtime: Any, learner: Any, add_lrs: Any,
                                                                     deliver: Any,
                                                                     trickling_lrs: TricklingServer) -> None:
    add_lrs(trickling_lrs.url, ("key", "secret"))
    for event in learner.session_events()[:2]:
        with transaction(runtime.sessions) as session:
            publish(session, event)
    started = time.monotonic()
    deliver(seconds=1.0, lrs_timeout=0.3)
    elapsed = time.monotonic() - started
    with transaction(runtime.sessions) as session:
        waiting = session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in waiting} == {"queued"}  # retried later, not delivered, not parked
    assert all("did not answer within 0.3 s" in (m.last_error or "") for m in waiting)
    assert trickling_lrs.requests >= 2  # the worker got free for another try within its second
    assert elapsed < 2.5
