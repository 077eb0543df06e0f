"""Tool key lifecycle: generate on first start, rotate, retire, publish."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti import tool_keys
from lti.storage import SigningKey
from plugin.db import utcnow
from plugin.instance import SecretBox
from plugin.keys.models import InstanceSecret, ToolKey


class ToolKeyError(LookupError):
    pass


def active_keys(session: Session) -> list[ToolKey]:
    return list(
        session.scalars(sa.select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id))
    )


def rotate_key(session: Session, box: SecretBox) -> ToolKey:
    """Add a new signing key. Earlier keys stay published until :func:`retire_key`."""
    pem = tool_keys.generate_rsa_private_key_pem()
    kid = tool_keys.key_id_for(pem)
    key = ToolKey(kid=kid, private_key_sealed=box.seal(pem), public_jwk=tool_keys.public_jwk(pem, kid))
    session.add(key)
    session.flush()
    return key


def ensure_signing_key(session: Session, box: SecretBox) -> ToolKey:
    keys = active_keys(session)
    return keys[-1] if keys else rotate_key(session, box)


def retire_key(session: Session, kid: str) -> ToolKey:
    key = session.scalar(sa.select(ToolKey).where(ToolKey.kid == kid))
    if key is None:
        raise ToolKeyError(f"No tool key with kid {kid!r}. `skillbite keys list` shows them.")
    if key.retired_at is None:
        if len(active_keys(session)) == 1:
            raise ToolKeyError("This is the only active key; run `skillbite keys rotate` first.")
        key.retired_at = utcnow()
    return key


def public_jwks(session: Session) -> dict[str, Any]:
    return {"keys": [dict(key.public_jwk) for key in active_keys(session)]}


class DatabaseToolKeys:
    """:class:`lti.storage.ToolKeyStore` over the database."""

    def __init__(self, session: Session, box: SecretBox) -> None:
        self._session = session
        self._box = box

    def signing_key(self) -> SigningKey:
        key = ensure_signing_key(self._session, self._box)
        return SigningKey(kid=key.kid, private_key_pem=self._box.open(key.private_key_sealed),
                          algorithm=key.algorithm)

    def public_jwks(self) -> dict[str, Any]:
        return public_jwks(self._session)


def instance_secret(session: Session, box: SecretBox, name: str,
                    make: Callable[[], bytes] = lambda: secrets.token_bytes(32)) -> bytes:
    """A secret generated once for the whole installation and shared by every process."""
    row = session.get(InstanceSecret, name)
    if row is None:
        candidate = make()
        try:
            with session.begin_nested():
                session.add(InstanceSecret(name=name, value_sealed=box.seal(candidate)))
        except IntegrityError:
            pass  # another process made it first: use theirs
        row = session.get(InstanceSecret, name)
        assert row is not None
    return box.open(row.value_sealed)


def prepare_instance(session: Session, box: SecretBox) -> bytes:
    """The installation's session secret and first tool signing key, made once: returns the secret.

    Every process starting on an empty database comes here (``skillbite run`` once before it forks its
    workers, then each worker). Holding the secret's row locked while looking for a key makes a second
    machine starting at the same moment wait for the first one's commit and use its key instead of
    publishing one of its own (PostgreSQL; SQLite, one machine, is prepared by ``skillbite run`` alone).
    """
    secret = instance_secret(session, box, "session_secret")
    session.execute(sa.select(InstanceSecret.name).where(InstanceSecret.name == "session_secret").with_for_update())
    ensure_signing_key(session, box)
    return secret
