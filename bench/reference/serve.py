"""Serve the PyLTI1p3 reference tool (or the floor app), under gunicorn gthread or under granian with
Skillbite's settings.

* ``--server gunicorn`` (the default): gunicorn gthread with the settings Skillbite itself used while it
  ran on gunicorn (:data:`GUNICORN_SETTINGS`), so the reference's numbers stay comparable with earlier runs.
* ``--server granian``: granian as ``skillbite run`` runs it (``plugin.server``: its server class and
  ``server_settings``), so the reference can also be compared with Skillbite on the same server. Only the
  server is shared: the reference app is served as it is, without Skillbite's WSGI middleware.
* ``--app floor``: bench/reference/floor_tool.py, the same exchange with none of the work done;
  ``--app minimum``: bench/reference/minimum_tool.py, the floor plus the checks LTI 1.3 requires.

    python bench/reference/serve.py --bind 127.0.0.1:8001 --workers 2 [--server granian] [--app floor|minimum]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GUNICORN_SETTINGS: dict[str, Any] = {
    "worker_class": "gthread", "threads": 4, "timeout": 30, "graceful_timeout": 20, "keepalive": 5,
    "accesslog": None, "preload_app": False, "forwarded_allow_ips": "127.0.0.1",
}


def gunicorn_settings() -> dict[str, Any]:
    from gunicorn.config import KNOWN_SETTINGS

    settings = dict(GUNICORN_SETTINGS)
    if "control_socket_disable" in {setting.name for setting in KNOWN_SETTINGS}:
        settings["control_socket_disable"] = True  # gunicorn >= 25.1: as Skillbite set it, no socket in $HOME
    return settings


# --app: the module whose create_app() is served
APPS = {"pylti1p3": "pylti1p3_tool", "floor": "floor_tool", "minimum": "minimum_tool"}


def serve_gunicorn(bind: str, workers: int, module: str) -> None:
    from gunicorn.app.base import BaseApplication

    class ReferenceServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {**gunicorn_settings(), "bind": bind, "workers": workers}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return __import__(module).create_app()

    print("reference server: gunicorn", {**gunicorn_settings(), "workers": workers}, flush=True)
    ReferenceServer().run()


def serve_granian(bind: str, workers: int, module: str) -> None:
    from plugin.config import Config
    from plugin.server import SkillbiteServer, server_settings

    settings = server_settings(Config.from_env({}))
    host, _, port = bind.rpartition(":")
    print("reference server: granian", {k: v for k, v in settings.items() if k != "log_dictconfig"},
          {"workers": workers}, flush=True)
    # The workers are forked from this process and import the target from HERE (on sys.path).
    SkillbiteServer(f"{module}:create_app", address=host, port=int(port), workers=workers, **settings).serve()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True, help="HOST:PORT")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=("gunicorn", "granian"), default="gunicorn")
    parser.add_argument("--app", choices=tuple(APPS), default="pylti1p3")
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(REPO)]
    if args.server == "granian":
        serve_granian(args.bind, args.workers, APPS[args.app])
    else:
        serve_gunicorn(args.bind, args.workers, APPS[args.app])


if __name__ == "__main__":
    main()
