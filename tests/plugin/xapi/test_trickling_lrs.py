"""An LRS that answers a byte at a time holds a call no longer than the LRS timeout (plus connect).

The read timeout alone bounds each wait for bytes, so such an LRS used to hold the console's Test button
(a web worker) and the outbox worker for as long as it kept trickling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from lti.outbound import OutboundPolicy
from plugin.db import transaction
from plugin.events import publish
from plugin.outbox.models import OutboxMessage
from plugin.xapi.cli import check_destination
from plugin.xapi.delivery import LrsClient
from plugin.xapi.services import Destination

BYTE_EVERY = 0.2  # seconds between two bytes: well inside any read timeout used here
TRICKLE_CAP = 4.0  # the server gives up on its own after this, so a broken client still ends the test
BODY = b'{"version":["1.0.3"]}' + b" " * 200  # would take 40 s at a byte each BYTE_EVERY


class TricklingLrs:
    """An HTTP server on 127.0.0.1 answering every request 200 at once, then its body one byte at a time."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.requests = 0
        trickler = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _trickle(self) -> None:
                trickler.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.flush()
                until = time.monotonic() + TRICKLE_CAP
                try:
                    for i in range(len(BODY)):
                        if self.stop_now(until):
                            break
                        self.wfile.write(BODY[i:i + 1])
                        self.wfile.flush()
                        time.sleep(BYTE_EVERY)
                except OSError:
                    pass  # the client gave up and closed: what the test wants
                self.close_connection = True

            @staticmethod
            def stop_now(until: float) -> bool:
                return trickler.stop.is_set() or time.monotonic() > until

            do_GET = _trickle
            do_POST = _trickle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> TricklingLrs:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)


@pytest.fixture
def trickling_lrs() -> Iterator[TricklingLrs]:
    with TricklingLrs() as server:
        yield server


def test_the_lrs_test_gives_up_on_a_trickling_lrs_within_its_timeout(trickling_lrs: TricklingLrs) -> None:
    destination = Destination(1, "trickle", trickling_lrs.url, "key", "secret", "1.0.3", 10)
    client = LrsClient(destination, 0.5, OutboundPolicy(allow_loopback=True, peer="LRS"))
    started = time.monotonic()
    try:
        checks = check_destination(client)
    finally:
        client.http.close()
    elapsed = time.monotonic() - started
    assert checks == [(False, "no answer within 0.5 s")]
    assert elapsed < 1.5  # connect (0.5) + read (0.5) and a little; it used to be as long as the trickle


def test_delivery_to_a_trickling_lrs_is_retried_and_frees_the_worker(runtime: Any, learner: Any, add_lrs: Any,
                                                                     deliver: Any,
                                                                     trickling_lrs: TricklingLrs) -> None:
    add_lrs(trickling_lrs.url, ("key", "secret"))
    for event in learner.session_events()[:2]:
        with transaction(runtime.sessions) as session:
            publish(session, event)
    started = time.monotonic()
    deliver(seconds=1.0, lrs_timeout=0.3)
    elapsed = time.monotonic() - started
    with transaction(runtime.sessions) as session:
        waiting = session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in waiting} == {"queued"}  # retried later, not delivered, not parked
    assert all("did not answer within 0.3 s" in (m.last_error or "") for m in waiting)
    assert trickling_lrs.requests >= 2  # the worker got free for another try within its second
    assert elapsed < 2.5
