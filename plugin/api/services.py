"""Creating and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.api.models import ApiToken
from plugin.db import utcnow

PREFIX = "sb_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> tuple[ApiToken, str]:
    """A new token: (row, the token in clear — show it once, it is not stored)."""
    if not name.strip():
        raise ValueError("give the token a name, e.g. --name 'LMS sync'")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip(), prefix=token[:10], token_hash=_hash(token))
    session.add(row)
    session.flush()
    return row, token


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The live token row for a presented token, or None. Looked up by hash (constant-time by design)."""
    if not token.startswith(PREFIX):
        return None
    row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(token),
                                                   ApiToken.revoked_at.is_(None)))
    if row is not None:
        row.last_used_at = utcnow()
    return row


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
