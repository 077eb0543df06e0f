"""AGS scores per second delivered by one outbox worker, with cached service tokens versus a token per score.

    .venv/bin/python bench/ags.py [--scores 200] [--db sqlite|postgresql]

Both runs use the same worker, the same database and the same local AGS endpoint (tests/lti/ags_server.py:
a strict platform that verifies every client assertion against the tool's JWKS, checks bearer tokens,
media types and Moodle's ``?type_id=``, and refuses same-second scores). The reference run differs only in
its token cache, which never keeps anything, so every score first POSTs a client_credentials request
(signed assertion, verified by the platform), as a tool without token caching does. Goal: ≥ 5× faster.
Runtime is bounded: a few hundred scores per run, and each run stops after --max-seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lti import claims  # noqa: E402
from lti.ags import ActivityProgress, GradingProgress, Score  # noqa: E402
from lti.service_token import ServiceTokens  # noqa: E402
from plugin.config import Config  # noqa: E402
from plugin.db import transaction  # noqa: E402
from plugin.grades.delivery import ScoreDeliverer  # noqa: E402
from plugin.grades.tokens import ServiceClients, WorkerToolKeys, service_clients  # noqa: E402
from plugin.keys.services import ensure_signing_key, public_jwks  # noqa: E402
from plugin.migrate import upgrade  # noqa: E402
from plugin.outbox import services as outbox  # noqa: E402
from plugin.outbox.models import OutboxMessage  # noqa: E402
from plugin.outbox.worker import Worker, WorkerSettings  # noqa: E402
from plugin.platforms.services import add_platform  # noqa: E402
from plugin.runtime import Runtime  # noqa: E402
from tests.lti.ags_server import StrictPlatform  # noqa: E402
from tests.lti.platform_fixture import CLIENT_ID  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class NoCache:
    """An AccessTokenCache that keeps nothing: a token per score, the reference."""

    def get(self, key: str) -> tuple[str, float] | None:
        return None

    def put(self, key: str, token: str, expires_at: float) -> None:
        return None


def enqueue_scores(runtime: Runtime, platform_id: int, line_item: str, count: int, run: str) -> None:
    claim = {"scope": [claims.SCOPE_AGS_SCORE], "lineitem": line_item}
    now = dt.datetime.now(dt.UTC)
    with transaction(runtime.sessions) as session:
        outbox.enqueue_many(session, [outbox.NewMessage(
            kind="ags_score", destination=line_item, key=f"bench:{run}:{n}", platform_id=platform_id,
            payload={"platform_id": platform_id, "resource_link_pk": 0, "claim": claim, "line_item": {},
                     "score": Score(f"{run}-learner-{n}", now, ActivityProgress.COMPLETED,
                                    GradingProgress.FULLY_GRADED, 8.0, 10.0).to_json()})
            for n in range(count)])


def timed_run(runtime: Runtime, clients: ServiceClients, platform_id: int, line_item: str, count: int, run: str,
              max_seconds: float) -> tuple[float, int]:
    enqueue_scores(runtime, platform_id, line_item, count, run)
    worker = Worker(runtime.sessions, {"ags_score": ScoreDeliverer(runtime, clients)},
                    WorkerSettings(batch_size=100, poll_seconds=0.01))
    start = time.perf_counter()
    worker.run(once=True, max_seconds=max_seconds)
    elapsed = time.perf_counter() - start
    with transaction(runtime.sessions) as session:
        delivered = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.key.like(f"bench:{run}:%"), OutboxMessage.status == "delivered")) or 0
    return elapsed, int(delivered)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scores", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="Upper bound per run.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        url = f"sqlite:///{tmp}/bench.db"
        if args.db == "postgresql":
            schema = "bench_" + uuid.uuid4().hex[:10]
            admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        try:
            config = Config(base_url="http://127.0.0.1", instance_path=Path(tmp) / "instance", database_url=url,
                            master_key=Fernet.generate_key().decode(), testing=True, log_format="text")
            upgrade(url)
            runtime = Runtime.build(config)
            with transaction(runtime.sessions) as session:
                ensure_signing_key(session, runtime.box)
                jwks = public_jwks(session)
            with StrictPlatform(jwks, CLIENT_ID, time.time) as lms:
                with transaction(runtime.sessions) as session:
                    row = add_platform(session, issuer=lms.base_url, client_id=CLIENT_ID,
                                       auth_login_url=lms.base_url + "/auth", auth_token_url=lms.token_url,
                                       key_set_url=lms.base_url + "/jwks", deployment_ids=["d1"])
                    session.flush()
                    platform_id = row.id
                line_item = lms.add_line_item("Bench")
                cached = service_clients(runtime.sessions, runtime.box, runtime.http)
                tokens = ServiceTokens(WorkerToolKeys(runtime.sessions, runtime.box), runtime.http, NoCache())
                per_score = ServiceClients(tokens, type(cached.ags)(runtime.http, tokens),
                                           type(cached.nrps)(runtime.http, tokens))
                timed_run(runtime, cached, platform_id, line_item, 20, "warmup", args.max_seconds)
                token_requests_before = len(lms.token_requests)
                t_cached, n_cached = timed_run(runtime, cached, platform_id, line_item, args.scores, "cached",
                                               args.max_seconds)
                tokens_cached = len(lms.token_requests) - token_requests_before
                token_requests_before = len(lms.token_requests)
                t_ref, n_ref = timed_run(runtime, per_score, platform_id, line_item, args.scores, "per-score",
                                         args.max_seconds)
                tokens_ref = len(lms.token_requests) - token_requests_before
                violations = list(lms.violations)
            runtime.engine.dispose()
        finally:
            if schema is not None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    rate_cached, rate_ref = n_cached / t_cached, n_ref / t_ref
    print(f"database: {args.db}; scores per run: {args.scores}; one worker, batch 100")
    print(f"cached token      : {n_cached:5d} delivered in {t_cached:6.2f} s = {rate_cached:8.1f} scores/s "
          f"({tokens_cached} token requests)")
    print(f"token per score   : {n_ref:5d} delivered in {t_ref:6.2f} s = {rate_ref:8.1f} scores/s "
          f"({tokens_ref} token requests)")
    ratio = rate_cached / rate_ref if rate_ref else float("inf")
    print(f"ratio             : {ratio:.1f}x  (goal >= 5x) {'OK' if ratio >= 5 else 'BELOW GOAL'}")
    if violations:
        print(f"platform violations: {violations[:3]}")
    return 0 if ratio >= 5 and n_cached == n_ref == args.scores and not violations else 1


if __name__ == "__main__":
    sys.exit(main())
