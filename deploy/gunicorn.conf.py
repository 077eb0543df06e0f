"""Gunicorn configuration of the container image and the systemd units.

``skillbite run`` reads this file when SKILLBITE_GUNICORN_CONFIG names it (the image sets
``/etc/skillbite/gunicorn.conf.py``): Skillbite's settings first, this file over them, then the
command line's --host/--port/--workers. The settings themselves live in one place,
``plugin.server.gunicorn_settings``; this file adds only what a container or VM needs on top.

It also works with a stock gunicorn, for those who run their own:
``gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8000``.
"""

from plugin.config import Config
from plugin.server import gunicorn_settings

_config = Config.from_env()

globals().update(gunicorn_settings(_config))

# A stock `gunicorn -c` builds the app from this factory; `skillbite run` builds its own.
wsgi_app = "plugin.server:wsgi_app()"
workers = _config.workers

# The worker heartbeat file goes to memory: the image's root filesystem is read-only, and a disk-backed
# heartbeat can stall a worker (gunicorn docs, "Blocking os.fchmod").
worker_tmp_dir = "/dev/shm"  # noqa: S108  (gunicorn creates its own unlinked file there)
