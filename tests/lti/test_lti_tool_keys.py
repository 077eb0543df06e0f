"""The tool's own keys (Security Framework 1.0 §6, RFC 7638 thumbprints)."""

from __future__ import annotations

import base64
import hashlib
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from lti.storage import SigningKey
from lti.tool_keys import generate_rsa_private_key_pem, key_id_for, public_jwk, sign_jwt


@pytest.fixture(scope="module")
def pem() -> bytes:
    return generate_rsa_private_key_pem()


def test_generated_key_is_unencrypted_pkcs8_rsa_2048(pem: bytes) -> None:
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(pem, password=None)
    assert key.key_size == 2048  # type: ignore[union-attr]


def test_key_id_matches_the_thumbprint_of_the_published_jwk(pem: bytes) -> None:
    jwk = public_jwk(pem, "k")
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert key_id_for(pem) == expected
    assert key_id_for(pem) != key_id_for(generate_rsa_private_key_pem())


def test_public_jwk_has_no_private_members(pem: bytes) -> None:
    jwk = public_jwk(pem, "kid-1")
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (jwk["kid"], jwk["alg"], jwk["use"], jwk["kty"]) == ("kid-1", "RS256", "sig", "RSA")


def test_signed_jwt_names_its_key_and_verifies_with_the_published_jwk(pem: bytes) -> None:
    kid = key_id_for(pem)
    token = sign_jwt({"iss": "tool", "x": 1}, SigningKey(kid, pem), {"kid": "ignored", "cty": "a"})
    header = jwt.get_unverified_header(token)
    assert header["kid"] == kid and header["typ"] == "JWT" and header["cty"] == "a"
    public = RSAAlgorithm.from_jwk(json.dumps(public_jwk(pem, kid)))
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"iss": "tool", "x": 1}  # type: ignore[arg-type]
