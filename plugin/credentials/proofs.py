"""Securing credentials: Data Integrity ``eddsa-rdfc-2022`` proofs and VC-JWT (JOSE, EdDSA).

Data Integrity EdDSA Cryptosuites v1.0 §3.2 (eddsa-rdfc-2022): the document without its proof and the
proof options (with the document's ``@context``) are each canonicalized with RDFC-1.0 and hashed with
SHA-256; the Ed25519 signature over ``hash(proof options) || hash(document)`` is the ``proofValue``,
multibase base58btc. Keys are Multikeys (Controlled Identifiers v1.0 §2.2.2: ``z6Mk...``).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials.jsonld import canonize

CRYPTOSUITE = "eddsa-rdfc-2022"
_ED25519_PUB_MULTICODEC = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        try:
            number = number * 58 + _B58_INDEX[char]
        except KeyError:
            raise ValueError(f"{char!r} is not a base58btc character") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(_ED25519_PUB_MULTICODEC + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc (start with 'z')")
    decoded = base58btc_decode(value[1:])
    if not decoded.startswith(_ED25519_PUB_MULTICODEC) or len(decoded) != 34:
        raise ValueError("publicKeyMultibase is not an Ed25519 public key (multicodec 0xed)")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def xsd_datetime(moment: dt.datetime) -> str:
    """VC Data Model 2.0 §4.6 dateTimeStamp, to the second, in UTC with ``Z``."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Signer:
    """A private key and the verification method (DID URL) that publishes its public half."""

    verification_method: str
    private_key: Ed25519PrivateKey


def _hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any], reuse_contexts: bool) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document["@context"], **proof_options}
    return (hashlib.sha256(canonize(config, reuse_contexts=reuse_contexts).encode()).digest()
            + hashlib.sha256(canonize(unsecured, reuse_contexts=reuse_contexts).encode()).digest())


def add_proof(document: Mapping[str, Any], signer: Signer, created: dt.datetime,
              reuse_contexts: bool = True) -> dict[str, Any]:
    """Return ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof (as a one-element proof set:
    the OB 3.0 JSON schema types ``proof`` as an array). ``reuse_contexts=False``: the naive reference."""
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": xsd_datetime(created),
               "verificationMethod": signer.verification_method, "proofPurpose": "assertionMethod"}
    signature = signer.private_key.sign(_hash_data(document, options, reuse_contexts))
    secured = copy.deepcopy(dict(document))
    secured["proof"] = [{**options, "proofValue": "z" + base58btc_encode(signature)}]
    return secured


class ProofError(ValueError):
    """Why a proof does not verify, in words a person can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


KeyResolver = Callable[[str], Ed25519PublicKey | None]


def verify_proof(document: Mapping[str, Any], resolve_key: KeyResolver, reuse_contexts: bool = True) -> dict[str, Any]:
    """Verify the document's single eddsa-rdfc-2022 proof; return it, or raise :class:`ProofError`."""
    proofs = document.get("proof")
    if isinstance(proofs, Mapping):
        proofs = [proofs]
    if not isinstance(proofs, list) or len(proofs) != 1 or not isinstance(proofs[0], Mapping):
        raise ProofError("no_proof", "The credential does not carry exactly one proof.")
    proof = dict(proofs[0])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("unsupported_proof", f"Unsupported proof {proof.get('type')}/{proof.get('cryptosuite')}.")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("wrong_purpose", "The proof was not made for asserting a credential.")
    public_key = resolve_key(str(proof.get("verificationMethod", "")))
    if public_key is None:
        raise ProofError("unknown_key", "The key that signed this credential is not one of the issuer's keys.")
    value = str(proof.pop("proofValue", ""))
    try:
        signature = base58btc_decode(value[1:]) if value.startswith("z") else b""
        public_key.verify(signature, _hash_data(document, proof, reuse_contexts))
    except (InvalidSignature, ValueError):
        raise ProofError("bad_signature", "The signature does not match: the credential was changed after it "
                                          "was issued, or it was signed with another key.") from None
    return proof


# --- VC-JWT -----------------------------------------------------------------------------------

def _epoch(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def encode_jwt(credential: Mapping[str, Any], signer: Signer) -> str:
    """VC-JOSE-COSE §3.1.1 / OB 3.0 §8.2: the credential (without embedded proof) as the JWT claims set,
    with the registered claims mirroring it (``iss``, ``jti``, ``nbf``, ``exp``, ``sub``)."""
    claims = {k: v for k, v in credential.items() if k != "proof"}
    issuer = credential["issuer"]
    claims["iss"] = issuer["id"] if isinstance(issuer, Mapping) else issuer
    claims["jti"] = credential["id"]
    claims["nbf"] = _epoch(credential["validFrom"])
    if credential.get("validUntil"):
        claims["exp"] = _epoch(credential["validUntil"])
    subject_id = credential.get("credentialSubject", {}).get("id")
    if subject_id:
        claims["sub"] = subject_id
    headers = {"kid": signer.verification_method, "typ": "vc+jwt", "cty": "vc"}
    return jwt.encode(claims, signer.private_key, algorithm="EdDSA", headers=headers)


def decode_jwt(token: str, resolve_key: KeyResolver, now: dt.datetime | None = None) -> dict[str, Any]:
    """Verify a VC-JWT and return the credential; :class:`ProofError` says why not."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise ProofError("malformed", "This is not a JWT.") from None
    if header.get("alg") != "EdDSA":
        raise ProofError("unsupported_proof", "Only EdDSA-signed VC-JWTs are accepted.")
    public_key = resolve_key(str(header.get("kid", "")))
    if public_key is None:
        raise ProofError("unknown_key", "The key that signed this credential is not one of the issuer's keys.")
    moment = now or dt.datetime.now(dt.UTC)
    try:
        claims: dict[str, Any] = jwt.decode(token, public_key, algorithms=["EdDSA"],
                                            options={"verify_exp": False, "verify_nbf": False,
                                                     "verify_aud": False, "verify_iat": False})
    except jwt.InvalidSignatureError:
        raise ProofError("bad_signature", "The signature does not match the credential.") from None
    except jwt.InvalidTokenError as exc:
        raise ProofError("malformed", f"The JWT is not valid: {exc}.") from None
    if "exp" in claims and moment.timestamp() >= claims["exp"]:
        raise ProofError("expired", "The credential has expired.")
    if "nbf" in claims and moment.timestamp() < claims["nbf"]:
        raise ProofError("not_yet_valid", "The credential is not valid yet.")
    return claims
