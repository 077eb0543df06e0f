"""The tool's own RSA keys: generation, key ids, the published JWK and signing.

Security Framework 1.0 §6: the tool publishes its public keys as a JWKS and signs its messages
(Deep Linking responses, client assertions) with RS256, naming the key by ``kid``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti.storage import SigningKey

RSA_KEY_BITS = 2048


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _load_private(private_pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the tool key must be an RSA private key")
    return key


def generate_rsa_private_key_pem() -> bytes:
    """A new 2048-bit RSA key, unencrypted PKCS#8 PEM: the caller encrypts it at rest."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _rsa_members(private_pem: bytes) -> dict[str, str]:
    numbers = _load_private(private_pem).public_key().public_numbers()
    return {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}


def key_id_for(private_pem: bytes) -> str:
    """RFC 7638 §3 JWK thumbprint: SHA-256 of the required members, sorted, without whitespace."""
    canonical = json.dumps(_rsa_members(private_pem), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(private_pem: bytes, kid: str, alg: str = "RS256") -> dict[str, Any]:
    """The public half as a JWK (RFC 7517 §4) for the tool's JWKS endpoint."""
    return {**_rsa_members(private_pem), "kid": kid, "alg": alg, "use": "sig"}


def sign_jwt(claims: dict[str, Any], key: SigningKey, extra_headers: dict[str, Any] | None = None) -> str:
    """Sign ``claims``; the header always names the key (``kid``) and ``typ`` JWT (Security Framework §6)."""
    headers = {**(extra_headers or {}), "kid": key.kid, "typ": "JWT"}
    return jwt.encode(claims, key.private_key_pem, algorithm=key.algorithm, headers=headers)
