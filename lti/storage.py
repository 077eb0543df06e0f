"""What the protocol library needs from the tool's storage, as small Protocols.

The tool (``plugin``) implements these over its database; tests implement them in memory.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol


class DeploymentPolicy(enum.Enum):
    """How an unknown ``deployment_id`` is treated (LTI Core 1.3 §5.3.3).

    ``KNOWN_ONLY`` rejects it. ``RECORD_FIRST_SEEN`` accepts and records it, an explicit per-platform
    choice for Canvas, which makes a new deployment per install.
    """

    KNOWN_ONLY = "known_only"
    RECORD_FIRST_SEEN = "record_first_seen"


@dataclass(frozen=True)
class PlatformRegistration:
    """One (issuer, client_id) pair registered with the tool."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    algorithm: str = "RS256"
    deployment_policy: DeploymentPolicy = DeploymentPolicy.KNOWN_ONLY
    audience: str | None = None  # token endpoint audience when it differs from auth_token_url
    enabled: bool = True


class RegistrationLookup(Protocol):
    def find_registration(self, issuer: str, client_id: str | None) -> PlatformRegistration | None:
        """The enabled registration for ``issuer`` and ``client_id``.

        With ``client_id`` None (a login request without it), the registration only when the issuer
        has exactly one.
        """

    def deployment_known(self, registration: PlatformRegistration, deployment_id: str) -> bool: ...

    def record_deployment(self, registration: PlatformRegistration, deployment_id: str) -> None: ...


class LaunchStateStore(Protocol):
    """Server-side OIDC state (Security Framework 1.0 §5.1.1.1) and used nonces (§5.1.3 step 9)."""

    def save_state(self, state: str, data: dict[str, Any], ttl_seconds: int) -> None: ...

    def take_state(self, state: str) -> dict[str, Any] | None:
        """Return and delete atomically: a state can be taken once, and not after its ttl."""

    def use_nonce(self, issuer: str, nonce: str, ttl_seconds: int) -> bool:
        """Record ``nonce`` as used; False when it was already used (a replay)."""


class KeySetCache(Protocol):
    """Cache of platform JWKS documents, shared by every worker process."""

    def get_key_set(self, url: str) -> tuple[dict[str, Any], float] | None:
        """The cached JWKS and the unix time it was fetched."""

    def put_key_set(self, url: str, key_set: dict[str, Any], fetched_at: float) -> None: ...


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key_pem: bytes
    algorithm: str = "RS256"


class ToolKeyStore(Protocol):
    """The tool's own RSA keys: one signs, all unretired ones are published."""

    def signing_key(self) -> SigningKey: ...

    def public_jwks(self) -> dict[str, Any]: ...


class AccessTokenCache(Protocol):
    """Service access tokens (Security Framework 1.0 §4.1), shared by the processes that call services.

    ``key`` names a registration and a scope set. An entry whose ``expires_at`` (unix time) has passed is
    stale: :meth:`lti.service_token.ServiceTokens.invalidate` writes one to drop a refused token.
    """

    def get(self, key: str) -> tuple[str, float] | None:
        """The cached (access token, expires_at), if any."""

    def put(self, key: str, token: str, expires_at: float) -> None: ...
