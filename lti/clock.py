"""The one clock of the library: every time-dependent function takes ``clock: Clock = system_clock``.

Tests pass a fixed or stepping clock instead of patching :func:`time.time`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


def system_clock() -> float:
    """Seconds since the epoch, the unit of JWT ``exp``/``iat`` (RFC 7519 §2 NumericDate)."""
    return time.time()
