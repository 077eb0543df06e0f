"""Platform public keys, fetched from the platform's JWKS URL and cached.

Security Framework 1.0 §6.3: the platform publishes its keys at a JWKS URL and names the signing key
with ``kid``; the tool MUST use ``kid`` to select the key. Platforms rotate keys, so an unknown ``kid``
triggers one re-fetch of the key set (rate limited per URL) before the launch is refused.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWTError
from jwt.algorithms import RSAAlgorithm

from lti.clock import Clock, system_clock
from lti.errors import LaunchError, ServiceError
from lti.http import HttpClient
from lti.outbound import OutboundRefused
from lti.storage import KeySetCache, PlatformRegistration


def _matching_jwk(key_set: dict[str, Any], kid: str, algorithm: str) -> RSAPublicKey | None:
    """The RSA signing key named ``kid``; keys of other types or uses are never considered."""
    keys = key_set.get("keys")
    if not isinstance(keys, list):
        return None
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get("kid") != kid or jwk.get("kty") != "RSA":
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", algorithm) != algorithm:
            continue
        key = _rsa_key(jwk.get("n"), jwk.get("e"))
        if key is not None:
            return key
    return None


@functools.lru_cache(maxsize=256)
def _rsa_key(n: object, e: object) -> RSAPublicKey | None:
    """The public key for a JWK's modulus and exponent, built once per process (launches reuse it)."""
    try:
        key = RSAAlgorithm.from_jwk(json.dumps({"kty": "RSA", "n": n, "e": e}))
    except (ValueError, TypeError, KeyError, PyJWTError):
        return None  # a broken JWK is not a key
    return key if isinstance(key, RSAPublicKey) else None


class PlatformKeys:
    """Finds the platform key that signed a token, re-fetching the JWKS once on an unknown ``kid``."""

    def __init__(
        self,
        cache: KeySetCache,
        http: HttpClient,
        clock: Clock = system_clock,
        min_refetch_seconds: float = 10.0,
        max_age_seconds: float = 24 * 3600,
    ) -> None:
        self.cache = cache
        self.http = http
        self.clock = clock
        self.min_refetch_seconds = min_refetch_seconds
        self.max_age_seconds = max_age_seconds

    def _fetch(self, url: str, stale: dict[str, Any] | None) -> dict[str, Any]:
        try:
            key_set = self.http.get_json(url)
        except OutboundRefused as exc:
            # Not an outage: the URL may not be called at all, so a copy fetched before does not stand in.
            raise LaunchError(
                "key_set_refused",
                f"The platform's JWKS URL may not be called: {exc}.",
                "Change the platform's JWKS URL to its public address, or change the setting named above.",
            ) from None
        except ServiceError as exc:
            if stale is not None:
                return stale  # a stale key set beats refusing every launch while the platform is down
            raise LaunchError(
                "key_set_unavailable",
                f"The platform's public keys could not be fetched ({exc}).",
                "Check the platform's JWKS URL in the registration and that the tool can reach it.",
                status=502,
            ) from None
        if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
            if stale is not None:
                return stale
            raise LaunchError(
                "key_set_unavailable",
                "The platform's JWKS URL did not return a JSON Web Key Set.",
                "Check the JWKS URL in the registration: it must return {\"keys\": [...]}.",
                status=502,
            )
        self.cache.put_key_set(url, key_set, self.clock())
        return key_set

    def public_key(self, registration: PlatformRegistration, kid: str | None) -> RSAPublicKey:
        """The RSA public key ``kid`` of ``registration``'s platform, or a LaunchError."""
        if not kid:
            raise LaunchError(
                "missing_kid",
                "The id_token header names no key (kid).",
                "Security Framework 1.0 §6.3 requires the platform to set kid; check the platform's keys.",
            )
        url = registration.key_set_url
        cached = self.cache.get_key_set(url)
        now = self.clock()
        fetched_now = False
        if cached is None or now - cached[1] > self.max_age_seconds:
            key_set = self._fetch(url, cached[0] if cached else None)
            fetched_now = True
            fetched_at = now
        else:
            key_set, fetched_at = cached
        key = _matching_jwk(key_set, kid, registration.algorithm)
        if key is None and not fetched_now and now - fetched_at >= self.min_refetch_seconds:
            # The platform may have rotated its keys since we cached them: look once more.
            key = _matching_jwk(self._fetch(url, key_set), kid, registration.algorithm)
        if key is None:
            raise LaunchError(
                "unknown_kid",
                f"The platform's key set has no RSA signing key with kid {kid[:100]!r}.",
                "Check that the registration's JWKS URL is the one the platform signs with.",
            )
        return key
