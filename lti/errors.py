"""Errors a person can read.

Every rejected launch becomes a :class:`LaunchError` with a stable ``code`` (for logs, metrics and
tests), a ``message`` saying what went wrong and a ``hint`` saying what the LMS admin should check.
The web layer turns it into a 4xx page; nothing in this library raises anything else for bad input.
"""

from __future__ import annotations


class LaunchError(Exception):
    """A launch, login or registration step that cannot go on, for a reason outside the tool."""

    status = 400

    def __init__(self, code: str, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status


class RegistrationError(LaunchError):
    """LTI Dynamic Registration 1.0 could not be completed."""


class ServiceError(Exception):
    """A call to a platform service (token, AGS, NRPS) failed; ``retryable`` says whether to try again."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
