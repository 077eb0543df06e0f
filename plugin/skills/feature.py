"""Loads the tables and event handlers of skills, plan and review (one import for plugin.models)."""

from plugin.plan import handlers as plan_handlers  # noqa: F401
from plugin.plan import models as plan_models  # noqa: F401
from plugin.review import handlers as review_handlers  # noqa: F401
from plugin.review import models as review_models  # noqa: F401
from plugin.skills import handlers as skills_handlers  # noqa: F401
from plugin.skills import models as skills_models  # noqa: F401
