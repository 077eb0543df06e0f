"""Statements per second from the outbox to an LRS, one worker, against references measured in the same run.

    .venv/bin/python bench/xapi.py [--statements 20000] [--db sqlite|postgresql] [--skip-history]

(a) the real LRS (Learning Locker's statements service, tests/support/lrs_launcher.js) and (b) a minimal
local sink that only counts. References: the naive way (tincan.RemoteLRS.save_statement, one request per
statement) and a bare batched POST of the same statements straight to the same LRS (its ceiling).
Then the claim cost as delivered history grows (0, 100k, 1M rows). Goals:
  outbox -> LRS >= 90% of the bare-batch ceiling;  outbox -> sink >= 10,000 statements/s;  claim cost flat.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin.config import Config  # noqa: E402
from plugin.db import transaction  # noqa: E402
from plugin.events import LearningEvent  # noqa: E402
from plugin.migrate import upgrade  # noqa: E402
from plugin.outbox import services as outbox  # noqa: E402
from plugin.outbox.registry import load_deliverers  # noqa: E402
from plugin.outbox.worker import Worker, WorkerSettings  # noqa: E402
from plugin.runtime import Runtime  # noqa: E402
from plugin.xapi import services  # noqa: E402
from plugin.xapi.activities import ActivityDescription, EventActivities, Interaction  # noqa: E402
from plugin.xapi.statements import LaunchContext, Learner, build_statement  # noqa: E402
from tests.support.lrs import LearningLocker  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LRS_BATCH = 200


class Sink:
    """Counts statements POSTed to it; answers 200 like an LRS."""

    def __init__(self) -> None:
        sink = self
        self.count = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sink.count += body.count(b'"verb":')
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def make_statements(n: int, platform_id: int, user_id: int) -> list[str]:
    activities = EventActivities(
        object=ActivityDescription("question", "course/bench/question/1", {"en": "Which is feedback?"},
                                   interaction=Interaction("choice", ("b",), choices=(("a", {"en": "A"}),
                                                                                     ("b", {"en": "B"})))),
        course=ActivityDescription("course", "course/bench", {"en": "Bench course"}),
        nugget=ActivityDescription("nugget", "course/bench/nugget/1", {"en": "Nugget"}), language="en")
    learner = Learner("https://lms.example.edu", "bench-learner")
    launch = LaunchContext("dep-1", "course-77", "Bench", "session-1")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        event = LearningEvent(kind="answered", occurred_at=start + dt.timedelta(milliseconds=i),
                              platform_id=platform_id, user_id=user_id, course_version_id=1, nugget_id=1,
                              item_id=1, response="b", success=True,
                              score_raw=1, score_min=0, score_max=1, duration_seconds=4.2)
        out.append(build_statement(event, base_url="http://127.0.0.1:5000", learner=learner, launch=launch,
                                   activities=activities).json)
    return out


def setup(db: str, workdir: Path) -> tuple[Runtime, int, str | None]:
    schema = None
    if db == "postgresql":
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    config = Config(base_url="http://127.0.0.1:5000", instance_path=workdir, database_url=url,
                    master_key=Fernet.generate_key().decode(), log_format="text", log_level="ERROR")
    runtime = Runtime.build(config)
    from plugin.platforms.models import Platform

    with transaction(runtime.sessions) as session:
        platform = Platform(name="bench", issuer="https://lms.example.edu", client_id="c", auth_login_url="x",
                            auth_token_url="x", key_set_url="x")
        session.add(platform)
        session.flush()
        return runtime, platform.id, schema


def drop_schema(schema: str | None) -> None:
    if schema:
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def set_destination(runtime: Runtime, url: str, auth: tuple[str, str], batch: int) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(sa.delete(services.LrsDestination))
        services.add_destination(session, runtime.box, name="bench", endpoint=url, username=auth[0],
                                 password=auth[1], batch_size=batch)


def through_outbox(runtime: Runtime, statements: list[str], platform_id: int, tag: str, claim: int) -> float:
    with transaction(runtime.sessions) as session:
        outbox.enqueue_many(session, [outbox.NewMessage("xapi", f"xapi:platform/{platform_id}", f"{tag}:{i}", body,
                                                        platform_id) for i, body in enumerate(statements)])
    settings = WorkerSettings(batch_size=claim, poll_seconds=0.01)
    rt = dataclasses.replace(runtime, config=dataclasses.replace(runtime.config, lrs_timeout=30))
    worker = Worker(rt.sessions, load_deliverers(rt, ["xapi"]), settings)
    started = time.perf_counter()
    stats = worker.run(once=True, max_seconds=600)
    elapsed = time.perf_counter() - started
    if stats.outcomes["delivered"] != len(statements):
        raise SystemExit(f"outbox delivered {dict(stats.outcomes)} of {len(statements)}")
    return len(statements) / elapsed


def bare_batches(url: str, auth: tuple[str, str], statements: list[str]) -> float:
    http = requests.Session()
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    started = time.perf_counter()
    for start in range(0, len(statements), LRS_BATCH):
        body = ("[" + ",".join(statements[start:start + LRS_BATCH]) + "]").encode()
        http.post(url + "statements", data=body, auth=auth, headers=headers, timeout=30).raise_for_status()
    return len(statements) / (time.perf_counter() - started)


def naive(url: str, auth: tuple[str, str], statements: list[str]) -> float:
    from tincan import RemoteLRS, Statement

    remote = RemoteLRS(endpoint=url, username=auth[0], password=auth[1], version="1.0.3")
    parsed = [Statement.from_json(s) for s in statements]
    started = time.perf_counter()
    for statement in parsed:
        response = remote.save_statement(statement)
        if not response.success:
            raise SystemExit(f"naive save failed: {response.response.status} {response.data}")
    return len(statements) / (time.perf_counter() - started)


def claim_cost(runtime: Runtime, platform_id: int, history: int, dialect: str) -> float:
    """Median ms of claiming 500 of 2,000 queued messages, with ``history`` delivered rows present."""
    with runtime.engine.begin() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM outbox_message WHERE status = 'delivered'")).scalar_one()
        missing = history - have
        if missing > 0:
            if dialect == "postgresql":
                conn.execute(sa.text(
                    "INSERT INTO outbox_message (kind, destination, key, body, status, attempts, next_attempt_at, "
                    "created_at, finished_at, platform_id) SELECT 'xapi', 'd', 'h' || (g + :base), "
                    "'{\"id\":\"x\"}', 'delivered', 1, now(), now(), now(), :p FROM generate_series(1, :n) g"),
                    {"n": missing, "base": have, "p": platform_id})
            else:
                conn.execute(sa.text(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
                    "INSERT INTO outbox_message (kind, destination, key, body, status, attempts, next_attempt_at, "
                    "created_at, finished_at, platform_id) SELECT 'xapi', 'd', 'h' || (x + :base), "
                    "'{\"id\":\"x\"}', 'delivered', 1, '2025-01-01 00:00:00.000000', "
                    "'2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000', :p FROM c"),
                    {"n": missing, "base": have, "p": platform_id})
        if dialect == "postgresql":
            conn.execute(sa.text("ANALYZE outbox_message"))
    timings = []
    for _ in range(25):
        with runtime.sessions() as session, session.begin():
            started = time.perf_counter()
            got = outbox.claim(session, limit=500, lease=dt.timedelta(seconds=60))
            timings.append((time.perf_counter() - started) * 1000)
            assert len(got.messages) == 500
            session.rollback()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--sink-statements", type=int, default=50000)
    parser.add_argument("--naive-statements", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--skip-history", action="store_true", help="skip the 1M-row claim cost measurement")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="skillbite-bench-"))
    runtime, platform_id, schema = setup(args.db, workdir)
    lrs = LearningLocker(workdir / "lrs").start()
    sink = Sink()
    try:
        statements = make_statements(max(args.statements, args.sink_statements), platform_id, 1)
        lrs_set = statements[:args.statements]
        print(f"xAPI delivery bench: {args.db}, {len(lrs_set)} statements "
              f"(~{sum(map(len, lrs_set)) // len(lrs_set)} bytes each), LRS batch {LRS_BATCH}, one worker")

        naive_rate = naive(lrs.url, lrs.auth, lrs_set[:args.naive_statements])
        lrs.clear()
        bare_rate = bare_batches(lrs.url, lrs.auth, lrs_set)
        lrs.clear()
        set_destination(runtime, lrs.url, lrs.auth, LRS_BATCH)
        lrs_rate = through_outbox(runtime, lrs_set, platform_id, "lrs", claim=1000)
        stored = len(lrs.statements())
        set_destination(runtime, sink.url, ("bench", "bench"), 1000)
        sink_rate = through_outbox(runtime, statements[:args.sink_statements], platform_id, "sink", claim=2000)

        print(f"  naive tincan save_statement, 1 per request   {naive_rate:>9,.0f} statements/s")
        print(f"  bare batched POST straight to the LRS        {bare_rate:>9,.0f} statements/s  (ceiling)")
        print(f"  outbox -> LRS (worker)                       {lrs_rate:>9,.0f} statements/s  "
              f"= {lrs_rate / bare_rate:.0%} of ceiling (goal >= 90%), {lrs_rate / naive_rate:.1f}x naive; "
              f"LRS holds {stored}")
        print(f"  outbox -> counting sink (worker)             {sink_rate:>9,.0f} statements/s  "
              f"(goal >= 10,000: {'met' if sink_rate >= 10000 else 'NOT met'}); sink counted {sink.count}")

        dialect = runtime.engine.dialect.name
        with transaction(runtime.sessions) as session:
            session.execute(sa.delete(outbox.OutboxMessage))
        queued = make_statements(2000, platform_id, 1)
        with transaction(runtime.sessions) as session:
            outbox.enqueue_many(session, [outbox.NewMessage("xapi", "d", f"q:{i}", b, platform_id)
                                          for i, b in enumerate(queued)])
        points = [0, 100_000] + ([] if args.skip_history else [1_000_000])
        costs = []
        for history in points:
            started = time.perf_counter()
            cost = claim_cost(runtime, platform_id, history, dialect)
            costs.append(cost)
            print(f"  claim 500 of 2,000 due, {history:>9,} delivered rows: {cost:6.2f} ms "
                  f"(setup {time.perf_counter() - started:.1f} s)")
        print(f"  claim cost at {points[-1]:,} / at 0 delivered rows: {costs[-1] / costs[0]:.2f}x (goal: flat, ~1x)")
    finally:
        lrs.stop()
        sink.server.shutdown()
        runtime.engine.dispose()
        drop_schema(schema)


if __name__ == "__main__":
    main()
