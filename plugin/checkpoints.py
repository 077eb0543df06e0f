"""SQLite WAL checkpoints in a thread of their own, never inside a learner's request.

SQLite copies its write-ahead log back into the database file (a checkpoint) inside whichever commit
pushes the log past ``wal_autocheckpoint`` pages, 1000 by default (https://sqlite.org/wal.html#ckpt). A
launch writes about 16 pages, so one launch in every ~60 paid for copying everyone's pages: at
concurrency 1, bench/launch.py measured a p99 of 6.8–9.0 ms with automatic checkpoints and 4.9–6.1 ms
without them, for the same p50 (3.6–4.2 ms).

So a web worker turns automatic checkpoints off on its request connections and runs a PASSIVE checkpoint
from a daemon thread: after every :attr:`Checkpointer.every_commits` commits of the process, and every
:attr:`Checkpointer.idle_seconds` if anything was committed since the last one. PASSIVE copies what it
can without waiting for readers or writers, and the sqlite3 module lets go of the GIL while SQLite
works, so requests go on meanwhile. The outbox worker and the CLI keep SQLite's automatic checkpoints:
nobody waits on their commits.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger("skillbite.db")


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def start_for(engine: sa.Engine) -> Checkpointer | None:
    """A running checkpointer when ``engine`` is an SQLite file; None otherwise (PostgreSQL needs none)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Checkpointer(engine).start()


class Checkpointer:
    """Checkpoints one SQLite database from a daemon thread; see the module's docstring."""

    every_commits = 100  # ~1600 pages of launches: about where SQLite's own threshold would have fired
    idle_seconds = 5.0

    def __init__(self, engine: sa.Engine, *, every_commits: int | None = None,
                 idle_seconds: float | None = None) -> None:
        if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
            raise ValueError("only an SQLite database file has a write-ahead log to checkpoint")
        self.engine = engine
        self.every_commits = every_commits or self.every_commits
        self.idle_seconds = idle_seconds or self.idle_seconds
        self.checkpoints = 0  # how many ran, for tests and the curious
        self._commits = 0
        self._checkpointed_at = 0
        self._due = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def start(self) -> Checkpointer:
        event.listen(self.engine, "connect", _no_automatic_checkpoints)
        event.listen(self.engine, "commit", self._committed)
        # Connections opened before this (the app's start-up checks) would keep checkpointing: reopen them.
        self.engine.dispose()
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._due.set()
        self._thread.join(timeout)
        event.remove(self.engine, "commit", self._committed)
        event.remove(self.engine, "connect", _no_automatic_checkpoints)

    def _committed(self, _connection: Any) -> None:
        # Read-only requests commit too; they only make the next checkpoint come a little early.
        self._commits += 1
        if self._commits % self.every_commits == 0:
            self._due.set()

    def _run(self) -> None:
        # Its own connection, outside the pool: the pool hands requests the connection returned last
        # (plugin/db.py), whose page cache is warm; this one would be cold.
        connection: sqlite3.Connection | None = None
        try:
            while not self._stopping.is_set():
                self._due.wait(self.idle_seconds)
                self._due.clear()
                if self._stopping.is_set() or self._commits == self._checkpointed_at:
                    continue
                self._checkpointed_at = self._commits
                try:
                    connection = connection or sqlite3.connect(str(self.engine.url.database), timeout=30)
                    self.checkpoint(connection)
                    self.checkpoints += 1
                except Exception:
                    # Never let the thread die: with automatic checkpoints off, the log would then grow
                    # until the process restarts. The next round tries again on a new connection.
                    log.warning("sqlite checkpoint failed", exc_info=True)
                    if connection is not None:
                        connection.close()
                    connection = None
        finally:
            if connection is not None:
                connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        # A row (busy, log pages, checkpointed pages); busy=1 means another process was checkpointing.
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
