"""Who issues: the tenant's Ed25519 keys (sealed at rest), the issuer DID and its DID document.

did:web (DID Web Method, §3.2): ``did:web:<host>`` (a port percent-encoded, a path as ``:`` segments)
resolves to ``https://<host>/.well-known/did.json`` (or ``<path>/did.json``). Every tenant's keys are
verification methods of that one DID, each named by its own public key, so a key is never confused with
another and rotation only adds: retired keys stay listed under ``assertionMethod`` and every credential
they signed keeps verifying. did:key (``SKILLBITE_CREDENTIAL_DID=key``) needs no hosting at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from plugin.config import Config
from plugin.credentials.models import IssuerKey
from plugin.credentials.proofs import Signer, public_key_from_multibase, public_key_multibase
from plugin.db import utcnow
from plugin.instance import SecretBox

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


@dataclass(frozen=True)
class IssuerSettings:
    """What issuing needs from the runtime: where we are published and how keys are sealed."""

    base_url: str
    box: SecretBox
    did_method: str = "web"

    @classmethod
    def from_config(cls, config: Config, box: SecretBox) -> IssuerSettings:
        return cls(base_url=config.base_url, box=box, did_method=config.credential_did)

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def did_web(self) -> str:
        return did_web(self.base_url)

    def did_for(self, key: IssuerKey) -> str:
        return f"did:key:{key.public_key_multibase}" if self.did_method == "key" else self.did_web

    def verification_method(self, key: IssuerKey) -> str:
        return f"{self.did_for(key)}#{key.public_key_multibase}"


def did_web(base_url: str) -> str:
    parts = urlsplit(base_url)
    host = quote(parts.netloc, safe="")
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did", "web", host, *segments])


def did_document_path(base_url: str) -> str:
    """Where did:web resolution looks, relative to the app root."""
    return "/did.json" if urlsplit(base_url).path.strip("/") else "/.well-known/did.json"


def _of_tenant(platform_id: int | None) -> sa.ColumnElement[bool]:
    return IssuerKey.platform_id.is_(None) if platform_id is None else IssuerKey.platform_id == platform_id


def _new_key(session: Session, box: SecretBox, platform_id: int | None) -> IssuerKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    key = IssuerKey(platform_id=platform_id, public_key_multibase=public_key_multibase(private.public_key()),
                    private_key_sealed=box.seal(pem))
    session.add(key)
    session.flush()
    return key


def current_key(session: Session, box: SecretBox, platform_id: int | None) -> IssuerKey:
    """The tenant's newest active key, made on first use."""
    key = session.scalar(sa.select(IssuerKey).where(_of_tenant(platform_id), IssuerKey.retired_at.is_(None))
                         .order_by(IssuerKey.id.desc()).limit(1))
    return key or _new_key(session, box, platform_id)


def rotate_key(session: Session, box: SecretBox, platform_id: int | None) -> IssuerKey:
    """Retire the tenant's signing key(s) and make a new one. Old keys stay in the DID document."""
    now = utcnow()
    for old in session.scalars(sa.select(IssuerKey).where(IssuerKey.retired_at.is_(None), _of_tenant(platform_id))):
        old.retired_at = now
    return _new_key(session, box, platform_id)


def signer_for(session: Session, settings: IssuerSettings, platform_id: int | None) -> Signer:
    key = current_key(session, settings.box, platform_id)
    private = serialization.load_pem_private_key(settings.box.open(key.private_key_sealed), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return Signer(verification_method=settings.verification_method(key), private_key=private)


def signer_as(session: Session, settings: IssuerSettings, platform_id: int | None, issuer: str | None) -> Signer:
    """A signer speaking as ``issuer``: a did:key DID is its own key (retired or not), so only that key can sign
    as it; as our did:web, the tenant's current key. None: the tenant's current issuer."""
    if issuer is None:
        return signer_for(session, settings, platform_id)
    if issuer.startswith("did:key:"):
        signer = signer_by_method(session, settings, f"{issuer}#{issuer.removeprefix('did:key:')}")
        if signer is None:
            raise LookupError(f"The key of issuer {issuer} is no longer stored.")
        return signer
    key = current_key(session, settings.box, platform_id)
    private = serialization.load_pem_private_key(settings.box.open(key.private_key_sealed), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return Signer(verification_method=f"{issuer}#{key.public_key_multibase}", private_key=private)


def signer_by_method(session: Session, settings: IssuerSettings, method: str) -> Signer | None:
    """The signer of an earlier credential (its key may be retired since), for re-encoding it as a JWT."""
    fragment = method.rsplit("#", 1)[-1]
    key = session.scalar(sa.select(IssuerKey).where(IssuerKey.public_key_multibase == fragment))
    if key is None:
        return None
    private = serialization.load_pem_private_key(settings.box.open(key.private_key_sealed), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return Signer(verification_method=method, private_key=private)


def _verification_method(controller: str, key: IssuerKey) -> dict[str, Any]:
    return {"id": f"{controller}#{key.public_key_multibase}", "type": "Multikey", "controller": controller,
            "publicKeyMultibase": key.public_key_multibase}


def did_web_document(session: Session, base_url: str) -> dict[str, Any]:
    """The DID document at /.well-known/did.json: every key ever used, retired ones included."""
    did = did_web(base_url)
    methods = [_verification_method(did, key) for key in session.scalars(sa.select(IssuerKey).order_by(IssuerKey.id))]
    ids = [m["id"] for m in methods]
    return {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did, "verificationMethod": methods,
            "assertionMethod": ids}


def did_key_document(public_key_mb: str) -> dict[str, Any]:
    """did:key (v0.7 §3.1.2): the document is derived from the key itself."""
    did = f"did:key:{public_key_mb}"
    method = {"id": f"{did}#{public_key_mb}", "type": "Multikey", "controller": did,
              "publicKeyMultibase": public_key_mb}
    return {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did, "verificationMethod": [method],
            "assertionMethod": [method["id"]], "authentication": [method["id"]]}


class KeyResolver:
    """Resolves a verification method of *our* issuer DIDs to its public key, offline (from the database).

    A verification method of any other controller is unknown: Skillbite only vouches for what it signed.
    """

    def __init__(self, session: Session, base_url: str) -> None:
        self._session = session
        self._did_web = did_web(base_url)

    def controller_of(self, verification_method: str) -> str:
        return verification_method.split("#", 1)[0]

    def __call__(self, verification_method: str) -> Ed25519PublicKey | None:
        controller, _, fragment = verification_method.partition("#")
        if not fragment:
            return None
        if controller != self._did_web and controller != f"did:key:{fragment}":
            return None
        key = self._session.scalar(sa.select(IssuerKey).where(IssuerKey.public_key_multibase == fragment))
        return public_key_from_multibase(key.public_key_multibase) if key else None
