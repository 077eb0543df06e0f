"""A bounded WSGI server on 127.0.0.1 in a background thread, for the test platforms."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Handler = Callable[[Request], Response]

_SHUTDOWN_TIMEOUT = 5.0


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's per-request access log out of test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class LocalServer:
    """Serves ``routes`` ({(METHOD, path): handler}), or a whole WSGI ``app``, on ``127.0.0.1:<free port>``.

    The socket is bound on construction so that ``base_url`` is known before ``start()``; ``stop()``
    closes it and is idempotent. Use it as a context manager to be sure it is closed.
    """

    def __init__(
        self, routes: Mapping[tuple[str, str], Handler] | None = None, *, app: WSGIApplication | None = None
    ) -> None:
        self.routes: dict[tuple[str, str], Handler] = dict(routes or {})
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app if app is not None else self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None
        self._closed = False
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            known = {path for (_, path) in self.routes}
            status = 405 if request.path in known else 404
            response = json_response({"error": "not_found" if status == 404 else "method_not_allowed"}, status)
        else:
            response = handler(request)
        return response(environ, start_response)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._closed:
            raise RuntimeError("LocalServer was stopped; make a new one")
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"test-platform-{self.port}",
        )
        self._thread.start()

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=_SHUTDOWN_TIMEOUT)
            if self._thread.is_alive():
                raise RuntimeError(f"test platform server on port {self.port} did not stop")
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
