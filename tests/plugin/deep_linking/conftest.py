from tests.plugin.player.launches import demo_course, launch_as  # noqa: F401
