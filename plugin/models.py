"""Imports every feature's models so that SQLAlchemy and Alembic see all tables."""

from plugin.admin import models as admin_models  # noqa: F401
from plugin.api import models as api_models  # noqa: F401
from plugin.catalog import models as catalog_models  # noqa: F401
from plugin.credentials import models as credentials_models  # noqa: F401
from plugin.grades import feature as grades_feature  # noqa: F401  (grades, roster)
from plugin.keys import models as keys_models  # noqa: F401
from plugin.launch import models as launch_models  # noqa: F401
from plugin.outbox import models as outbox_models  # noqa: F401
from plugin.platforms import models as platforms_models  # noqa: F401
from plugin.progress import models as progress_models  # noqa: F401
from plugin.registration import models as registration_models  # noqa: F401
from plugin.skills import feature as skills_feature  # noqa: F401  (skills, plan, review)
from plugin.xapi import models as xapi_models  # noqa: F401
