"""`skillbite run`: gunicorn in-process, configured from Skillbite's config."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from plugin.config import Config


class SkillbiteServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from plugin import create_app

        return create_app(self._config)


def serve(config: Config, *, host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 30,
        "graceful_timeout": 20,
        "accesslog": None,  # request logs come from the app, without query strings (launch tokens)
        "forwarded_allow_ips": "127.0.0.1",
        "preload_app": False,
    }
    SkillbiteServer(config, options).run()
