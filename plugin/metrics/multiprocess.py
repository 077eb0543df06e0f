"""Prometheus multi-process mode for gunicorn (and workers on the same host).

With ``PROMETHEUS_MULTIPROC_DIR`` set before the processes start, each process writes its counters to
memory-mapped files in that directory, and ``/metrics`` adds up the files of every process. The
directory must be private to one host (file names carry process ids) and empty of stale processes'
files at start; the gunicorn hooks below keep it so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

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
        match = _FILE_PID.search(file.name)
        if match and not _alive(int(match.group(1))):
            file.unlink(missing_ok=True)
            removed.append(file)
    return removed


def on_starting(_server: Any) -> None:
    """gunicorn hook, in the master before any worker: start from live processes' numbers only."""
    ensure_directory()
    path = directory()
    if path is not None:
        remove_dead_process_files(path)


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn hook, in the master when a worker exits: drop its live gauges (its counters stay)."""
    path = directory()
    if path is not None:
        prometheus_multiprocess.mark_process_dead(worker.pid, str(path))  # type: ignore[no-untyped-call]
