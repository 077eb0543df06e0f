"""Full LTI 1.3 launches against Skillbite and a PyLTI1p3 reference tool, in the same run.

One full launch, as a browser driven by an LMS makes it (LTI Core 1.3 §4.1, Security Framework 1.0 §5.1):

  1. POST the tool's login URL (third-party initiated login)  -> 302 to the platform's auth endpoint
  2. the platform (played inline here) checks the authentication request and signs an id_token
  3. POST id_token + state to the tool's redirect_uri           -> the first page (Skillbite answers with
                                                                   it: 200), or a 303 to it (the reference)
  4. GET the first page, when step 3 redirected                 -> 200 showing the learner's name

Each virtual user is a thread with its own ``requests.Session`` (keep-alive connection, fresh cookie jar
per launch, like a new browser). Each phase runs a fixed number of launches at concurrency 1, 4 and 16
against each server, after a warm-up. Reported per server and phase: launches/s, p50/p99 latency of
the full launch, and the server's CPU per launch (user+sys of the server's main process and workers from
psutil, before/after the phase, divided by launches), plus the load generator's own CPU per launch: on 2
shared cores the generator takes a large share, which caps launches/s for both servers alike.

Servers: Skillbite as in production (``skillbite run``: granian, plugin/server.py's settings); the
PyLTI1p3 reference under gunicorn gthread, which the goals are measured against (issue 2); and, for the
record, the same reference under granian with Skillbite's settings, so the share of the gain that comes
from the server alone is visible (``--reference-servers gunicorn`` leaves it out). And the floor
(bench/reference/floor_tool.py): the same two requests per launch, served like Skillbite by a Flask app
that checks and stores nothing. Its CPU is what the server and Flask cost before any launch work, so
"floor/ref" shows how much of the CPU goal the stack itself takes (``--no-floor`` leaves it out). And the
minimum (bench/reference/minimum_tool.py): the floor plus only what the Security Framework requires of
any tool (state and nonce kept in SQLite and spent once, the id_token's signature and claims checked),
so "minimum/ref" is a lower bound for any tool on this stack (``--no-minimum`` leaves it out).

    .venv/bin/python bench/launch.py                # SQLite, Redis launch cache for the reference
    .venv/bin/python bench/launch.py --db postgresql --profile

Results go to bench/results/launch.json (gitignored); ``--profile`` adds py-spy profiles of the servers
(bench/results/profile-*.txt) taken in an extra, unmeasured phase.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform as host_platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urljoin

import psutil
import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_platform import BenchPlatform, LaunchFailed, Learner, ToolUrls, learners  # noqa: E402
from bench_profile import profile_phase  # noqa: E402
from bench_servers import (  # noqa: E402
    Server,
    drop_postgres_database,
    postgres_database,
    remove_tree,
    start_reference,
    start_skillbite,
)

MAX_PAGE_REDIRECTS = 3  # the launch's 303 and any redirects to the first page
RESULTS = Path(__file__).resolve().parent / "results"
CPU_GOAL = 0.5  # ours/ref server CPU per launch
P99_GOAL = 1.0  # ours/ref p99


def one_launch(http: requests.Session, platform: BenchPlatform, urls: ToolUrls, learner: Learner) -> int:
    """One full launch; returns how many HTTP requests it took."""
    http.cookies.clear()  # a fresh browser for every launch: no cookie pile-up between launches
    response = http.post(urls.login_url, data=platform.login_params(urls, learner), allow_redirects=False,
                         timeout=30)
    location = response.headers.get("Location")
    if response.status_code not in (302, 303) or not location:
        raise LaunchFailed(f"login: {response.status_code} {response.text[:200]!r}")
    for cookie in http.cookies:  # browsers send Secure cookies to loopback http (Secure Contexts §3.2)
        cookie.secure = False
    form = platform.authorize(location, urls, learner)
    response = http.post(urls.launch_url, data=form, allow_redirects=False, timeout=30)
    requests_made = 2
    url = urls.launch_url
    while response.status_code in (302, 303) and requests_made < 2 + MAX_PAGE_REDIRECTS:
        url = urljoin(url, response.headers.get("Location") or "")
        response = http.get(url, allow_redirects=False, timeout=30)
        requests_made += 1
    if response.status_code != 200:
        raise LaunchFailed(f"first page: {response.status_code} {response.text[:200]!r}")
    if learner.name not in response.text and (urls.anonymous_marker is None
                                              or urls.anonymous_marker in response.text):
        raise LaunchFailed(f"first page ({url[:80]}) shows neither {learner.name!r} nor a signed-in learner")
    return requests_made


@dataclass
class Phase:
    server: str
    concurrency: int
    launches: int
    failures: int
    seconds: float
    launches_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_ms_per_launch: float
    server_user_ms_per_launch: float
    server_sys_ms_per_launch: float
    client_cpu_ms_per_launch: float
    requests_per_launch: float
    first_failure: str | None = None


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def _session() -> requests.Session:
    http = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
    http.mount("http://", adapter)
    return http


def run_phase(server: Server, platform: BenchPlatform, concurrency: int, launches: int,
              pool: list[Learner]) -> Phase:
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    request_counts: list[int] = []
    start = threading.Barrier(concurrency + 1)

    def virtual_user() -> None:
        http = _session()
        start.wait()
        while (i := next(counter)) < launches:
            learner = pool[i % len(pool)]
            began = time.perf_counter()
            try:
                request_counts.append(one_launch(http, platform, server.urls, learner))
            except (LaunchFailed, requests.RequestException) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                latencies.append(time.perf_counter() - began)
        http.close()

    users = [threading.Thread(target=virtual_user, name=f"vu-{n}") for n in range(concurrency)]
    for user in users:
        user.start()
    me = psutil.Process()
    cpu_before = server.cpu_seconds()
    client_before = sum(me.cpu_times()[:2])
    start.wait()
    began = time.perf_counter()
    for user in users:
        user.join()
    seconds = time.perf_counter() - began
    cpu_after = server.cpu_seconds()
    client_cpu = sum(me.cpu_times()[:2]) - client_before
    server_user = sum(after[0] - cpu_before.get(pid, (0.0, 0.0))[0] for pid, after in cpu_after.items())
    server_sys = sum(after[1] - cpu_before.get(pid, (0.0, 0.0))[1] for pid, after in cpu_after.items())
    server_cpu = server_user + server_sys
    lost = set(cpu_before) - set(cpu_after)
    if lost:
        print(f"  note: {server.name} processes {sorted(lost)} exited during the phase; their CPU is not counted")
    latencies.sort()
    done = max(len(latencies), 1)
    return Phase(
        server=server.name, concurrency=concurrency, launches=len(latencies), failures=len(failures),
        seconds=round(seconds, 3), launches_per_s=round(len(latencies) / seconds, 1),
        p50_ms=round(percentile(latencies, 50) * 1000, 2), p99_ms=round(percentile(latencies, 99) * 1000, 2),
        mean_ms=round(statistics.fmean(latencies) * 1000, 2) if latencies else float("nan"),
        server_cpu_ms_per_launch=round(server_cpu * 1000 / done, 3),
        server_user_ms_per_launch=round(server_user * 1000 / done, 3),
        server_sys_ms_per_launch=round(server_sys * 1000 / done, 3),
        client_cpu_ms_per_launch=round(client_cpu * 1000 / done, 3),
        requests_per_launch=round(statistics.fmean(request_counts), 2) if request_counts else 0.0,
        first_failure=failures[0] if failures else None,
    )


def redis_reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def print_table(phases: list[Phase], ratios: list[dict[str, object]]) -> None:
    head = (f"{'server':<16} {'c':>3} {'launches':>8} {'fail':>4} {'launch/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'srv CPU ms/launch':>17} {'(user+sys)':>13} {'gen CPU ms/launch':>17} {'req/launch':>10}")
    print()
    print(head)
    print("-" * len(head))
    for p in phases:
        print(f"{p.server:<16} {p.concurrency:>3} {p.launches:>8} {p.failures:>4} {p.launches_per_s:>9.1f} "
              f"{p.p50_ms:>8.2f} {p.p99_ms:>8.2f} {p.server_cpu_ms_per_launch:>17.3f} "
              f"{p.server_user_ms_per_launch:>6.2f}+{p.server_sys_ms_per_launch:<6.2f} "
              f"{p.client_cpu_ms_per_launch:>17.3f} {p.requests_per_launch:>10.1f}")
    if ratios:
        print()
        print(f"{'c':>3} {'CPU ours/ref':>13} {'goal':>6} {'p99 ours/ref':>13} {'goal':>6}"
              f" {'CPU vs ref on granian':>22} {'p99 vs ref on granian':>22}"
              f" {'CPU floor/ref':>14} {'CPU minimum/ref':>16} {'ours-floor ms':>14}")
        nan = float("nan")
        for r in ratios:
            print(f"{r['concurrency']:>3} {r['cpu_ratio']:>13.2f} {'ok' if r['cpu_goal_met'] else 'MISS':>6} "
                  f"{r['p99_ratio']:>13.2f} {'ok' if r['p99_goal_met'] else 'MISS':>6}"
                  f" {r.get('cpu_ratio_vs_reference_on_granian', nan):>22.2f}"
                  f" {r.get('p99_ratio_vs_reference_on_granian', nan):>22.2f}"
                  f" {r.get('floor_cpu_ratio', nan):>14.2f} {r.get('minimum_cpu_ratio', nan):>16.2f}"
                  f" {r.get('launch_work_cpu_ms', nan):>14.3f}")
        print(f"(goals, against the reference on gunicorn: CPU per launch ours/ref <= {CPU_GOAL}, "
              f"p99 ours/ref <= {P99_GOAL}; the granian, floor and minimum columns are for the record: the floor "
              "is Flask on Skillbite's server doing none of the work, the minimum adds only the checks LTI 1.3 "
              "requires, and ours-floor is the launch's own work)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated virtual users per phase")
    # 1500 per phase: a p99 is then the 15th slowest launch, not the 3rd (of 300) or 6th (of 600), so one
    # stall of these 2 shared cores no longer decides the p99 goal, for either tool. About 6 s per phase.
    parser.add_argument("--launches-c1", type=int, default=1500, help="launches per phase at concurrency 1")
    parser.add_argument("--launches", type=int, default=1500, help="launches per phase at higher concurrency")
    parser.add_argument("--warmup", type=int, default=80, help="warm-up launches per server (concurrency 4)")
    parser.add_argument("--learners", type=int, default=64, help="distinct learners launching")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for every server")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite", help="Skillbite's database")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where --db postgresql creates (and drops) a scratch database")
    parser.add_argument("--ref-cache", default="redis://127.0.0.1:6379/0",
                        help="the reference's shared launch cache: redis://... or file:///folder "
                             "(falls back to a file cache if Redis does not answer)")
    parser.add_argument("--only", choices=("both", "skillbite", "pylti1p3"), default="both")
    parser.add_argument("--reference-servers", default="gunicorn,granian",
                        help="servers for the reference: gunicorn (the goals' baseline) and/or granian")
    parser.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the floor: Flask on Skillbite's server doing none of the work")
    parser.add_argument("--minimum", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the minimum: the floor plus the checks LTI 1.3 requires")
    parser.add_argument("--profile", action="store_true",
                        help="after the measured phases, profile each server with py-spy in an extra phase")
    parser.add_argument("--profile-launches", type=int, default=400)
    parser.add_argument("--out", type=Path, default=RESULTS / "launch.json")
    args = parser.parse_args(argv)

    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="skillbite-bench-"))
    ref_cache = args.ref_cache
    if ref_cache.startswith("redis://") and not redis_reachable(ref_cache):
        ref_cache = (workdir / "reference-cache").as_uri()
        print(f"Redis does not answer; the reference uses a file-system cache at {ref_cache}")
    pool = learners(args.learners)
    platform = BenchPlatform().start()
    servers: list[Server] = []
    pg_name: str | None = None
    phases: list[Phase] = []
    profiles: dict[str, object] = {}
    try:
        database_url = None
        if args.db == "postgresql":
            database_url, pg_name = postgres_database(args.pg_admin_url)
        if args.only in ("both", "skillbite"):
            servers.append(start_skillbite(platform, workdir, args.workers, database_url))
        if args.only in ("both", "pylti1p3"):
            for name in (n.strip() for n in args.reference_servers.split(",") if n.strip()):
                servers.append(start_reference(platform, workdir, args.workers, ref_cache, server=name))
        for app, wanted in (("floor", args.floor), ("minimum", args.minimum)):
            if wanted:
                servers.append(start_reference(platform, workdir, args.workers, ref_cache, server="granian",
                                               app=app))
        print(f"Servers: {', '.join(f'{s.name} {s.base_url}' for s in servers)}; {args.workers} workers each; "
              f"Skillbite on {args.db} under `skillbite run` (granian); reference cache "
              f"{ref_cache.split('://')[0]}; {os.cpu_count()} CPUs shared with the load generator.")
        for server in servers:
            warm = run_phase(server, platform, 4, args.warmup, pool)
            print(f"  warm-up {server.name}: {warm.launches} launches, {warm.failures} failures"
                  + (f" (first: {warm.first_failure})" if warm.first_failure else ""))
            if warm.failures:
                raise SystemExit(f"{server.name} fails launches; see {server.log_path}")
        for index, concurrency in enumerate(concurrencies):
            launches = args.launches_c1 if concurrency == 1 else args.launches
            order = servers if index % 2 == 0 else list(reversed(servers))  # alternate who goes first
            for server in order:
                phase = run_phase(server, platform, concurrency, launches, pool)
                phases.append(phase)
                print(f"  {server.name:<16} c={concurrency:<3} {phase.launches_per_s:>7.1f} launches/s  "
                      f"p50 {phase.p50_ms:.1f} ms  p99 {phase.p99_ms:.1f} ms  "
                      f"server CPU {phase.server_cpu_ms_per_launch:.2f} ms/launch"
                      + (f"  FAILURES {phase.failures}: {phase.first_failure}" if phase.failures else ""))
        if args.profile:
            for server in servers:
                profiles[server.name] = profile_phase(server, lambda s=server: run_phase(
                    s, platform, 4, args.profile_launches, pool), RESULTS)
    finally:
        for server in servers:
            server.stop()
        platform.stop()
        if pg_name:
            drop_postgres_database(args.pg_admin_url, pg_name)
        remove_tree(workdir)

    ratios: list[dict[str, object]] = []
    by_key = {(p.server, p.concurrency): p for p in phases}
    for concurrency in concurrencies:
        ours, ref = by_key.get(("skillbite", concurrency)), by_key.get(("pylti1p3", concurrency))
        if ours is None or ref is None:
            continue
        cpu_ratio = ours.server_cpu_ms_per_launch / ref.server_cpu_ms_per_launch
        p99_ratio = ours.p99_ms / ref.p99_ms
        ratio: dict[str, object] = {
            "concurrency": concurrency, "cpu_ratio": round(cpu_ratio, 3), "cpu_goal_met": cpu_ratio <= CPU_GOAL,
            "p99_ratio": round(p99_ratio, 3), "p99_goal_met": p99_ratio <= P99_GOAL}
        same_server = by_key.get(("pylti1p3-granian", concurrency))
        if same_server is not None:  # for the record: the reference on Skillbite's own server
            ratio["cpu_ratio_vs_reference_on_granian"] = round(
                ours.server_cpu_ms_per_launch / same_server.server_cpu_ms_per_launch, 3)
            ratio["p99_ratio_vs_reference_on_granian"] = round(ours.p99_ms / same_server.p99_ms, 3)
        floor = by_key.get(("floor", concurrency))
        if floor is not None:  # the stack's own share: the floor's CPU against the reference's
            ratio["floor_cpu_ratio"] = round(floor.server_cpu_ms_per_launch / ref.server_cpu_ms_per_launch, 3)
            ratio["launch_work_cpu_ms"] = round(ours.server_cpu_ms_per_launch - floor.server_cpu_ms_per_launch, 3)
        minimum = by_key.get(("minimum", concurrency))
        if minimum is not None:  # a lower bound for any tool that does the required checks on this stack
            ratio["minimum_cpu_ratio"] = round(minimum.server_cpu_ms_per_launch / ref.server_cpu_ms_per_launch, 3)
        ratios.append(ratio)
    print_table(phases, ratios)
    failed = sum(p.failures for p in phases)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "setup": {
            "cpus": os.cpu_count(), "python": sys.version.split()[0], "machine": host_platform.machine(),
            "workers": args.workers,
            "servers": "skillbite: `skillbite run` (granian, plugin/server.py); pylti1p3: gunicorn gthread "
                       "(bench/reference/serve.py); pylti1p3-granian: granian with plugin/server.py's settings; "
                       "floor: bench/reference/floor_tool.py (no work done) on granian with those settings; "
                       "minimum: bench/reference/minimum_tool.py (only the required checks), likewise",
            "skillbite_db": args.db, "reference_cache": ref_cache.split("://")[0],
            "learners": args.learners, "warmup": args.warmup, "platform_jwks_fetches": platform.jwks_hits,
            "load_generator": "requests.Session per virtual user (thread), keep-alive, in the bench process",
        },
        "goals": {"cpu_ratio_max": CPU_GOAL, "p99_ratio_max": P99_GOAL},
        "phases": [asdict(p) for p in phases],
        "ratios": ratios,
        "profiles": profiles,
    }, indent=2) + "\n")
    print(f"\nWrote {args.out}" + (f"; {failed} failed launches" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
