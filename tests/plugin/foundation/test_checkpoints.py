"""SQLite checkpoints run in the web worker's own thread, not in a request's commit (plugin/checkpoints.py)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugin.checkpoints import Checkpointer, start_for
from plugin.db import make_engine

ROW = "x" * 3000  # about a page each


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (v TEXT)")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    yield engine
    engine.dispose()


def database_file(engine: sa.Engine) -> Path:
    return Path(str(engine.url.database))


def write(engine: sa.Engine, commits: int) -> None:
    for _ in range(commits):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t (v) VALUES (?)", (ROW,))


def wait_for(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_request_connections_never_checkpoint(engine: sa.Engine):
    checkpointer = Checkpointer(engine, every_commits=10_000, idle_seconds=3600).start()
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        before = database_file(engine).stat().st_size
        write(engine, 1100)  # past SQLite's 1000-page threshold: its automatic checkpoint would fire
        assert database_file(engine).stat().st_size == before, "a commit copied the log into the database"
    finally:
        checkpointer.stop()


def test_the_thread_checkpoints_after_enough_commits(engine: sa.Engine):
    checkpointer = Checkpointer(engine, every_commits=20, idle_seconds=3600).start()
    try:
        before = database_file(engine).stat().st_size
        write(engine, 20)
        assert wait_for(lambda: checkpointer.checkpoints == 1)
        assert database_file(engine).stat().st_size > before + 20 * 3000  # the rows reached the file
    finally:
        checkpointer.stop()


def test_a_quiet_process_still_checkpoints_what_it_wrote(engine: sa.Engine):
    checkpointer = Checkpointer(engine, every_commits=10_000, idle_seconds=0.1).start()
    try:
        time.sleep(0.3)
        assert checkpointer.checkpoints == 0  # nothing written, nothing to do
        write(engine, 3)
        assert wait_for(lambda: checkpointer.checkpoints == 1)
    finally:
        checkpointer.stop()


class FailsOnce(Checkpointer):
    failed = False

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        if not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("disk I/O error")
        super().checkpoint(connection)


def test_a_failed_checkpoint_is_logged_and_the_next_one_runs(engine: sa.Engine, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, "skillbite.db")
    checkpointer = FailsOnce(engine, every_commits=5, idle_seconds=3600).start()
    try:
        write(engine, 5)
        assert wait_for(lambda: "sqlite checkpoint failed" in caplog.text)
        write(engine, 5)
        assert wait_for(lambda: checkpointer.checkpoints == 1)
    finally:
        checkpointer.stop()


def test_only_an_sqlite_file_gets_one(engine: sa.Engine):
    memory = sa.create_engine("sqlite://")
    assert start_for(memory) is None
    memory.dispose()
    checkpointer = start_for(engine)
    assert checkpointer is not None
    checkpointer.stop()
