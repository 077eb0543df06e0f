"""The PostgreSQL pool: a connection that sat idle is checked before use; one just returned is not."""

from __future__ import annotations

import sqlalchemy as sa

from plugin import db
from tests.conftest import POSTGRES_URL


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_dead_idle_connection_is_replaced_before_a_request_uses_it(monkeypatch):
    engine = db.make_engine(POSTGRES_URL)
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        first = _backend_pid(engine)
        with admin.connect() as conn:  # what a server restart or a proxy's idle timeout does
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(db, "IDLE_BEFORE_PING_SECONDS", 0.0)
        assert _backend_pid(engine) != first  # no error: the pool pinged, found it dead, connected anew
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_just_returned_is_used_without_a_ping():
    engine = db.make_engine(POSTGRES_URL)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        pid = _backend_pid(engine)
        assert _backend_pid(engine) == pid  # the same connection (LIFO), and only our two statements ran
        assert statements == ["SELECT pg_backend_pid()"] * 2
    finally:
        engine.dispose()
