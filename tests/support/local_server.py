"""A bounded WSGI server on 127.0.0.1 in a background thread, for the test platforms."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

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


class ServedPlatform:
    """What every test platform shares: a :class:`LocalServer` made on first use, and its lifecycle.

    Subclasses set ``self._lock`` (an RLock) and ``self._server = None`` in ``__init__`` and give their
    routes in :meth:`_routes`.
    """

    _lock: threading.RLock
    _server: LocalServer | None
    last_redirect_uri: str | None
    tool_launch_url: str

    def _routes(self) -> Mapping[tuple[str, str], Handler]:
        raise NotImplementedError

    @property
    def server(self) -> LocalServer:
        with self._lock:
            if self._server is None:
                self._server = LocalServer(self._routes())
            return self._server

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    @contextmanager
    def serve(self) -> Iterator[Self]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    # Both test platforms serve the same paths (the auth endpoint may be played by the test itself).
    @property
    def auth_login_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def auth_token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    def finish(self, browser: Any, form: Mapping[str, str], *, url: str | None = None) -> Any:
        """POST the id_token form to the tool (the redirect_uri of the last auth request by default)."""
        return browser.post(url or self.last_redirect_uri or self.tool_launch_url, dict(form))
