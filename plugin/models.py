"""Imports every feature's models so that SQLAlchemy and Alembic see all tables."""

from plugin.keys import models as keys_models  # noqa: F401
from plugin.launch import models as launch_models  # noqa: F401
from plugin.platforms import models as platforms_models  # noqa: F401
