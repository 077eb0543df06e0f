"""`skillbite run` on a port something already listens on stops with a message, instead of sharing it.

granian binds with SO_REUSEPORT: without the check, a second server would start and the kernel would
split the connections between the two.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from plugin.migrate import upgrade

from .files import ROOT


@pytest.fixture(params=["plain", "reuseport"])
def held_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on: a plain one, or one like granian (SO_REUSEPORT)."""
    with socket.socket() as listener:
        if request.param == "reuseport":  # another `skillbite run`: without the check, ours would join it
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_run_on_a_port_in_use_exits_naming_the_port(tmp_path: Path, database_url: str, held_port: int) -> None:
    upgrade(database_url)
    env = {**os.environ, "SKILLBITE_DATABASE_URL": database_url, "SKILLBITE_INSTANCE_PATH": str(tmp_path),
           "SKILLBITE_MASTER_KEY": Fernet.generate_key().decode(), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m"),
           "SKILLBITE_BASE_URL": f"http://127.0.0.1:{held_port}"}
    server = subprocess.Popen([sys.executable, "-m", "plugin.cli", "run", "--host", "127.0.0.1", "--port",
                               str(held_port), "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # its own session: the main process and any workers it forked
        _, stderr = server.communicate()
        pytest.fail(f"`skillbite run` started on a port in use: {stderr[-2000:]}")
    assert server.returncode == 1, stderr
    assert f"port {held_port} on 127.0.0.1 is in use: another Skillbite or program listens there" in stderr, stderr
