"""Launch fixtures for the metrics tests: the launch tests' StrictPlatform and browser."""

from tests.plugin.launch.conftest import browser, platform  # noqa: F401
