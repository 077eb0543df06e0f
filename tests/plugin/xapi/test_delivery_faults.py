"""Delivery when the LRS misbehaves: down, 500, 429 with Retry-After, hangs, refuses one statement."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa

from plugin.db import transaction
from plugin.events import publish
from plugin.outbox import services as outbox
from plugin.outbox.models import OutboxMessage
from tests.support.lrs import FaultProxy


def _publish(runtime, events) -> None:
    for event in events:
        with transaction(runtime.sessions) as session:
            publish(session, event)


def _statuses(runtime) -> dict[str, int]:
    with transaction(runtime.sessions) as session:
        return dict(outbox.counts_by_status(session))


def test_statements_made_while_the_lrs_is_down_arrive_once_when_it_is_back(runtime, learner, lrs, add_lrs,
                                                                           deliver):
    with FaultProxy(lrs.base) as proxy:
        add_lrs(proxy.url, lrs.auth)
        proxy.script = ["down"] * 3
        _publish(runtime, learner.session_events())

        deliver(seconds=2.0)

    assert _statuses(runtime) == {"delivered": 9}
    assert proxy.requests[:3] == [("POST", 9)] * 3  # refused three times, then through
    assert sorted(proxy.posted.values()) == [1] * 9
    assert len(lrs.statements()) == 9


def test_a_500_is_retried_with_backoff(runtime, learner, lrs, add_lrs, deliver):
    with FaultProxy(lrs.base) as proxy:
        add_lrs(proxy.url, lrs.auth)
        proxy.script = [("status", 500, {}, '{"message":"boom"}')]
        _publish(runtime, learner.session_events()[:2])
        started = time.monotonic()
        deliver(seconds=1.0)
    assert _statuses(runtime) == {"delivered": 2}
    assert len(proxy.requests) == 2
    assert time.monotonic() - started >= 0.025  # the jittered first backoff (0.05 s base, half fixed)
    assert len(lrs.statements()) == 2


def test_a_429_is_retried_no_earlier_than_retry_after(runtime, learner, lrs, add_lrs, deliver):
    with FaultProxy(lrs.base) as proxy:
        add_lrs(proxy.url, lrs.auth)
        proxy.script = [("status", 429, {"Retry-After": "1"}, '{"message":"slow down"}')]
        _publish(runtime, learner.session_events()[:2])

        deliver(seconds=0.6)
        with transaction(runtime.sessions) as session:
            waiting = session.scalars(sa.select(OutboxMessage)).all()
        assert {m.status for m in waiting} == {"queued"}
        assert all("HTTP 429" in (m.last_error or "") for m in waiting)

        deliver(seconds=1.5)
    assert _statuses(runtime) == {"delivered": 2}
    assert len(lrs.statements()) == 2


def test_an_lrs_that_hangs_past_the_timeout_is_retried(runtime, learner, lrs, add_lrs, deliver):
    with FaultProxy(lrs.base) as proxy:
        add_lrs(proxy.url, lrs.auth)
        proxy.script = [("hang", 1.0)]
        _publish(runtime, learner.session_events()[:3])
        started = time.monotonic()
        deliver(seconds=2.5, lrs_timeout=0.3)
    assert _statuses(runtime) == {"delivered": 3}
    assert time.monotonic() - started < 4
    # The hung request may have reached the LRS late; it still holds each statement once.
    assert len(lrs.statements()) == 3


def test_a_statement_the_lrs_refuses_is_parked_with_the_status_and_the_rest_delivered(runtime, learner, lrs,
                                                                                      add_lrs, deliver):
    add_lrs(lrs.url, lrs.auth)
    events = learner.session_events()
    _publish(runtime, events[:4])
    with transaction(runtime.sessions) as session:
        outbox.enqueue(session, kind="xapi", destination=f"xapi:platform/{learner.platform_id}", key="xapi:bad",
                       payload={"id": "not-a-uuid", "verb": {"id": "nope"}}, platform_id=learner.platform_id)
    _publish(runtime, events[4:])

    deliver()

    assert _statuses(runtime) == {"delivered": 9, "parked": 1}
    with transaction(runtime.sessions) as session:
        health = outbox.delivery_health(session)
    [parked] = health["parked"]
    assert parked["key"] == "xapi:bad"
    assert parked["reason"] == f"LRS answered HTTP 400 to POST {lrs.url}statements"
    assert "actor" not in parked["reason"]  # the LRS's own words are never shown to the LMS admin
    assert len(lrs.statements()) == 9


def test_a_statement_the_lrs_already_holds_counts_as_delivered(runtime, learner, lrs, add_lrs, deliver):
    add_lrs(lrs.url, lrs.auth)
    _publish(runtime, learner.session_events()[:2])
    deliver()
    with transaction(runtime.sessions) as session:
        assert outbox.replay(session, status=outbox.Status.DELIVERED) == 2  # send them all again
    assert deliver().outcomes["delivered"] == 2
    assert len(lrs.statements()) == 2


def test_same_id_with_other_content_409_is_parked(runtime, learner, lrs, add_lrs, deliver):
    add_lrs(lrs.url, lrs.auth)
    _publish(runtime, learner.session_events()[:3])
    with transaction(runtime.sessions) as session:
        first = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
        altered = json.loads(first.body)
    altered["actor"]["account"]["name"] = "somebody-else"
    import requests

    requests.post(lrs.url + "statements", json=[altered], auth=lrs.auth,
                  headers={"X-Experience-API-Version": "1.0.3"}, timeout=5).raise_for_status()

    deliver()

    assert _statuses(runtime) == {"delivered": 2, "parked": 1}
    with transaction(runtime.sessions) as session:
        [parked] = outbox.delivery_health(session)["parked"]
    assert "HTTP 409" in parked["reason"] and parked["id"] == first.id
