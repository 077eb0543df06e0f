"""Where Skillbite's CPU goes in one full launch: cProfile on thread CPU time, plus SQL statements per step.

Runs the app in this process (Flask test client, no gunicorn, no HTTP), on a fresh SQLite instance (or
``--database-url``), against the bench platform (JWKS over HTTP on 127.0.0.1). Each launch is the same
login -> id_token POST -> first page(s) as bench/launch.py. The profiler's clock is
``time.thread_time`` so waits (fsync, locks) do not count; the SQL counts come from SQLAlchemy's
``before_cursor_execute`` event.

    .venv/bin/python bench/profile_inprocess.py --launches 300
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_platform import BenchPlatform, LaunchFailed, ToolUrls, learners  # noqa: E402
from sqlalchemy import event  # noqa: E402

BASE = "http://127.0.0.1:5999"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "profile-inprocess.txt")
    args = parser.parse_args()

    from plugin import create_app
    from plugin.config import Config
    from plugin.db import make_engine, make_sessionmaker, transaction
    from plugin.migrate import upgrade
    from plugin.platforms.services import add_platform

    instance = Path(tempfile.mkdtemp(prefix="skillbite-profile-"))
    url = args.database_url or f"sqlite:///{instance / 'skillbite.db'}"
    env = {"SKILLBITE_INSTANCE_PATH": str(instance), "SKILLBITE_DATABASE_URL": url, "SKILLBITE_BASE_URL": BASE,
           "SKILLBITE_LOG_LEVEL": "INFO"}
    upgrade(url)
    platform = BenchPlatform().start()
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        add_platform(session, issuer=platform.issuer, client_id=platform.client_id, auth_login_url=platform.auth_url,
                     auth_token_url=platform.token_url, key_set_url=platform.jwks_url,
                     deployment_ids=[platform.deployment_id], name="Bench LMS")
    engine.dispose()
    app = create_app(Config.from_env(env))
    app_engine = app.extensions["skillbite"].engine
    statements: Counter[str] = Counter()
    step = ["-"]

    def _count(statement: str) -> None:
        statements[step[0]] += 1
        statements[step[0] + " " + statement.split(None, 1)[0].upper()] += 1

    # Hot statements run on the driver (plugin/db_driver.py), out of SQLAlchemy's cursor events: count what
    # the driver runs. SQLite's trace callback sees every statement, BEGIN and COMMIT included.
    if app_engine.dialect.name == "sqlite":
        event.listen(app_engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(_count))
        app_engine.dispose()
    else:
        event.listen(app_engine, "before_cursor_execute",
                     lambda _conn, _cursor, statement, *_rest: _count(statement))

    urls = ToolUrls(BASE + "/lti/login", BASE + "/lti/launch", anonymous_marker="not saved")
    pool = learners(64)
    import logging

    logging.getLogger("skillbite").handlers[0].stream = io.StringIO()  # keep the log lines, not the terminal
    client = app.test_client()

    def launch(i: int) -> None:
        learner = pool[i % len(pool)]
        client._cookies.clear()  # a fresh browser, as in bench/launch.py
        step[0] = "1 login"
        r = client.post("/lti/login", data=platform.login_params(urls, learner))
        if r.status_code != 302:
            raise LaunchFailed(f"login {r.status_code}")
        form = platform.authorize(urljoin(BASE, r.headers["Location"]), urls, learner)
        step[0] = "2 launch"
        r = client.post("/lti/launch", data=form)
        n = 3
        target = BASE + "/lti/launch"
        while r.status_code in (302, 303):
            target = urljoin(target, r.headers["Location"])
            step[0] = f"{n} GET {target.split('?')[0].removeprefix(BASE)}"
            r = client.get(target.removeprefix(BASE))
            n += 1
        if r.status_code != 200:
            raise LaunchFailed(f"first page {r.status_code}: {r.get_data(as_text=True)[:300]}")

    for i in range(args.warmup):
        launch(i)
    statements.clear()
    profiler = cProfile.Profile(time.thread_time)
    began_cpu, began = time.thread_time(), time.perf_counter()
    profiler.enable()
    for i in range(args.launches):
        launch(i)
    profiler.disable()
    cpu = time.thread_time() - began_cpu
    wall = time.perf_counter() - began
    platform.stop()

    # The platform's token signing runs in this thread too: measure it alone and subtract it.
    sign_began = time.thread_time()
    for i in range(args.launches):
        platform.id_token("n" * 43, urls, pool[i % len(pool)])
    signing = time.thread_time() - sign_began

    out = io.StringIO()
    out.write(f"{args.launches} launches in-process: {1000 * (cpu - signing) / args.launches:.2f} ms app CPU per "
              f"launch (thread CPU {1000 * cpu / args.launches:.2f} ms minus the platform's id_token signing "
              f"{1000 * signing / args.launches:.2f} ms; cProfile overhead included), "
              f"wall {1000 * wall / args.launches:.2f} ms\n\n")
    out.write("SQL statements per launch, by step:\n")
    for key in sorted(statements):
        out.write(f"  {statements[key] / args.launches:6.2f}  {key}\n")
    for sort in ("tottime", "cumulative"):
        out.write(f"\n--- top {args.top} by {sort} (thread CPU) ---\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(sort).print_stats(args.top)
    out.write("\n--- Skillbite's own functions by cumulative time ---\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/work/main/(plugin|lti)/", args.top)
    text = out.getvalue()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
