"""Multi-process mode: counters of several processes (gunicorn workers) add up in one scrape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from plugin.metrics.multiprocess import remove_dead_process_files

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


def test_files_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True, timeout=30)
    dead = tmp_path / f"counter_{int(finished.stdout)}.db"
    alive = tmp_path / f"counter_{os.getpid()}.db"
    dead.write_bytes(b"")
    alive.write_bytes(b"")
    assert remove_dead_process_files(tmp_path) == [dead]
    assert alive.exists() and not dead.exists()
