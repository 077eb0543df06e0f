from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.lti.ags_server import StrictPlatform

from .support import load_course, register_lms, start_lms


@pytest.fixture
def lms(runtime: Any) -> Iterator[StrictPlatform]:
    """The strict AGS/NRPS LMS (Moodle's URLs and refusals), registered with the tool; the course loaded."""
    platform = start_lms(runtime)
    try:
        platform.platform_id = register_lms(runtime, platform)  # type: ignore[attr-defined]
        load_course(runtime)
        yield platform
    finally:
        platform.__exit__(None, None, None)
