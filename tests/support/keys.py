"""RSA keys and the hand-made JWS forms the negative launch tests need.

PyJWT refuses to build the two attack tokens on purpose (``alg: none`` and HS256 keyed with an RSA public
key PEM, the "algorithm confusion" attack of RFC 8725 §2.1), so they are assembled here by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or f"k-{secrets.token_hex(6)}", new_rsa_key())

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def sign_rsa(payload: dict[str, Any], key: rsa.RSAPrivateKey, alg: str, header: dict[str, Any]) -> str:
    """Sign with an RSA key; ``header`` is used as given (PyJWT adds ``alg`` and ``typ``)."""
    return jwt.encode(payload, key, algorithm=alg, headers=dict(header))


def sign_hs256_with_public_pem(payload: dict[str, Any], public_pem: bytes, header: dict[str, Any]) -> str:
    """HS256 keyed with the platform's public key PEM: a tool that lets the token pick the algorithm
    and hands the PEM to the HMAC check would accept this forgery (RFC 8725 §2.1)."""
    signing_input = f"{_segment({**header, 'alg': 'HS256', 'typ': 'JWT'})}.{_segment(payload)}"
    mac = hmac.new(public_pem, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    """``alg: none`` with an empty signature (RFC 7519 §6.1): ``header.payload.``."""
    return f"{_segment({**header, 'alg': 'none', 'typ': 'JWT'})}.{_segment(payload)}."
