"""The database: one engine per app, one session per request or command, typed models on :class:`Base`.

Alembic owns the schema (``skillbite db upgrade``); the app never calls ``create_all`` outside tests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from plugin.db_driver import DriverStatement

MIGRATIONS = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime()}


def utcnow() -> dt.datetime:
    """The one clock of the application."""
    return dt.datetime.now(dt.UTC)


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder: make the folder, so a first start just works."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> sa.Engine:
    ensure_sqlite_folder(url)
    if url.startswith("sqlite"):
        # LIFO: a request takes the connection the last one returned. SQLite drops a connection's page
        # cache whenever another connection wrote since it last read, so rotating through the pool
        # (FIFO, the default) made every launch re-read its pages from the OS.
        engine = sa.create_engine(url, connect_args={"timeout": 30}, pool_use_lifo=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets the worker and the web processes read while one writes.
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the database and spares an fsync on every commit;
            # a power cut may lose the last commits, which a single-file deployment accepts.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # A web worker answers one request at a time (plugin/server.py) with one session; a second connection
    # serves what runs beside it (a metrics scrape's outbox gauges), the overflow a burst of CLI work.
    engine = sa.create_engine(url, pool_size=2, max_overflow=2, pool_use_lifo=True)
    _ping_when_idle(engine)
    return engine


IDLE_BEFORE_PING_SECONDS = 10.0


def _ping_when_idle(engine: sa.Engine) -> None:
    """Pessimistic disconnect handling, for connections that sat idle: a server restart or a proxy's idle
    timeout kills those, not one returned a moment ago. SQLAlchemy's ``pool_pre_ping`` pings on every
    checkout, a round trip each time (three per launch); this pings one idle for more than
    :data:`IDLE_BEFORE_PING_SECONDS`, and a dead one is replaced before the request uses it
    (raising DisconnectionError from ``checkout`` makes the pool retry with a new connection).
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_BEFORE_PING_SECONDS:
            return  # new, or back from a request a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"idle connection is dead: {exc}") from exc


def make_sessionmaker(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed as one unit, or not at all."""
    with factory() as session, session.begin():
        yield session


def table_of(model: type[Base]) -> sa.Table:
    """The Core table behind a model, for hot statements that need no ORM (see :func:`dialect_insert`)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def dialect_insert(session: Session, model: type[Base]) -> Any:
    """INSERT with ON CONFLICT support (PostgreSQL and SQLite ≥ 3.24 share the syntax).

    On the model's table, not the mapped class: a Core statement skips the ORM's bulk-persistence
    machinery, which costs more than the insert itself on hot paths (launches, outbox).
    """
    return insert_for(session.get_bind().dialect.name, model)


def insert_for(dialect: str, model: type[Base]) -> Any:
    """:func:`dialect_insert` for a dialect name (what :class:`plugin.db_driver.DriverStatement` builders get)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table_of(model))


_upserts: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Any] = {}


def upsert_returning(session: Session, model: type[Base], keys: dict[str, Any], values: dict[str, Any],
                     *, on_insert: dict[str, Any] | None = None) -> dict[str, Any]:
    """Insert a row or update the one with these unique ``keys``; one statement, returns the row.

    ``values`` are written either way, ``on_insert`` only into a new row (its creation time, say).
    Concurrent first launches of the same user or course cannot collide: the database settles it.
    The statement is built once per shape and run on the driver (launches are hot: plugin.db_driver).
    """
    on_insert = on_insert or {}
    shape = (model.__tablename__, tuple(keys), tuple(values), tuple(on_insert))
    statement = _upserts.get(shape)
    if statement is None:
        table = table_of(model)

        def build(dialect: str) -> Any:
            insert = insert_for(dialect, model).values(
                {name: sa.bindparam(name, type_=table.c[name].type) for name in (*keys, *values, *on_insert)})
            updates = ({name: insert.excluded[name] for name in values}
                       or {name: insert.excluded[name] for name in keys})
            return insert.on_conflict_do_update(index_elements=list(keys), set_=updates).returning(*table.c)

        statement = _upserts.setdefault(shape, DriverStatement(build))
    row = statement.first(session, {**keys, **values, **on_insert})
    return dict(zip(table_of(model).c.keys(), row, strict=True))
