"""Many machines, simulated here: two `skillbite run` web servers and three `skillbite worker` processes on one
PostgreSQL database, learners launching and learning on both servers at once, one worker SIGKILLed while a
delivery is in flight, and then: every statement in the real LRS once, every score in the LMS gradebook
once, every credential issued once.

The set-up, as an employer would deploy it: both web servers share SKILLBITE_BASE_URL (server A's address,
the one registered in the LMS) and the master key; the learner's browser plays the load balancer and sends
half of the learners to server B (login initiation, id_token form post and every page after it). The LMS
is :class:`~tests.support.platform.StrictPlatform` for launches and the strict AGS/NRPS server of
tests/lti/ags_server.py for tokens, line items, scores and the roster (its token URL is the one
registered). Statements go to the real LRS (Learning Locker's statements service) through a
:class:`~tests.support.lrs.FaultProxy`, which holds one POST long enough for the worker sending it to be
killed mid-delivery.

The test always runs on PostgreSQL, in a database of its own (``skillbite_mm_<random>``), dropped at the
end; it runs in the default (SQLite) pass of scripts/test and is skipped in the PostgreSQL pass, so that it
runs once.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import sqlalchemy as sa

from lti import claims as lti_claims
from plugin.credentials.models import Achievement, IssuedCredential
from plugin.launch.models import User
from plugin.outbox.models import OutboxMessage
from plugin.xapi.models import XapiStatement
from tests.conftest import BACKEND
from tests.e2e.journey import JourneyResult, course_plan, launch_claims, run_journey
from tests.e2e.machines import Cluster, Process, connected_to, free_port, fresh_database
from tests.lti.ags_server import StrictPlatform as AgsPlatform
from tests.support.lrs import FaultProxy, LearningLocker, lrs, lrs_server  # noqa: F401  (fixtures)
from tests.support.platform import StrictPlatform

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND == "postgresql", reason="ran in the default pass: it always uses PostgreSQL"),
]

LEARNERS = 8
HANG_SECONDS = 3.0  # the held LRS POST: the worker sending it is killed meanwhile
JOURNEY_TIMEOUT = 240.0
DRAIN_TIMEOUT = 120.0
BADGE = "feedback-practitioner"
# Short lease and backoff, so the killed worker's batch is claimed again within seconds.
WORKER_ENV = {"SKILLBITE_WORKER_LEASE_SECONDS": "6", "SKILLBITE_WORKER_POLL_SECONDS": "0.2",
              "SKILLBITE_OUTBOX_BACKOFF_SECONDS": "0.2", "SKILLBITE_OUTBOX_BACKOFF_MAX_SECONDS": "2",
              "SKILLBITE_LRS_TIMEOUT": "10"}

T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def kill_a_worker_mid_delivery(workers: list[Process], proxy: FaultProxy) -> Process:
    """Hold the next statement POST in the proxy, find the worker sending it, SIGKILL it."""
    wait_for("the workers' first deliveries to the LRS", lambda: len(proxy.requests) >= 2, 90)
    with proxy.lock:
        proxy.script = [("hang", HANG_SECONDS)]
    wait_for("a worker's POST to reach the held step", lambda: not proxy.script, 60, every=0.01)
    victim = wait_for("the worker whose POST is held",
                      lambda: next((w for w in workers if connected_to(w, proxy.port)), None), HANG_SECONDS)
    victim.kill()
    return victim


def outbox_by_status(engine: sa.Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(OutboxMessage.kind, OutboxMessage.status, sa.func.count())
                            .group_by(OutboxMessage.kind, OutboxMessage.status)).all()
    return {(kind, status): int(n) for kind, status, n in rows}


def drained(engine: sa.Engine) -> dict[tuple[str, str], int] | None:
    counts = outbox_by_status(engine)
    stuck = {key: n for key, n in counts.items() if key[1] in ("parked", "held")}
    if stuck:
        with engine.connect() as conn:
            reasons = conn.execute(sa.select(OutboxMessage.kind, OutboxMessage.last_error)
                                   .where(OutboxMessage.status.in_(["parked", "held"])).limit(5)).all()
        raise AssertionError(f"messages stopped instead of delivered: {stuck}; e.g. {reasons}")
    return counts if counts and all(status == "delivered" for _, status in counts) else None


def actor_key(actor: dict[str, Any]) -> str:
    """xAPI 1.0.3 §2.4.2.1: an Agent is identified by its one inverse functional identifier."""
    return json.dumps({k: actor[k] for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor},
                      sort_keys=True)


def statement_key(statement: dict[str, Any]) -> tuple[str, str, str]:
    return actor_key(statement["actor"]), statement["verb"]["id"], statement["object"]["id"]


def test_two_web_servers_and_three_workers_deliver_every_statement_score_and_credential_once(
        tmp_path: Path, lrs: LearningLocker) -> None:  # noqa: F811
    plan = course_plan()
    port_a = free_port()
    public_base = f"http://127.0.0.1:{port_a}"
    subs = [f"mm-learner-{n:02d}" for n in range(LEARNERS)]
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database("skillbite_mm"))
        engine = sa.create_engine(database_url)
        stack.callback(engine.dispose)
        lms = StrictPlatform(tool_base=public_base).start()
        stack.callback(lms.stop)
        gradebook = AgsPlatform({"keys": []}, lms.client_id, time.time).__enter__()
        stack.callback(gradebook.__exit__, None, None, None)
        proxy = stack.enter_context(FaultProxy(lrs.base))
        cluster = Cluster(tmp_path, database_url, public_base, extra_env=WORKER_ENV)
        stack.callback(cluster.stop)

        cluster.cli("db", "upgrade")
        cluster.cli("demo", "load")
        cluster.cli("platform", "add", "--issuer", lms.issuer, "--client-id", lms.client_id, "--auth-url",
                    lms.auth_login_url, "--token-url", gradebook.token_url, "--jwks-url", lms.jwks_url,
                    "--deployment-id", lms.deployment_ids[0], "--name", "Strict LMS")
        cluster.cli("lrs", "add", "--endpoint", proxy.url, "--username", lrs.auth[0], "--password", lrs.auth[1],
                    "--batch-size", "10")
        web_a = cluster.start_web("web-a", port=port_a)
        web_b = cluster.start_web("web-b")
        cluster.wait_ready(web_a)
        cluster.wait_ready(web_b)
        # The gradebook checks the workers' client assertions against the tool's published keys.
        gradebook.tool_jwks = requests.get(public_base + "/lti/jwks", timeout=5).json()
        for sub in subs:
            gradebook.add_member(sub)
        workers = [cluster.start_worker(f"worker-{n}", "--batch-size", "10", "--max-seconds", "600")
                   for n in (1, 2, 3)]
        ags = {"scope": [lti_claims.SCOPE_AGS_LINEITEM, lti_claims.SCOPE_AGS_LINEITEM_READONLY,
                         lti_claims.SCOPE_AGS_SCORE], "lineitems": gradebook.lineitems_url}
        nrps = {"context_memberships_url": gradebook.memberships_url, "service_versions": ["2.0"]}

        with ThreadPoolExecutor(LEARNERS, thread_name_prefix="learner") as pool:
            journeys = [pool.submit(run_journey, lms, public_base, (web_a, web_b)[n % 2].url, sub, plan,
                                    launch_claims(plan.slug, ags, nrps, name=f"Learner {n}"))
                        for n, sub in enumerate(subs)]
            victim = kill_a_worker_mid_delivery(workers, proxy)
            results: list[JourneyResult] = [j.result(timeout=JOURNEY_TIMEOUT) for j in journeys]

        assert not victim.alive() and victim.popen.returncode == -9
        assert all(w.alive() for w in workers if w is not victim), "a surviving worker exited"
        assert web_a.alive() and web_b.alive()
        assert Counter(r.backend for r in results) == {web_a.url: LEARNERS // 2, web_b.url: LEARNERS // 2}
        assert all(r.nuggets_done == [n.key for n in plan.nuggets] for r in results)

        counts = wait_for("the outbox to drain", lambda: drained(engine), DRAIN_TIMEOUT, every=0.5)

        with engine.connect() as conn:
            users = dict(conn.execute(sa.select(User.subject, User.id)).all())
            local = [json.loads(s) for s in conn.scalars(sa.select(XapiStatement.statement))]
            completed_by = set(conn.scalars(sa.select(XapiStatement.user_id).where(
                XapiStatement.verb == "completed", XapiStatement.object_iri == XapiStatement.course_iri)))
            retried = conn.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.attempts > 1))
            score_messages = [json.loads(body)["score"] for body in conn.scalars(
                sa.select(OutboxMessage.body).where(OutboxMessage.kind == "ags_score"))]
            credentials = conn.execute(sa.select(IssuedCredential.user_id, Achievement.key)
                                       .join(Achievement, Achievement.id == IssuedCredential.achievement_id)).all()
        assert set(subs) <= set(users)
        learner_ids = {users[sub] for sub in subs}
        # The killed worker's batch was leased, not settled: another worker claimed it again.
        assert retried >= 1

        # xAPI: the LRS holds each statement of the local log once, and nothing else.
        stored = lrs.statements()
        ids = Counter(s["id"] for s in stored)
        assert len(local) == counts[("xapi", "delivered")]
        assert max(ids.values()) == 1
        assert set(ids) == {s["id"] for s in local}
        assert Counter(statement_key(s) for s in stored) == Counter(statement_key(s) for s in local)
        assert completed_by >= learner_ids  # each learner's course completion is among them

        # AGS: no score stored twice; one line item, made once by three workers. A platform keeps only a
        # score newer than the one it holds (AGS 2.0), so a learner's earlier score that a parallel worker
        # delivered after a later one is refused (409) and rightly counted delivered: the gradebook holds
        # a subset of the queued scores, in rising time, ending with the final grade.
        assert gradebook.violations == []
        assert len(gradebook.line_items) == 1
        received = [(user, body["timestamp"]) for (_, user), bodies in gradebook.scores.items() for body in bodies]
        queued = Counter((s["userId"], s["timestamp"]) for s in score_messages)
        assert max(Counter(received).values()) == 1 and max(queued.values()) == 1
        assert set(received) <= set(queued)
        for sub in subs:
            stamps = [body["timestamp"] for body in gradebook.scores[(1, sub)]]
            assert stamps == sorted(stamps)
            assert max(stamps) == max(stamp for user, stamp in queued if user == sub)
            final = gradebook.scores[(1, sub)][-1]
            assert (final["activityProgress"], final["gradingProgress"]) == ("Completed", "FullyGraded")
            assert final["scoreGiven"] == final["scoreMaximum"] == 100

        # Open Badges: one credential per learner for the course's achievement.
        per_learner = Counter((user_id, key) for user_id, key in credentials if key.endswith(BADGE))
        assert {user_id for user_id, _ in per_learner} == learner_ids
        assert set(per_learner.values()) == {1}
        assert len(credentials) == len(per_learner)
        print(f"\n{LEARNERS} learners on 2 web servers, worker {victim.name} killed; outbox {counts}; "
              f"{retried} message(s) re-claimed; {len(stored)} statements in the LRS, {sum(proxy.posted.values())} "
              f"accepted POSTs of them by id; {len(received)} of {len(queued)} scores stored "
              f"({len(queued) - len(received)} superseded); {len(per_learner)} credentials")
