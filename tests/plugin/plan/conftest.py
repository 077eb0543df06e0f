from tests.plugin.player.launches import demo_course, launch_as  # noqa: F401
from tests.plugin.skills.support import demo_skills  # noqa: F401
