"""Scaling benchmark: learner sessions per second with 1, 2 and 4 web servers and 1, 2 and 4 workers.

    .venv/bin/python bench/scale.py [--seconds 8] [--learners 8] [--out bench/results/scale.json]

One run, on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end), everything on loopback:

* web: N separate `skillbite run --workers 1` servers sharing the database, the master key and the public
  base URL; the simulated learners are spread over them round robin, as a load balancer would;
* workers: M `skillbite worker` processes delivering to the real LRS (Learning Locker's statements
  service, started here), and AGS scores and the NRPS roster to the strict test gradebook;
* a session (what is counted): LTI launch (login initiation, OIDC authentication, id_token form post,
  first page), the course's next nugget (the first one: a quiz) opened, answered correctly, the result
  page shown: that nugget complete. A new learner each time, so every session enrols someone new.

For each (web, workers) pair, ``--learners`` threads run sessions back to back for ``--seconds`` while the
workers, already started, are paused (SIGSTOP); then the workers resume and the outbox drain is timed,
until every message the sessions queued (statements, scores, roster syncs) is delivered. The table gives
sessions/s with its ratio to the 1-web rows, and deliveries/s with its ratio to the 1-worker rows. The load generator,
the LMS, the LRS, PostgreSQL and every Skillbite process share this machine's CPUs: on a small machine the
ratios flatten, and the output says how many CPUs there were.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lti import claims as lti_claims  # noqa: E402
from plugin.outbox.models import OutboxMessage  # noqa: E402
from tests.e2e.journey import CoursePlan, JourneyFailed, course_plan, launch_claims, run_journey  # noqa: E402
from tests.e2e.machines import Cluster, Process, WebServer, free_port, fresh_database  # noqa: E402
from tests.lti.ags_server import StrictPlatform as AgsPlatform  # noqa: E402
from tests.support.lrs import LearningLocker  # noqa: E402
from tests.support.platform import StrictPlatform  # noqa: E402

WEB_COUNTS = (1, 2, 4)
WORKER_COUNTS = (1, 2, 4)
DRAIN_TIMEOUT = 60.0
WORKER_BATCH = 50
RUN_BUDGET = 330.0  # stop starting configurations after this long: the whole run stays under 6 minutes
WORKER_ENV = {"SKILLBITE_WORKER_POLL_SECONDS": "0.2", "SKILLBITE_OUTBOX_BACKOFF_SECONDS": "0.2",
              "SKILLBITE_OUTBOX_BACKOFF_MAX_SECONDS": "2", "SKILLBITE_LRS_TIMEOUT": "10"}


@dataclass
class Row:
    web: int
    workers: int
    sessions: int
    errors: int
    seconds: float
    sessions_per_second: float
    messages: int
    backlog: int
    drain_seconds: float | None
    deliveries_per_second: float | None
    ratio: float | None = None
    delivery_ratio: float | None = None


@dataclass
class Services:
    lms: StrictPlatform
    gradebook: AgsPlatform
    public_base: str
    ags: dict[str, object]
    nrps: dict[str, object]


def queued(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.status == "queued")) or 0)


def all_messages(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0)


def load(services: Services, servers: list[WebServer], plan: CoursePlan, learners: int, seconds: float,
         tag: str) -> tuple[int, int, float]:
    """``learners`` threads running sessions until ``seconds`` are over: (sessions, errors, elapsed)."""
    counter = iter(range(10**9))
    lock = threading.Lock()
    done = [0, 0]
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def learner_loop() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            sub = f"{tag}-{n:05d}"
            gradebook_claims = launch_claims(plan.slug, services.ags, services.nrps, name=f"Bench {n}")
            try:
                run_journey(services.lms, services.public_base, servers[n % len(servers)].url, sub, plan,
                            gradebook_claims, max_nuggets=1)
            except (JourneyFailed, AssertionError, requests.RequestException) as exc:
                with lock:
                    done[1] += 1
                    errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            with lock:
                done[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=learner_loop, daemon=True) for _ in range(learners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    if errors:
        print(f"    {len(errors)} failed session(s), e.g. {errors[0]}", file=sys.stderr)
    return done[0], done[1], elapsed


def wait_started(worker: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while "Worker delivering" not in worker.output():
        if time.monotonic() > deadline or not worker.alive():
            raise RuntimeError(f"{worker.name} did not start:\n{worker.output()[-2000:]}")
        time.sleep(0.1)


def drain_time(engine: sa.Engine) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT:
        if queued(engine) == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def measure(cluster: Cluster, services: Services, engine: sa.Engine, plan: CoursePlan, web: int, workers: int,
            learners: int, seconds: float) -> Row:
    servers: list[WebServer] = []
    try:
        # Server 1 answers at the public base URL (the one registered in the LMS); the others share it.
        servers = [cluster.start_web(f"web{web}-{n}", port=int(services.public_base.rsplit(":", 1)[1])
                                     if n == 0 else None) for n in range(web)]
        for server in servers:
            cluster.wait_ready(server)
        # 50 per claim: with the default 500, one worker would claim a whole backlog of this size alone.
        running = [cluster.start_worker(f"web{web}-worker{n}", "--batch-size", str(WORKER_BATCH))
                   for n in range(workers)]
        for worker in running:
            wait_started(worker)
            worker.popen.send_signal(signal.SIGSTOP)  # idle (nothing queued): paused while the load runs
        before = all_messages(engine)
        sessions, errors, elapsed = load(services, servers, plan, learners, seconds, f"w{web}k{workers}")
        backlog = queued(engine)
        for worker in running:
            worker.popen.send_signal(signal.SIGCONT)
        drained = drain_time(engine)
        return Row(web, workers, sessions, errors, round(elapsed, 2), round(sessions / elapsed, 2),
                   all_messages(engine) - before, backlog, None if drained is None else round(drained, 2),
                   None if not drained else round(backlog / drained, 1))
    finally:
        cluster.stop()


def table(rows: list[Row], cpus: int | None) -> str:
    lines = [f"Skillbite scaling on {cpus} CPU(s): web servers, load generator, LMS, LRS and PostgreSQL share them.",
             "session = LTI launch + first page + first nugget (quiz) opened, answered correctly, result shown.",
             "The workers are paused (SIGSTOP) during the load; drain = from their SIGCONT until the outbox is",
             "empty (statements to the LRS, scores and roster to the LMS); deliveries/s = backlog / drain.",
             "",
             "| web | workers | sessions | errors | sessions/s | ratio vs 1 web | backlog | drain s | deliveries/s "
             "| ratio vs 1 worker |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def fmt(value: float | None, spec: str = ".2f") -> str:
        return "-" if value is None else format(value, spec)

    for r in rows:
        drain = fmt(r.drain_seconds) if r.drain_seconds is not None else f"> {DRAIN_TIMEOUT:g}"
        lines.append(f"| {r.web} | {r.workers} | {r.sessions} | {r.errors} | {r.sessions_per_second:.2f} | "
                     f"{fmt(r.ratio)} | {r.backlog} | {drain} | {fmt(r.deliveries_per_second, '.1f')} | "
                     f"{fmt(r.delivery_ratio)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load per configuration")
    parser.add_argument("--learners", type=int, default=8, help="concurrent simulated learners")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args()
    started = time.monotonic()
    plan = course_plan()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="skillbite-scale-") as tmp, fresh_database("skillbite_scale") as url:
        workdir = Path(tmp)
        engine = sa.create_engine(url)
        lrs = LearningLocker(workdir / "lrs").start()
        lms = gradebook = None
        try:
            public_base = f"http://127.0.0.1:{free_port()}"
            lms = StrictPlatform(tool_base=public_base).start()
            gradebook = AgsPlatform({"keys": []}, lms.client_id, time.time).__enter__()
            cluster = Cluster(workdir, url, public_base, extra_env=WORKER_ENV)
            cluster.cli("db", "upgrade")
            cluster.cli("demo", "load")
            cluster.cli("platform", "add", "--issuer", lms.issuer, "--client-id", lms.client_id, "--auth-url",
                        lms.auth_login_url, "--token-url", gradebook.token_url, "--jwks-url", lms.jwks_url,
                        "--deployment-id", lms.deployment_ids[0], "--name", "Bench LMS")
            cluster.cli("lrs", "add", "--endpoint", lrs.url, "--username", lrs.auth[0], "--password", lrs.auth[1])
            # The tool's keys exist once `db upgrade` ran and a process started; publish them to the gradebook.
            probe = cluster.start_web("probe", port=int(public_base.rsplit(":", 1)[1]))
            cluster.wait_ready(probe)
            gradebook.tool_jwks = requests.get(public_base + "/lti/jwks", timeout=5).json()
            cluster.stop()
            ags = {"scope": [lti_claims.SCOPE_AGS_LINEITEM, lti_claims.SCOPE_AGS_LINEITEM_READONLY,
                             lti_claims.SCOPE_AGS_SCORE], "lineitems": gradebook.lineitems_url}
            nrps = {"context_memberships_url": gradebook.memberships_url, "service_versions": ["2.0"]}
            services = Services(lms, gradebook, public_base, ags, nrps)
            for web in WEB_COUNTS:
                for workers in WORKER_COUNTS:
                    if time.monotonic() - started > RUN_BUDGET:
                        print(f"  time budget spent: skipping {web} web / {workers} workers", file=sys.stderr)
                        continue
                    row = measure(cluster, services, engine, plan, web, workers, args.learners, args.seconds)
                    rows.append(row)
                    print(f"  {web} web / {workers} workers: {row.sessions_per_second:.2f} sessions/s, "
                          f"drain {row.drain_seconds} s", file=sys.stderr)
        finally:
            if gradebook is not None:
                gradebook.__exit__(None, None, None)
            if lms is not None:
                lms.stop()
            lrs.stop()
            engine.dispose()
    # Sessions depend on the web servers (the workers are paused meanwhile), deliveries on the workers:
    # each is compared with the mean of the rows with one of them.
    one_web = [r.sessions_per_second for r in rows if r.web == 1]
    one_worker = [r.deliveries_per_second for r in rows if r.workers == 1 and r.deliveries_per_second]
    web_base = sum(one_web) / len(one_web) if one_web else None
    worker_base = sum(one_worker) / len(one_worker) if one_worker else None  # type: ignore[arg-type]
    for row in rows:
        row.ratio = round(row.sessions_per_second / web_base, 2) if web_base else None
        if worker_base and row.deliveries_per_second:
            row.delivery_ratio = round(row.deliveries_per_second / worker_base, 2)
    print(table(rows, os.cpu_count()))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.out:
        args.out.write_text(json.dumps({"cpus": os.cpu_count(), "seconds": args.seconds, "learners": args.learners,
                                        "rows": [asdict(r) for r in rows]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
