"""py-spy profiles of a server's workers (gunicorn's or granian's) during an extra, unmeasured launch phase.

py-spy samples the workers from outside (``--subprocesses`` on the server's main process) into collapsed
stacks, and this module sums them into the functions that hold the workers: self time (the frame on top)
and inclusive time (anywhere on the stack), each as a share of all samples. py-spy samples wall clock: a
thread blocked in SQLite (lock wait, fsync) counts as busy, so cross-check with bench/profile_inprocess.py
(cProfile on CPU time). ``pip install py-spy`` into the venv to use it.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_servers import BIN, Server

_LINE = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_SITE = re.compile(r"^.*?/(?:site-packages|lib/python3\.\d+)/")


def _pyspy() -> str | None:
    local = BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def _function(frame: str) -> str:
    """``name (path/file.py:123)`` -> ``name (file path from the package root)``."""
    match = _LINE.match(frame)
    if not match:
        return frame
    path = _SITE.sub("", match["file"])
    path = path.split("/work/main/", 1)[-1]
    return f"{match['name']} ({path})"


def summarize(collapsed: Path, top: int = 30) -> dict[str, Any]:
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    by_area: Counter[str] = Counter()
    total = idle = 0
    for raw in collapsed.read_text().splitlines():
        stack, _, count_text = raw.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES:
            idle += count
            continue
        total += count
        self_time[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
        by_area[_area(frames)] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100.0 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "idle_samples_dropped": idle, "self_pct": share(self_time),
            "inclusive_pct": share(inclusive), "area_pct": share(by_area)}


# py-spy's idle detection misses these waits here (C-level blocking under a Python frame): a thread-pool
# worker waiting for a request, the poller waiting for a socket. They are dropped, not counted as CPU.
IDLE_LEAVES = frozenset({"_worker (concurrent/futures/thread.py)", "EpollSelector.select (selectors.py)",
                         "PollSelector.select (selectors.py)", "Condition.wait (threading.py)"})

_AREAS = (
    ("jwt signature / key (cryptography, jwt, jwcrypto)", ("(cryptography/", "(jwt/", "(jwcrypto/")),
    ("database (sqlalchemy, sqlite3, psycopg)", ("(sqlalchemy/", "(sqlite3/", "(psycopg/", "execute (")),
    ("templates (jinja2)", ("(jinja2/",)),
    ("logging", ("(logging/", "(plugin/logs.py")),
    ("gunicorn / http parsing", ("(gunicorn/",)),
    ("granian (python side; its Rust HTTP code is not sampled)", ("(granian/",)),
    ("werkzeug / flask", ("(werkzeug/", "(flask/")),
)


def _area(frames: list[str]) -> str:
    """The innermost recognised library on the stack, so time inside SQLAlchemy's compiler counts as
    database even when it was called from a view."""
    for frame in reversed(frames):
        for label, needles in _AREAS:
            if any(needle in frame for needle in needles):
                return label
    return "other (app code, stdlib)"


def profile_phase(server: Server, run: Callable[[], Any], results: Path, rate: int = 250) -> dict[str, Any]:
    tool = _pyspy()
    if tool is None:
        print("  py-spy is not installed (.venv/bin/pip install py-spy): no profile", file=sys.stderr)
        return {}
    results.mkdir(parents=True, exist_ok=True)
    collapsed = results / f"profile-{server.name}.collapsed.txt"
    spy = subprocess.Popen([tool, "record", "--pid", str(server.proc.pid), "--subprocesses",
                            "--rate", str(rate), "--format", "raw", "--output", str(collapsed)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.5)  # let py-spy attach to the master and find the workers
    phase = run()
    spy.send_signal(signal.SIGINT)
    try:
        _, err = spy.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
        _, err = spy.communicate()
    if not collapsed.exists():
        print(f"  py-spy wrote nothing: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
        return {}
    summary = summarize(collapsed)
    summary["launches"] = phase.launches
    summary["server_cpu_ms_per_launch_while_sampled"] = phase.server_cpu_ms_per_launch
    report = results / f"profile-{server.name}.txt"
    lines = [f"{server.name}: {summary['samples']} samples over {phase.launches} launches at c=4 "
             f"(py-spy --rate {rate}; {summary['idle_samples_dropped']} samples of waiting threads dropped; "
             "wall-clock samples of busy threads, so database lock and fsync waits still count)",
             "", "by area (innermost library on the stack):"]
    lines += [f"  {pct:5.1f}%  {name}" for name, pct in summary["area_pct"]]
    lines += ["", "self (top of stack):"]
    lines += [f"  {pct:5.1f}%  {name}" for name, pct in summary["self_pct"]]
    lines += ["", "inclusive (anywhere on the stack):"]
    lines += [f"  {pct:5.1f}%  {name}" for name, pct in summary["inclusive_pct"]]
    report.write_text("\n".join(lines) + "\n")
    print(f"  profile of {server.name}: {report} (collapsed stacks: {collapsed})")
    return summary
