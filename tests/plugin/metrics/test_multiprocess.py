"""Multi-process mode: counters of several processes (web workers) add up in one scrape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugin.metrics.multiprocess import at_server_start, at_worker_start, remove_dead_process_files

from .helpers import value

ROOT = Path(__file__).resolve().parents[3]

COUNT = "from plugin.metrics.counters import CREDENTIALS_ISSUED; CREDENTIALS_ISSUED.inc({n})"
SCRAPE = ("import sys; from prometheus_client import generate_latest; "
          "from plugin.metrics.exposition import scrape_registry; "
          "sys.stdout.write(generate_latest(scrape_registry()).decode())")


def run_python(code: str, metrics_dir: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_counters_of_separate_processes_add_up(tmp_path: Path):
    run_python(COUNT.format(n=2), tmp_path)
    run_python(COUNT.format(n=3), tmp_path)
    assert value(run_python(SCRAPE, tmp_path), "skillbite_credentials_issued_total") == 5


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True, timeout=30)
    return int(finished.stdout)


def test_files_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path):
    dead = tmp_path / f"counter_{dead_pid()}.db"
    alive = tmp_path / f"counter_{os.getpid()}.db"
    dead.write_bytes(b"")
    alive.write_bytes(b"")
    assert remove_dead_process_files(tmp_path) == [dead]
    assert alive.exists() and not dead.exists()


def test_skillbite_run_starts_from_live_processes_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    metrics = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    metrics.mkdir()
    (metrics / f"counter_{dead_pid()}.db").write_bytes(b"")
    at_server_start()
    assert list(metrics.iterdir()) == []


def test_a_starting_worker_drops_live_gauges_of_exited_processes_but_keeps_their_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A worker granian respawns after a crash: its predecessor's live gauges go, its counts still add up."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gone, alive = dead_pid(), os.getpid()
    for name in (f"gauge_livesum_{gone}.db", f"counter_{gone}.db", f"gauge_livesum_{alive}.db"):
        (tmp_path / name).write_bytes(b"")
    at_worker_start()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([f"counter_{gone}.db",
                                                                        f"gauge_livesum_{alive}.db"])


def test_a_counter_of_an_exited_worker_still_counts_after_a_worker_starts(tmp_path: Path):
    run_python(COUNT.format(n=2), tmp_path)  # a worker that counted, then exited
    run_python("from plugin.metrics.multiprocess import at_worker_start; at_worker_start()", tmp_path)
    assert value(run_python(SCRAPE, tmp_path), "skillbite_credentials_issued_total") == 2
