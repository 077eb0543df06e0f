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


class DeepLinkingError(LaunchError):
    """A Deep Linking 2.0 response the platform would not accept (wrong message, type or count)."""


class ServiceError(Exception):
    """A call to a platform service (token, AGS, NRPS) failed; ``retryable`` says whether to try again.

    ``retry_after`` is the platform's Retry-After (RFC 9110 §10.2.3) in seconds from now, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
