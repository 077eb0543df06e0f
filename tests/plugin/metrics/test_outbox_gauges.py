"""Outbox depth and oldest age, read from the database at scrape time."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from plugin.db import make_engine, make_sessionmaker, utcnow
from plugin.metrics.collectors import OutboxCollector
from plugin.outbox.models import OutboxMessage
from plugin.outbox.services import NewMessage, enqueue_many

from .helpers import scrape, value


def add_messages(runtime, kind: str, count: int, *, age: dt.timedelta, status: str = "queued") -> None:  # type: ignore[no-untyped-def]
    created = utcnow() - age
    with runtime.sessions() as session, session.begin():
        enqueue_many(session, [NewMessage(kind, "https://lrs.example.com/xapi", f"{kind}-{status}-{i}", {"n": i})
                               for i in range(count)], now=created)
        if status != "queued":
            session.execute(sa.update(OutboxMessage).where(OutboxMessage.kind == kind)
                            .values(status=status))


def test_depth_counts_waiting_messages_by_kind_and_status(client, runtime):
    add_messages(runtime, "xapi", 3, age=dt.timedelta(seconds=5))
    add_messages(runtime, "ags", 2, age=dt.timedelta(seconds=5), status="parked")
    text = scrape(client)
    assert value(text, "skillbite_outbox_up") == 1
    assert value(text, "skillbite_outbox_depth", kind="xapi", status="queued") == 3
    assert value(text, "skillbite_outbox_depth", kind="ags", status="parked") == 2
    assert value(text, "skillbite_outbox_depth", kind="ags", status="queued") == 0


def test_oldest_age_is_the_age_of_the_oldest_queued_message(client, runtime):
    add_messages(runtime, "xapi", 1, age=dt.timedelta(minutes=10))
    age = value(scrape(client), "skillbite_outbox_oldest_age_seconds", kind="xapi")
    assert 600 <= age < 660


def test_delivered_messages_are_not_in_the_depth(client, runtime):
    add_messages(runtime, "xapi", 2, age=dt.timedelta(seconds=1), status="delivered")
    text = scrape(client)
    assert value(text, "skillbite_outbox_depth", kind="xapi", status="delivered") == 0
    assert value(text, "skillbite_outbox_depth", kind="xapi", status="queued") == 0


def test_a_database_without_the_outbox_table_reports_down_instead_of_failing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        families = {family.name: family for family in OutboxCollector(make_sessionmaker(engine)).collect()}
    finally:
        engine.dispose()
    assert [sample.value for sample in families["skillbite_outbox_up"].samples] == [0]
    assert "skillbite_outbox_depth" not in families
