"""The outbox on its own: idempotent enqueue, leases, settling, backoff, replay, health."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from plugin.db import transaction, utcnow
from plugin.outbox import services as outbox
from plugin.outbox.models import OutboxMessage, Status
from plugin.outbox.registry import Delivered, Park, Retry
from plugin.outbox.worker import Worker, WorkerSettings, backoff_delay

LEASE = dt.timedelta(seconds=60)


def _enqueue(runtime, *keys: str, kind: str = "test") -> None:
    with transaction(runtime.sessions) as session:
        for key in keys:
            outbox.enqueue(session, kind=kind, destination="d", key=key, payload={"key": key}, platform_id=None)


def test_enqueue_is_idempotent_on_the_key(runtime):
    _enqueue(runtime, "a", "b")
    _enqueue(runtime, "a")
    with transaction(runtime.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_a_claimed_batch_is_not_claimed_again_until_its_lease_ends(runtime):
    _enqueue(runtime, "a", "b", "c")
    now = utcnow()
    with transaction(runtime.sessions) as session:
        first = outbox.claim(session, limit=2, lease=LEASE, now=now)
    with transaction(runtime.sessions) as session:
        second = outbox.claim(session, limit=10, lease=LEASE, now=now)
    with transaction(runtime.sessions) as session:
        after_lease = outbox.claim(session, limit=10, lease=LEASE, now=now + LEASE + dt.timedelta(seconds=1))
    assert [m.key for m in first.messages] == ["a", "b"]
    assert [m.key for m in second.messages] == ["c"]
    assert [m.key for m in after_lease.messages] == ["a", "b", "c"]
    assert [m.attempts for m in after_lease.messages] == [2, 2, 2]


def test_a_worker_that_lost_its_lease_does_not_settle_the_new_claim(runtime):
    _enqueue(runtime, "a")
    now = utcnow()
    with transaction(runtime.sessions) as session:
        stale = outbox.claim(session, limit=1, lease=LEASE, now=now)
    with transaction(runtime.sessions) as session:
        outbox.claim(session, limit=1, lease=LEASE, now=now + 2 * LEASE)
        assert outbox.mark_delivered(session, stale.token, None) == 0


class Scripted:
    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.seen = []

    def deliver(self, messages):
        self.seen.extend(m.key for m in messages)
        return {m.id: self.outcomes[m.key] for m in messages}


def test_outcomes_are_settled_delivered_parked_and_retried_later(runtime):
    _enqueue(runtime, "ok", "bad", "later")
    deliverer = Scripted({"ok": Delivered(), "bad": Park("refused: no actor"), "later": Retry("HTTP 503", after=30)})
    worker = Worker(runtime.sessions, {"test": deliverer}, WorkerSettings(backoff_seconds=1))

    worker.run(once=True)

    with transaction(runtime.sessions) as session:
        rows = {m.key: m for m in session.scalars(sa.select(OutboxMessage))}
        health = outbox.delivery_health(session)
    assert rows["ok"].status == "delivered"
    assert (rows["bad"].status, rows["bad"].last_error) == ("parked", "refused: no actor")
    later = rows["later"]
    assert later.status == "queued" and later.last_error == "HTTP 503"
    assert later.next_attempt_at - utcnow() > dt.timedelta(seconds=28)  # Retry-After beats a 1 s backoff
    assert health["kinds"]["test"]["parked"] == 1 and health["kinds"]["test"]["queued"] == 1
    assert health["parked"][0]["reason"] == "refused: no actor"


def test_replay_queues_parked_messages_again(runtime):
    _enqueue(runtime, "bad")
    Worker(runtime.sessions, {"test": Scripted({"bad": Park("nope")})}, WorkerSettings()).run(once=True)
    with transaction(runtime.sessions) as session:
        assert outbox.replay(session, kind="test") == 1
    deliverer = Scripted({"bad": Delivered()})
    Worker(runtime.sessions, {"test": deliverer}, WorkerSettings()).run(once=True)
    assert deliverer.seen == ["bad"]
    with transaction(runtime.sessions) as session:
        assert outbox.counts_by_status(session) == {"delivered": 1}


def _fail_old_message(runtime, hours: float, error: str) -> OutboxMessage:
    """A message created ``hours`` ago, tried once more by a worker that gives up after 72 h; its row."""
    _enqueue(runtime, "old")
    with transaction(runtime.sessions) as session:
        session.execute(sa.update(OutboxMessage).values(created_at=utcnow() - dt.timedelta(hours=hours)))
    settings = WorkerSettings(give_up_after=dt.timedelta(hours=72))
    Worker(runtime.sessions, {"test": Scripted({"old": Retry(error)})}, settings).run(once=True)
    with transaction(runtime.sessions) as session:
        return session.scalars(sa.select(OutboxMessage)).one()


def test_a_message_failing_past_the_give_up_time_is_parked(runtime):
    row = _fail_old_message(runtime, 80, "HTTP 500")
    assert row.status == Status.PARKED.value and "gave up" in row.last_error and "HTTP 500" in row.last_error


def test_backoff_doubles_with_jitter_and_is_capped():
    settings = WorkerSettings(backoff_seconds=2, backoff_max_seconds=60)
    assert backoff_delay(1, settings, rand=lambda: 0.0) == 1.0
    assert backoff_delay(1, settings, rand=lambda: 1.0) == 2.0
    assert backoff_delay(3, settings, rand=lambda: 1.0) == 8.0
    assert backoff_delay(30, settings, rand=lambda: 1.0) == 60.0


def test_the_worker_loop_is_bounded_by_max_seconds(runtime):
    import time

    started = time.monotonic()
    Worker(runtime.sessions, {"test": Scripted({})}, WorkerSettings(poll_seconds=0.05)).run(max_seconds=0.3)
    assert time.monotonic() - started < 2


def test_the_worker_deletes_expired_login_states_and_nonces(runtime):
    from plugin.launch.models import LaunchState, UsedNonce
    from plugin.launch.retention import purge
    from plugin.launch.stores import DatabaseLaunchStates

    with transaction(runtime.sessions) as session:
        states = DatabaseLaunchStates(session)
        states.save_state("expired-state-0000", {"nonce": "n"}, ttl_seconds=-1)
        states.save_state("current-state-0000", {"nonce": "n"}, ttl_seconds=600)
        states.use_nonce("https://lms.test", "old", ttl_seconds=-1)
        states.use_nonce("https://lms.test", "new", ttl_seconds=3600)
    runs: list[int] = []

    def housekeeping(session):
        runs.append(purge(session, session_days=90).total)
        if len(runs) == 2:
            raise RuntimeError("the database went away")  # logged; delivery goes on
        return runs[-1]

    _enqueue(runtime, "a")
    deliverer = Scripted({"a": Delivered()})
    settings = WorkerSettings(poll_seconds=0.02, housekeeping_seconds=0.1)
    Worker(runtime.sessions, {"test": deliverer}, settings, housekeeping=housekeeping).run(max_seconds=0.35)
    assert runs[0] == 2 and 2 <= len(runs) <= 5  # at start, then once per interval, not once per poll
    with transaction(runtime.sessions) as session:
        assert list(session.scalars(sa.select(LaunchState.state))) == ["current-state-0000"]
        assert list(session.scalars(sa.select(UsedNonce.nonce))) == ["new"]  # still used
        assert session.scalar(sa.select(OutboxMessage.status)) == Status.DELIVERED.value


def test_a_replayed_message_gets_a_new_give_up_window(runtime):
    """An admin replays what was parked during a long outage: it is tried again with backoff, not parked
    after one more failure because it was created long ago."""
    row = _fail_old_message(runtime, 96, "HTTP 503")
    assert row.status == Status.PARKED.value and "over 72 h;" in row.last_error
    with transaction(runtime.sessions) as session:
        assert outbox.replay(session, ids=[row.id]) == 1
    settings = WorkerSettings(give_up_after=dt.timedelta(hours=72))
    Worker(runtime.sessions, {"test": Scripted({"old": Retry("HTTP 503")})}, settings).run(once=True)
    with transaction(runtime.sessions) as session:
        row = session.scalars(sa.select(OutboxMessage)).one()
    assert (row.status, row.attempts, row.last_error) == (Status.QUEUED.value, 1, "HTTP 503")


def test_the_backoff_of_a_message_tried_a_thousand_times_stays_capped():
    settings = WorkerSettings(backoff_seconds=2, backoff_max_seconds=60)
    assert backoff_delay(1025, settings, rand=lambda: 1.0) == 60.0
    assert backoff_delay(10**9, settings, rand=lambda: 1.0) == 60.0


class Broken:
    def deliver(self, messages):
        raise RuntimeError("Ada Lovelace <ada@example.test> does not fit")  # a row's values, as a DB error has


def test_a_deliverer_that_raises_retries_its_share_and_the_batch_is_settled(runtime, caplog):
    _enqueue(runtime, "fine")
    _enqueue(runtime, "poison", kind="broken")
    fine = Scripted({"fine": Delivered()})
    stats = Worker(runtime.sessions, {"test": fine, "broken": Broken()}, WorkerSettings()).run(once=True)
    with transaction(runtime.sessions) as session:
        rows = {m.key: m for m in session.scalars(sa.select(OutboxMessage))}
    assert rows["fine"].status == Status.DELIVERED.value  # the other kind's outcome is kept
    poison = rows["poison"]
    assert poison.status == Status.QUEUED.value and poison.claim_token is None and poison.next_attempt_at > utcnow()
    assert poison.last_error == "the broken deliverer failed (RuntimeError); see the worker's log"
    assert stats.outcomes["retried"] == 1
    assert "deliverer failed" in caplog.text and "Ada" not in caplog.text  # the traceback, not the row's values
