"""A server on 127.0.0.1 that answers 200 at once, then its body one byte at a time: what a per-read timeout
never stops. It gives up on its own after TRICKLE_CAP seconds, so a client that does not still ends."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BYTE_EVERY = 0.2  # seconds between two bytes: well inside any read timeout used here
TRICKLE_CAP = 4.0  # the server gives up on its own after this, so a broken client still ends the test
BODY = b'{"version":["1.0.3"]}' + b" " * 200  # would take 40 s at a byte each BYTE_EVERY


class TricklingServer:
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

    def __enter__(self) -> TricklingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)
