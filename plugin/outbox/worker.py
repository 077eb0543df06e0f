"""``skillbite worker``: claim due messages, deliver them per kind, settle each outcome. Bounded loops only.

At-least-once delivery plus idempotent destinations (deterministic xAPI statement ids, AGS scores with
their timestamp) is what makes each message arrive exactly once, even when a worker is killed mid-batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from plugin.db import transaction, utcnow
from plugin.logs import event, failure
from plugin.metrics.counters import record_delivery
from plugin.outbox import services
from plugin.outbox.models import Status
from plugin.outbox.registry import Delivered, Deliverer, Hold, Outcome, Park, Retry
from plugin.outbox.services import ClaimedMessage

log = logging.getLogger("skillbite.worker")


@dataclass(frozen=True)
class WorkerSettings:
    batch_size: int = 500
    lease: dt.timedelta = dt.timedelta(seconds=120)
    poll_seconds: float = 1.0
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    give_up_after: dt.timedelta = dt.timedelta(hours=72)
    housekeeping_seconds: float = 3600.0  # how often this worker runs the housekeeping task, if given one


def backoff_delay(attempts: int, settings: WorkerSettings, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with "equal jitter": half the delay fixed, half random, capped."""
    # The exponent is capped first: 2 ** 1024 is past what a float holds (OverflowError), and the delay
    # reaches any sane backoff_max_seconds long before 2 ** 60.
    delay = min(settings.backoff_max_seconds, settings.backoff_seconds * 2 ** min(max(0, attempts - 1), 60))
    return float(delay / 2 + rand() * delay / 2)


@dataclass
class WorkerStats:
    batches: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, int]:
        return {"batches": self.batches, **self.outcomes}


