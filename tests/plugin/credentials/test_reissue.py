"""Re-issuing keeps one valid credential per learner per achievement."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from plugin.credentials.models import IssuedCredential
from plugin.credentials.services import CredentialError, reissue_credential, revoke_credential
from tests.plugin.credentials.conftest import issue


def _reissue(runtime: Any, settings: Any, credential_id: int, **kwargs: Any) -> IssuedCredential:
    with runtime.sessions() as session, session.begin():
        return reissue_credential(session, session.get(IssuedCredential, credential_id), settings=settings, **kwargs)


def _valid_count(runtime: Any) -> int:
    with runtime.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(IssuedCredential)
                              .where(IssuedCredential.revoked_at.is_(None))) or 0


def test_reissuing_a_superseded_credential_is_refused_naming_the_latest(runtime: Any, settings: Any,
                                                                        tenant: Any) -> None:
    first = issue(runtime, settings, tenant)
    second = _reissue(runtime, settings, first.id)
    with pytest.raises(CredentialError, match=f"superseded by {second.public_id}"):
        _reissue(runtime, settings, first.id)
    assert _valid_count(runtime) == 1


def test_reissuing_a_credential_revoked_for_a_reason_needs_force(runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        revoke_credential(session, session.get(IssuedCredential, credential.id), "Exam irregularity", settings)
    with pytest.raises(CredentialError, match="Exam irregularity.*--force"):
        _reissue(runtime, settings, credential.id)
    assert _valid_count(runtime) == 0
    fresh = _reissue(runtime, settings, credential.id, force=True)
    assert fresh.generation == 2 and _valid_count(runtime) == 1
