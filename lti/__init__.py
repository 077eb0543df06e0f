"""LTI 1.3 Advantage protocol library.

Knows JWTs, claims, OIDC third-party initiated login, the launch, and dynamic registration.
It imports neither Flask nor SQLAlchemy: storage arrives through the Protocols in
:mod:`lti.storage`, HTTP goes through :mod:`lti.http` (requests, always with timeouts).
"""

from lti.errors import LaunchError
from lti.message import LaunchMessage

__all__ = ["LaunchError", "LaunchMessage"]
