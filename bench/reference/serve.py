"""Serve the PyLTI1p3 reference tool under gunicorn with Skillbite's own server settings.

``plugin.server.gunicorn_settings`` (when this Skillbite has it) is where ``skillbite run`` takes its
worker class, threads, timeouts and keep-alive from; the reference gets the same, minus Skillbite's own
hooks (metrics). Older trees without that function get the settings plugin/server.py used to inline.

    python bench/reference/serve.py --bind 127.0.0.1:8001 --workers 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FALLBACK = {"worker_class": "gthread", "threads": 4, "timeout": 30, "graceful_timeout": 20,
            "accesslog": None, "forwarded_allow_ips": "127.0.0.1", "preload_app": False}
SKILLBITE_ONLY = {"on_starting", "child_exit", "post_fork", "post_worker_init", "worker_exit", "when_ready"}


def skillbite_settings() -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    try:
        from plugin.config import Config
        from plugin.server import gunicorn_settings
    except ImportError:
        return dict(FALLBACK)
    settings = gunicorn_settings(Config.from_env({}))
    return {k: v for k, v in settings.items() if k not in SKILLBITE_ONLY}


class ReferenceServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        sys.path.insert(0, str(HERE))
        from pylti1p3_tool import create_app

        return create_app()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--print-settings", action="store_true")
    args = parser.parse_args()
    options = {**skillbite_settings(), "bind": args.bind, "workers": args.workers}
    print("reference gunicorn settings:", {k: v for k, v in options.items() if not callable(v)}, flush=True)
    ReferenceServer(options).run()


if __name__ == "__main__":
    main()
