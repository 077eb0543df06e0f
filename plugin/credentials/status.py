"""Revocation with Bitstring Status List v1.0: a signed list per tenant, one bit per credential.

§3.1: a list is at least 16 KiB (131,072 entries) so that one credential's bit says nothing about who
holds it (group privacy); indexes are handed out in a scrambled order (a stride coprime with the size)
so neighbouring indexes are not neighbouring awards. §2.1: index 0 is the left-most bit of the first
byte; ``encodedList`` is the GZIP-compressed bitstring, multibase base64url without padding ("u").
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.credentials.issuer import IssuerSettings, signer_as
from plugin.credentials.jsonld import CREDENTIALS_V2
from plugin.credentials.models import StatusList
from plugin.credentials.proofs import add_proof, xsd_datetime
from plugin.db import utcnow

LIST_SIZE = 131_072
_STRIDE = 40_503  # odd, so coprime with the power-of-two size: every index is used once per list


def encode_bits(bits: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).decode().rstrip("=")


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (start with 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _set_bit(bits: bytes, index: int) -> bytes:
    data = bytearray(bits)
    data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def status_list_url(settings: IssuerSettings, status_list: StatusList) -> str:
    return settings.url(f"/credentials/status/{status_list.id}")


def allocate_index(session: Session, settings: IssuerSettings, platform_id: int | None,
                   issuer: str) -> tuple[StatusList, int]:
    """A fresh index on the tenant's current list of ``issuer`` (a new list when it is full or there is none).

    Verifiers (e.g. digitalbazaar's vc-bitstring-status-list) reject a status list credential whose issuer is
    not the credential's, so a credential only goes on a list of the issuer that signs it (with did:key, a
    key rotation changes the issuer).
    """
    query = (sa.select(StatusList)
             .where(StatusList.platform_id.is_(None) if platform_id is None
                    else StatusList.platform_id == platform_id,
                    StatusList.issuer == issuer, StatusList.allocated < StatusList.size)
             .order_by(StatusList.id.desc()).limit(1).with_for_update())
    status_list = session.scalar(query)
    if status_list is None:
        status_list = StatusList(platform_id=platform_id, issuer=issuer, size=LIST_SIZE, bits=bytes(LIST_SIZE // 8),
                                 allocated=0)
        session.add(status_list)
        session.flush()
        publish(session, settings, status_list)
    index = (status_list.allocated * _STRIDE) % status_list.size
    status_list.allocated += 1
    return status_list, index


def entry(settings: IssuerSettings, status_list: StatusList, index: int) -> dict[str, Any]:
    """The credential's ``credentialStatus`` (BitstringStatusListEntry, §2.1)."""
    url = status_list_url(settings, status_list)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index), "statusListCredential": url}


def set_revoked(session: Session, settings: IssuerSettings, status_list: StatusList, index: int) -> None:
    status_list.bits = _set_bit(status_list.bits, index)
    publish(session, settings, status_list)


def publish(session: Session, settings: IssuerSettings, status_list: StatusList) -> dict[str, Any]:
    """Sign the list as a BitstringStatusListCredential (§2.2) and keep it for the public endpoint."""
    now = utcnow()
    url = status_list_url(settings, status_list)
    # Signed as the issuer it was created under, whatever the tenant's current key: its credentials name it.
    signer = signer_as(session, settings, status_list.platform_id, status_list.issuer)
    unsigned = {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signer.verification_method.split("#", 1)[0],
        "validFrom": xsd_datetime(now),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_bits(status_list.bits)},
    }
    status_list.document = add_proof(unsigned, signer, now)
    status_list.updated_at = now
    return status_list.document