class Worker:
    def __init__(self, sessions: sessionmaker[Session], deliverers: Mapping[str, Deliverer],
                 settings: WorkerSettings, housekeeping: Callable[[Session], int] | None = None) -> None:
        self.sessions = sessions
        self.deliverers = dict(deliverers)
        self.settings = settings
        # Tables that only grow unless someone deletes what expired (login states, used nonces): every
        # worker does it, at start and then every housekeeping_seconds. Deleting what expired is idempotent,
        # so workers running it at the same time only repeat each other.
        self.housekeeping = housekeeping
        self._next_housekeeping = time.monotonic()
        self.stopping = threading.Event()
        self.stats = WorkerStats()

    def stop(self) -> None:
        """Finish the batch in hand, then return (SIGTERM)."""
        self.stopping.set()

    def run(self, *, once: bool = False, max_seconds: float | None = None) -> WorkerStats:
        """Deliver until stopped; ``once``: until nothing is due; ``max_seconds``: at most that long."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        while not self.stopping.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            self._housekeep_when_due()
            handled = self.run_batch()
            if handled:
                continue
            if once:
                break
            wait = self.settings.poll_seconds
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            self.stopping.wait(wait)
        return self.stats

    def _housekeep_when_due(self) -> None:
        if self.housekeeping is None or time.monotonic() < self._next_housekeeping:
            return
        self._next_housekeeping = time.monotonic() + self.settings.housekeeping_seconds
        try:
            with transaction(self.sessions) as session:
                removed = self.housekeeping(session)
        except Exception:  # never stops delivery; tried again at the next interval
            log.exception("housekeeping failed")
            return
        event(log, "housekeeping done", removed=removed)

    def run_batch(self) -> int:
        """Claim one batch, deliver it, settle it. Returns the number of messages handled."""
        with transaction(self.sessions) as session:
            claim = services.claim(session, limit=self.settings.batch_size, lease=self.settings.lease,
                                   kinds=sorted(self.deliverers))
        if not claim.messages:
            return 0
        self.stats.batches += 1
        by_kind: dict[str, list[ClaimedMessage]] = defaultdict(list)
        for message in claim.messages:
            by_kind[message.kind].append(message)
        outcomes: dict[int, Outcome] = {}
        for kind, messages in by_kind.items():
            outcomes.update(self._deliver(kind, messages))
        self._settle(claim.token, claim.messages, outcomes)
        return len(claim.messages)

    def _deliver(self, kind: str, messages: list[ClaimedMessage]) -> Mapping[int, Outcome]:
        """One kind's outcomes. A deliverer that raises retries its share (backoff, then parked at the give-up
        time), and the batch is still settled: the other kinds' outcomes are kept and the worker goes on."""
        try:
            return self.deliverers[kind].deliver(messages)
        except Exception as exc:  # noqa: BLE001 (any bug or database error in one deliverer)
            event(log, "deliverer failed", logging.ERROR, kind=kind, **failure(exc))
            retry = Retry(f"the {kind} deliverer failed ({type(exc).__name__}); see the worker's log")
            return dict.fromkeys((message.id for message in messages), retry)

    def _settle(self, token: str, messages: list[ClaimedMessage], outcomes: Mapping[int, Outcome]) -> None:
        now = utcnow()
        delivered: list[int] = []
        stopped: dict[tuple[Status, str], list[int]] = defaultdict(list)
        retries: dict[tuple[dt.datetime, str], list[int]] = defaultdict(list)
        delays: dict[tuple[int, str, float | None], float] = {}
        for message in messages:
            outcome = outcomes.get(message.id) or Retry("the deliverer gave no outcome for this message")
            match outcome:
                case Delivered():
                    delivered.append(message.id)
                case Park(reason=reason):
                    stopped[(Status.PARKED, reason)].append(message.id)
                case Hold(reason=reason):
                    stopped[(Status.HELD, reason)].append(message.id)
                case Retry(error=error, after=after):
                    if now - message.queued_since >= self.settings.give_up_after:
                        reason = (f"gave up after {message.attempts} attempts over "
                                  f"{_hours(self.settings.give_up_after)}; last error: {error}")
                        stopped[(Status.PARKED, reason)].append(message.id)
                        continue
                    # Messages that failed alike share one jittered retry time, so they stay one batch
                    # (and in order) when they are tried again.
                    group = (message.attempts, error, after)
                    if group not in delays:
                        delays[group] = max(after or 0.0, backoff_delay(message.attempts, self.settings))
                    retries[(now + dt.timedelta(seconds=round(delays[group], 3)), error)].append(message.id)
        with transaction(self.sessions) as session:
            # The usual case, everything delivered, settles by token alone (no id list to bind).
            all_delivered = len(delivered) == len(messages)
            services.mark_delivered(session, token, None if all_delivered else delivered, now)
            for (status, reason), ids in stopped.items():
                services.mark_stopped(session, token, ids, status=status, reason=reason, now=now)
            for (at, error), ids in retries.items():
                services.mark_retry(session, token, ids, at=at, error=error)
        self.stats.outcomes["delivered"] += len(delivered)
        _count_outcomes(messages, delivered, stopped, retries)
        for (status, _), ids in stopped.items():
            self.stats.outcomes[status.value] += len(ids)
        retried = sum(len(ids) for ids in retries.values())
        self.stats.outcomes["retried"] += retried
        if stopped or retried:
            event(log, "outbox batch settled", logging.WARNING, delivered=len(delivered), retried=retried,
                  parked=sum(len(i) for (s, _), i in stopped.items() if s is Status.PARKED),
                  held=sum(len(i) for (s, _), i in stopped.items() if s is Status.HELD))


def _hours(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h"


def _count_outcomes(messages: list[ClaimedMessage], delivered: list[int],
                    stopped: Mapping[tuple[Status, str], list[int]],
                    retries: Mapping[tuple[dt.datetime, str], list[int]]) -> None:
    """Prometheus counters by kind, destination host and outcome (plugin.metrics.counters)."""
    outcome_of = dict.fromkeys(delivered, "delivered")
    for (status, _), ids in stopped.items():
        outcome_of.update(dict.fromkeys(ids, "parked" if status is Status.PARKED else "held"))
    for ids in retries.values():
        outcome_of.update(dict.fromkeys(ids, "retry"))
    for message in messages:
        if message.id in outcome_of:
            record_delivery(message.kind, message.destination, outcome_of[message.id])
