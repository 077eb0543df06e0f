"""`skillbite run`: gunicorn in-process, configured from Skillbite's config.

:func:`gunicorn_settings` is the one place the server settings live. ``skillbite run`` applies them, then
the file named by ``SKILLBITE_GUNICORN_CONFIG`` (the container's ``deploy/gunicorn.conf.py``), then the
command line's bind address and process count. ``deploy/gunicorn.conf.py`` imports the same function, so
plain ``gunicorn -c deploy/gunicorn.conf.py`` serves with the same settings too.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS

from plugin.config import Config, ConfigError
from plugin.metrics import multiprocess

_SETTING_NAMES = frozenset(setting.name for setting in KNOWN_SETTINGS)


def gunicorn_settings(config: Config) -> dict[str, Any]:
    """Server settings shared by `skillbite run` and deploy/gunicorn.conf.py (bind and workers excluded)."""
    settings: dict[str, Any] = {
        # Threads, not async workers: a launch waits on the LMS's JWKS and the database, and the code
        # is plain blocking Python.
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,  # request logs come from the app, without query strings (launch tokens)
        # Only these peers may say "this request came over HTTPS" (X-Forwarded-Proto): the reverse proxy.
        "forwarded_allow_ips": config.forwarded_allow_ips,
        "preload_app": False,
        # Prometheus multi-process mode: clear files of dead processes at start, and mark each worker
        # that exits (plugin/metrics/multiprocess.py). Both do nothing when the mode is off.
        "on_starting": multiprocess.on_starting,
        "child_exit": multiprocess.child_exit,
    }
    if "control_socket_disable" in _SETTING_NAMES:
        # gunicorn >= 25.1 opens a control socket under $HOME; the container's home is read-only and
        # nothing of ours uses gunicornc.
        settings["control_socket_disable"] = True
    return settings


def file_settings(path: Path) -> dict[str, Any]:
    """The gunicorn settings a configuration file defines (its other names are ignored, as gunicorn does)."""
    if not path.is_file():
        raise ConfigError(f"SKILLBITE_GUNICORN_CONFIG names {str(path)!r}, which is not a file.")
    return {name: value for name, value in runpy.run_path(str(path)).items() if name in _SETTING_NAMES}


class SkillbiteServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: Config, options: dict[str, Any], overrides: dict[str, Any]) -> None:
        self._config = config
        self._options = options
        self._overrides = overrides
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        if self._config.gunicorn_config is not None:
            for key, value in file_settings(self._config.gunicorn_config).items():
                self.cfg.set(key, value)
        for key, value in self._overrides.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from plugin import create_app

        return create_app(self._config)


def serve(config: Config, *, host: str, port: int, workers: int) -> None:
    SkillbiteServer(config, gunicorn_settings(config), {"bind": f"{host}:{port}", "workers": workers}).run()


def wsgi_app() -> Flask:
    """The application for a stock gunicorn: ``wsgi_app = "plugin.server:wsgi_app()"``."""
    from plugin import create_app

    return create_app(Config.from_env())
