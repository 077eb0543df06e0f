"""`skillbite run`: granian in-process, configured from Skillbite's config.

:func:`server_settings` is the one place the server settings live; ``skillbite run`` adds the bind
address and the process count (``--host``, ``--port``, ``--workers`` or SKILLBITE_WORKERS). granian's
main process forks the workers; each worker builds its own app with :func:`wsgi_app` (its own database
pool, its own metrics files), so a stock ``granian --interface wsgi --factory plugin.server:wsgi_app``
serves the same app too, though with granian's defaults unless given these settings.
"""

from __future__ import annotations

import errno
import gc
import os
import signal
import socket
from collections.abc import Callable, Iterable
from typing import Any

import click
from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer

from plugin import checkpoints
from plugin.config import Config
from plugin.metrics import multiprocess
from plugin.proxy import TrustedProxy, WSGIApp

TARGET = "plugin.server:wsgi_app"


def server_settings(config: Config) -> dict[str, Any]:
    """granian's settings for `skillbite run` (bind address and workers excluded), each with its reason."""
    return {
        "interface": Interfaces.WSGI,
        # Each worker calls wsgi_app() after the fork: nothing of the app (database connections, metrics
        # files) is shared between processes.
        "factory": True,
        # One request at a time per worker process; concurrency comes from the workers. A request waits
        # on the network only for a platform's key set (cached, re-fetched at most once a minute) and
        # during dynamic registration: calls to the LRS and the LMS go through the outbox. Python threads
        # would only add GIL hand-offs: with 4, bench/launch.py measured ~25% more CPU per launch and
        # twice the p99 at concurrency 4.
        "blocking_threads": 1,
        # HTTP/1.1 only, with keep-alive (the proxy reuses its connections). No HTTP/2 (the proxy talks
        # HTTP/1.1 to us) and no websockets (nothing uses them; granian's WSGI has none anyway).
        "http": HTTPModes.http1,
        # An idle kept-alive connection is closed after 5 s, as gunicorn's keepalive was: granian times
        # waiting for the next request's headers with this (its default, 30 s, would also let a slow
        # client hold a connection that long before sending its headers).
        "http1_settings": HTTP1Settings(keep_alive=True, header_read_timeout=5_000),
        "websockets": False,
        # A worker that dies is replaced. When the replacements die as they start (a schema behind the
        # code, a bad master key), granian sees a crash loop and `skillbite run` exits with status 1.
        "respawn_failed_workers": True,
        # SIGTERM: stop accepting, let requests in flight finish, and kill what is still running after
        # 20 s (gunicorn's graceful_timeout); Kubernetes and systemd give 30 s before their own SIGKILL.
        "workers_kill_timeout": 20,
        # No access log: the reverse proxy or ingress keeps it (deploy/nginx logs paths without query
        # strings, which can carry launch tokens); the app logs events, not requests. granian's own lines
        # (start, workers, stop) use the app's format.
        "log_access": False,
        "log_level": LogLevels(config.log_level.lower()),
        "log_dictconfig": _log_config(config),
        # backlog and backpressure stay granian's defaults: each worker listens on a socket of its own
        # (SO_REUSEPORT) with 1024 pending connections, and takes up to 1024 / workers requests at once
        # (one runs, the others wait for it).
    }


def _log_config(config: Config) -> dict[str, Any]:
    """granian's ``_granian`` logger on standard error, formatted and redacted like every Skillbite log."""
    return {
        "formatters": {"skillbite": {"()": "plugin.logs.formatter", "fmt": config.log_format}},
        "filters": {"redact": {"()": "plugin.logs.RedactingFilter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "skillbite", "filters": ["redact"]}},
        "loggers": {"_granian": {"handlers": ["stderr"], "propagate": False}},
    }


class SkillbiteServer(MPServer):
    """granian with worker processes, except that a worker stopped while it is still starting ends at once.

    Processes, not granian's worker threads (its default on free-threaded Python): each worker has its own
    database pool and metrics files, and the pid-based bookkeeping of plugin/metrics/multiprocess.py.
    """

    def signal_handler_interrupt(self, signum: int, frame: Any) -> None:
        if self.pid is not None and os.getpid() != self.pid:
            # A worker forked a moment ago runs this, the main process's handler, until granian installs
            # the worker's own once the app is built. Here the signal would be swallowed and the stop
            # would wait out workers_kill_timeout: the worker serves nothing yet, so it dies of the signal.
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        super().signal_handler_interrupt(signum, frame)  # type: ignore[no-untyped-call]


def refuse_address_in_use(host: str, port: int) -> None:
    """Stop, naming the port, when something already listens on ``host:port``.

    granian binds each worker's socket with SO_REUSEPORT, so a second `skillbite run` on a port in use
    would start without complaint and the kernel would share the connections between the two servers.
    A bind without SO_REUSEPORT fails with EADDRINUSE against any listener there. SO_REUSEADDR keeps the
    connections of a server just stopped (TIME_WAIT) from counting as a listener.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} on {host} is in use: another Skillbite or program listens there. Stop it, "
                    f"or choose another port (--port).") from None
            raise click.ClickException(f"cannot listen on port {port} on {host}: {exc.strerror}") from None


def serve(config: Config, *, host: str, port: int, workers: int) -> None:
    """Serve until SIGTERM or SIGINT; SIGHUP replaces the workers one by one (see docs/operations.md)."""
    refuse_address_in_use(host, port)
    multiprocess.at_server_start()
    SkillbiteServer(TARGET, address=host, port=port, workers=workers, **server_settings(config)).serve()


class WithoutProcessEnvironment:
    """WSGI middleware: the request's environ without the server process's environment variables.

    granian starts every WSGI environ from a copy of ``os.environ`` (CGI style; gunicorn does not), so
    SKILLBITE_MASTER_KEY, the database URL and any ``HTTP_PROXY`` would sit among the request's headers.
    Values the request itself set (a header of the same name, a different value) are kept.
    """

    # The request's own CGI variables, which granian sets over the process's copy.
    REQUEST_KEYS = frozenset({"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
                              "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR",
                              "GATEWAY_INTERFACE", "SERVER_SOFTWARE"})

    def __init__(self, app: WSGIApp, process_environment: dict[str, str] | None = None) -> None:
        self.app = app
        source = dict(os.environ) if process_environment is None else process_environment
        self._process = tuple((key, value) for key, value in source.items() if key not in self.REQUEST_KEYS)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for key, value in self._process:
            if environ.get(key) == value:
                del environ[key]
        return self.app(environ, start_response)


def wsgi_app() -> Flask:
    """What each granian worker serves: the app, behind the scheme of trusted proxies only."""
    from plugin import create_app

    multiprocess.at_worker_start()
    config = Config.from_env()
    app = create_app(config)
    # Flask's way to add WSGI middleware. Outermost first: a process variable named
    # HTTP_X_FORWARDED_PROTO must not pass for the proxy's header.
    app.wsgi_app = WithoutProcessEnvironment(  # type: ignore[method-assign]
        TrustedProxy(app.wsgi_app, config.forwarded_allow_ips))
    # Off the request path: plugin/checkpoints.py says why.
    app.extensions["skillbite_checkpoints"] = checkpoints.start_for(app.extensions["skillbite"].engine)
    # What the app built at start (models, compiled statements, templates) lives as long as the worker:
    # out of the garbage collector's sight, its full collections stop walking it in the middle of
    # requests, which showed as latency spikes (gc.freeze, Python 3.7+).
    gc.freeze()
    return app
