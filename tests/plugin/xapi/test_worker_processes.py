"""Real `skillbite worker` processes: killed with SIGKILL mid-batch, and two in parallel on PostgreSQL.

The parallel test always runs against the PostgreSQL server (127.0.0.1:5432, database ``test``, a schema
of its own), whatever SKILLBITE_TEST_DB says: SKIP LOCKED is a PostgreSQL behaviour, and SQLite runs of
the suite should prove it too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugin import create_app
from plugin.db import transaction
from plugin.events import publish
from plugin.outbox import services as outbox
from plugin.outbox.models import OutboxMessage
from plugin.xapi import services
from tests.conftest import POSTGRES_URL, make_config
from tests.support.lrs import FaultProxy

from .source import make_learner

ROOT = Path(__file__).resolve().parents[3]


def _worker(config, *args: str, lease: float = 1.0) -> subprocess.Popen[str]:
    env = {**os.environ, "SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
           "SKILLBITE_INSTANCE_PATH": str(config.instance_path), "SKILLBITE_BASE_URL": config.base_url,
           "SKILLBITE_WORKER_LEASE_SECONDS": str(lease), "SKILLBITE_WORKER_POLL_SECONDS": "0.1",
           "SKILLBITE_OUTBOX_BACKOFF_SECONDS": "0.1", "SKILLBITE_LOG_FORMAT": "text", "SKILLBITE_LRS_TIMEOUT": "5"}
    return subprocess.Popen([sys.executable, "-m", "plugin.cli", "worker", *args], cwd=ROOT, env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str], timeout: float = 30) -> dict[str, int]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _add_lrs(runtime, url: str, auth: tuple[str, str], batch_size: int = 200) -> None:
    with transaction(runtime.sessions) as session:
        services.add_destination(session, runtime.box, name="lrs", endpoint=url, username=auth[0], password=auth[1],
                                 batch_size=batch_size)


def _publish_many(runtime, learner, count: int) -> None:
    with transaction(runtime.sessions) as session:
        for n in range(count):
            publish(session, learner.event("progressed", nugget_id=31, progress=n % 101))


def test_a_worker_killed_mid_batch_leaves_nothing_lost_or_doubled(runtime, config, learner, lrs):
    with FaultProxy(lrs.base) as proxy:
        _add_lrs(runtime, proxy.url, lrs.auth, batch_size=10)
        _publish_many(runtime, learner, 30)
        proxy.script = [("hang", 2.0)]  # the first POST is in flight when the worker dies
        first = _worker(config, "--batch-size", "30", "--max-seconds", "20")
        deadline = time.monotonic() + 15
        while not proxy.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proxy.requests, "the first worker never reached the LRS"
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)

        with transaction(runtime.sessions) as session:
            assert outbox.counts_by_status(session) == {"queued": 30}  # claimed, leased, not settled
        second = _worker(config, "--max-seconds", "6")
        stats = _finish(second)

    assert stats["delivered"] == 30
    with transaction(runtime.sessions) as session:
        assert outbox.counts_by_status(session) == {"delivered": 30}
        assert set(session.scalars(sa.select(OutboxMessage.attempts))) == {2}
    stored = lrs.statements()
    assert len(stored) == len({s["id"] for s in stored}) == 30


def test_a_worker_stops_gracefully_on_sigterm(runtime, config, learner, lrs):
    _add_lrs(runtime, lrs.url, lrs.auth)
    worker = _worker(config, "--max-seconds", "30")
    _publish_many(runtime, learner, 5)
    deadline = time.monotonic() + 20
    while len(lrs.statements()) < 5 and time.monotonic() < deadline:  # running, handlers installed
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    stats = _finish(worker, timeout=10)
    assert stats["delivered"] == 5
    assert len(lrs.statements()) == 5


@pytest.fixture
def postgres_config(tmp_path: Path) -> Iterator:
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_config(tmp_path, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_two_workers_on_postgresql_deliver_each_statement_exactly_once(postgres_config, lrs):
    from plugin.migrate import upgrade

    upgrade(postgres_config.database_url)
    app = create_app(postgres_config)
    runtime = app.extensions["skillbite"]
    try:
        learner = make_learner(runtime.sessions)
        with FaultProxy(lrs.base) as proxy:
            _add_lrs(runtime, proxy.url, lrs.auth, batch_size=20)
            _publish_many(runtime, learner, 600)
            proxy.script = [("hang", 0.1)] * 30  # slow enough that both workers are busy at once
            workers = [_worker(postgres_config, "--batch-size", "20", "--max-seconds", "40", "--once")
                       for _ in range(2)]
            stats = [_finish(w, timeout=60) for w in workers]
        assert sum(s.get("delivered", 0) for s in stats) == 600
        assert all(s.get("delivered", 0) > 0 for s in stats), stats  # both took batches (SKIP LOCKED)
        assert len(proxy.posted) == 600 and set(proxy.posted.values()) == {1}  # nothing sent twice
        with transaction(runtime.sessions) as session:
            assert outbox.counts_by_status(session) == {"delivered": 600}
        assert len(lrs.statements()) == 600
    finally:
        runtime.engine.dispose()
