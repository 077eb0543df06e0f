"""Prometheus multi-process mode for the web processes of `skillbite run` (and workers on the same host).

With ``PROMETHEUS_MULTIPROC_DIR`` set before the processes start, each process writes its counters to
memory-mapped files in that directory, and ``/metrics`` adds up the files of every process. The
directory must be private to one host (file names carry process ids) and empty of stale processes'
files at start. granian has no hook in its main process when a worker exits (gunicorn's ``child_exit``),
so the bookkeeping is done at the two moments Skillbite does control: :func:`at_server_start` in
``skillbite run`` before any worker, and :func:`at_worker_start` in each web worker as it builds the app
(a respawned worker tidies up after the predecessor it replaces).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import multiprocess as prometheus_multiprocess

_FILE_PID = re.compile(r"_(\d+)\.db$")


def directory() -> Path | None:
    """The multi-process directory, or None when the mode is off (one process, in-memory counters)."""
    raw = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")
    return Path(raw) if raw else None


def ensure_directory() -> None:
    path = directory()
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)


def _pid_of(file: Path) -> int | None:
    match = _FILE_PID.search(file.name)
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def remove_dead_process_files(path: Path) -> list[Path]:
    """Delete the files of processes that are gone; keep those of live ones (a worker sharing the dir)."""
    removed = []
    for file in path.glob("*.db"):
        pid = _pid_of(file)
        if pid is not None and not _alive(pid):
            file.unlink(missing_ok=True)
            removed.append(file)
    return removed


def mark_dead_processes(path: Path) -> list[int]:
    """Drop the live gauges of processes that are gone; their counters stay, so totals never go down.

    Deleting a dead worker's counter files while the others run would lower the sums, which Prometheus
    reads as a counter reset (and ``rate()`` as a burst).
    """
    dead = sorted({pid for pid in map(_pid_of, path.glob("*.db")) if pid is not None and not _alive(pid)})
    for pid in dead:
        prometheus_multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]
    return dead


def at_server_start() -> None:
    """In `skillbite run` before any worker: start from live processes' numbers only."""
    ensure_directory()
    path = directory()
    if path is not None:
        remove_dead_process_files(path)


def at_worker_start() -> None:
    """In each web worker as it starts: forget the live gauges of exited processes (a crashed predecessor)."""
    path = directory()
    if path is not None:
        mark_dead_processes(path)
