"""Player benchmark: server time per page and per answer with 1,000 courses in the database, and the import
time of a 200-nugget package. Prints p50/p99 and the ratio to each goal (< 1.0 meets it).

    .venv/bin/python bench/player.py [--courses 1000] [--requests 300] [--database-url URL]

Server time is measured around the WSGI call of the Flask test client: no network, the same process.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin import create_app  # noqa: E402
from plugin.catalog.package import PackageFiles  # noqa: E402
from plugin.catalog.services import import_package, load_demo_course  # noqa: E402
from plugin.config import Config  # noqa: E402
from plugin.db import transaction  # noqa: E402
from plugin.migrate import upgrade  # noqa: E402
from tests.plugin.player.launches import launch_factory  # noqa: E402

PAGE_GOAL_MS = 20.0
IMPORT_GOAL_S = 5.0
ITEMS = [
    "  - id: q{n}\n    type: single_choice\n    prompt: Pick B\n    choices:\n      - text: A\n      - text: B\n"
    "        correct: true\n",
    "  - id: q{n}\n    type: numeric\n    prompt: Two plus two?\n    answer: 4\n",
    "  - id: q{n}\n    type: short_text\n    prompt: Say yes\n    accepted: ['yes']\n",
    "  - id: q{n}\n    type: ordering\n    prompt: Order\n    order: [one, two, three]\n",
]


def generated_package(slug: str, nuggets: int, words: int = 250) -> PackageFiles:
    text = " ".join(["Feedback works best when it is specific, timely and kind."] * (words // 10))
    files: dict[str, bytes] = {}
    modules = []
    for m in range(max(1, nuggets // 10)):
        keys = [f"n{i}" for i in range(m * 10, min(nuggets, m * 10 + 10))]
        modules.append(f"  - id: m{m}\n    title: Module {m}\n    nuggets:\n"
                       + "".join(f"      - nuggets/{k}.md\n" for k in keys))
        for i, key in enumerate(keys):
            items = "attempts: 0\nitems:\n" + ITEMS[i % len(ITEMS)].format(n=i) if i % 2 == 0 else ""
            files[f"nuggets/{key}.md"] = (f"---\nid: {key}\ntitle: Nugget {key}\n{items}---\n## Part {key}\n\n"
                                          f"{text}\n\n```callout tip\nA **tip** for {key}.\n```\n").encode()
    files["course.yaml"] = (f"format: skillbite/1\nslug: {slug}\ntitle: Course {slug}\nmodules:\n"
                            + "".join(modules)).encode()
    return PackageFiles(files)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(call: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--without-subscribers", action="store_true",
                        help="drop other features' learning-event handlers, to see the player's own cost")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="skillbite-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    config = Config(base_url="http://localhost", instance_path=tmp / "instance", database_url=url,
                    master_key=Fernet.generate_key().decode(), log_level="WARNING", log_format="text")
    upgrade(url)
    app = create_app(config)
    if args.without_subscribers:
        from plugin import events

        events._handlers.clear()
    sessions = app.extensions["skillbite"].sessions

    start = time.perf_counter()
    with transaction(sessions) as session:
        load_demo_course(session)
        small = generated_package("c", 3, words=80)
        for n in range(args.courses - 1):
            small.files["course.yaml"] = small.files["course.yaml"].replace(
                re.search(rb"slug: \S+", small.files["course.yaml"]).group(0), f"slug: course-{n}".encode())
            import_package(session, small)
    print(f"loaded {args.courses} courses in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")

    big = generated_package("big-course", 200)
    start = time.perf_counter()
    with transaction(sessions) as session:
        result = import_package(session, big)
        assert len(result.version.nuggets) == 200
    import_seconds = time.perf_counter() - start

    launch = launch_factory(app)()
    client = app.test_client()
    q = launch.q()
    demo = "/learn/c/giving-useful-feedback"
    csrf = re.search(r'name="csrf" value="(\w+)"', client.get(f"{demo}/n/why-feedback", query_string=q).text)
    assert csrf
    client.post(f"{demo}/n/why-feedback/answers", query_string=q,  # unlocks the video nugget
                data={"csrf": csrf.group(1), "i.praise-counts": "false"})
    pages = {
        f"catalog ({args.courses:,} courses)": lambda: client.get("/learn/courses", query_string=q),
        "course overview": lambda: client.get(demo, query_string=q),
        "nugget page with quiz": lambda: client.get(f"{demo}/n/why-feedback", query_string=q),
        "nugget page with video": lambda: client.get(f"{demo}/n/sbi-model", query_string=q),
        "overview of a 200-nugget course": lambda: client.get("/learn/c/big-course", query_string=q),
        "resume redirect": lambda: client.get(f"{demo}/resume", query_string=q),
    }
    # A wrong answer to a nugget with unlimited attempts: every submission is graded and recorded.
    answer = lambda: client.post("/learn/c/big-course/n/n0/answers", query_string=q,  # noqa: E731
                                 data={"csrf": csrf.group(1), "i.q0": "0"})
    print(f"\n{'what':32} {'p50 ms':>8} {'p99 ms':>8}  {'p99 / goal':>10}")
    worst = 0.0
    for name, call in {**pages, "answer submission (graded)": answer}.items():
        response = call()
        assert response.status_code in (200, 303), (name, response.status_code)  # type: ignore[attr-defined]
        p50, p99 = percentiles(timed(call, args.requests))
        worst = max(worst, p99 / PAGE_GOAL_MS)
        print(f"{name:32} {p50:8.2f} {p99:8.2f}  {p99 / PAGE_GOAL_MS:10.2f}  (goal p99 < {PAGE_GOAL_MS:.0f} ms)")
    print(f"{'import of 200 nuggets':32} {import_seconds:8.2f} s{'':7}  {import_seconds / IMPORT_GOAL_S:10.2f}  "
          f"(goal < {IMPORT_GOAL_S:.0f} s)")
    verdict = "meets" if worst < 1 and import_seconds < IMPORT_GOAL_S else "MISSES"
    print(f"\nworst page ratio {worst:.2f}; the player {verdict} its goals on this machine.")
    app.extensions["skillbite"].engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
