"""credentials: a status list records the issuer (DID) it was created under

With did:key the issuer is the key, so after a key rotation a list must stay signed by the key its
credentials name. Existing lists get the issuer of the first credential on them (the key current when
the list was made), else the issuer their published document names.

Revision ID: 0015_status_list_issuer
Revises: 0004_credentials
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_status_list_issuer"
down_revision = "0004_credentials"
branch_labels = None
depends_on = None

_lists = sa.table("credential_status_list", sa.column("id", sa.Integer), sa.column("issuer", sa.String),
                  sa.column("document", sa.JSON))
_credentials = sa.table("issued_credential", sa.column("id", sa.Integer), sa.column("status_list_id", sa.Integer),
                        sa.column("document", sa.JSON))


def _issuer_of(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    issuer = document.get("issuer")
    found = issuer.get("id") if isinstance(issuer, dict) else issuer
    return found if isinstance(found, str) else None


def upgrade() -> None:
    op.add_column("credential_status_list", sa.Column("issuer", sa.String(length=300), nullable=True))
    bind = op.get_bind()
    for list_id, list_document in bind.execute(sa.select(_lists.c.id, _lists.c.document)).all():
        first = bind.execute(sa.select(_credentials.c.document).where(_credentials.c.status_list_id == list_id)
                             .order_by(_credentials.c.id).limit(1)).scalar()
        issuer = _issuer_of(first) or _issuer_of(list_document)
        if issuer is not None:
            bind.execute(_lists.update().where(_lists.c.id == list_id).values(issuer=issuer))


def downgrade() -> None:
    with op.batch_alter_table("credential_status_list") as batch:
        batch.drop_column("issuer")
