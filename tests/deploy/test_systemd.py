"""deploy/systemd: units that parse, run existing commands as an unprivileged user, migrations first."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .files import DEPLOY, resolve_command

UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED_BINARY = "/opt/skillbite/venv/bin/skillbite"


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd's unit syntax: [Section] headers, Key=Value lines (keys may repeat), # or ; comments."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None and key.strip().isidentifier(), f"{path.name}:{number}: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    return parse_unit(DEPLOY / "systemd" / name)


def test_the_three_units_exist():
    assert [path.name for path in UNITS] == ["skillbite-migrate.service", "skillbite-web.service",
                                             "skillbite-worker.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_unit_runs_an_existing_skillbite_command_as_the_skillbite_user(path):
    service = parse_unit(path)["Service"]
    (exec_start,) = service["ExecStart"]
    binary, *args = shlex.split(exec_start)
    assert binary == INSTALLED_BINARY
    resolve_command(args)
    assert service["User"] == ["skillbite"]


def test_migrate_is_a_oneshot_db_upgrade():
    service = unit("skillbite-migrate.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["RemainAfterExit"] == ["yes"]
    assert service["ExecStart"][0].endswith("skillbite db upgrade")


@pytest.mark.parametrize("name", ["skillbite-web.service", "skillbite-worker.service"])
def test_web_and_worker_require_the_migration_first(name):
    section = unit(name)["Unit"]
    assert "skillbite-migrate.service" in section["Requires"][0].split()
    assert "skillbite-migrate.service" in section["After"][0].split()


def test_web_listens_on_loopback_behind_the_proxy():
    (exec_start,) = unit("skillbite-web.service")["Service"]["ExecStart"]
    assert "--host 127.0.0.1 --port 8000" in exec_start
    assert "server 127.0.0.1:8000;" in (DEPLOY / "nginx" / "skillbite.conf").read_text()


def test_web_and_worker_share_one_metrics_directory():
    def directory(name: str) -> str:
        (value,) = [v for v in unit(name)["Service"]["Environment"] if v.startswith("PROMETHEUS_MULTIPROC_DIR=")]
        return value

    assert directory("skillbite-web.service") == directory("skillbite-worker.service")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    # `systemd-analyze verify` also checks that ExecStart's binary exists: point it at this checkout's.
    skillbite = Path(sys.executable).with_name("skillbite")
    for path in UNITS:
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED_BINARY, str(skillbite)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.glob("*")))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
