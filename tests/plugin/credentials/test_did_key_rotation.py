"""With did:key the key is the issuer: a key rotation must not break credentials issued before or after it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from plugin.credentials.issuer import IssuerSettings, did_key_document, rotate_key
from plugin.credentials.models import Achievement, IssuedCredential, IssuerKey, StatusList
from plugin.credentials.services import award_credential, revoke_credential, verify_document
from plugin.launch.models import User
from tests.plugin.credentials.conftest import evidence, js_verify


@pytest.fixture
def key_settings(settings: IssuerSettings) -> IssuerSettings:
    return replace(settings, did_method="key")


def _award(runtime: Any, settings: IssuerSettings, tenant: Any, subject: str) -> IssuedCredential:
    with runtime.sessions() as session, session.begin():
        learner = User(platform_id=tenant.platform_id, subject=subject)
        session.add(learner)
        return award_credential(session, learner, session.get(Achievement, tenant.achievement_id), evidence(),
                                settings)


def _revoke(runtime: Any, settings: IssuerSettings, credential: IssuedCredential) -> None:
    with runtime.sessions() as session, session.begin():
        revoke_credential(session, session.get(IssuedCredential, credential.id), "Mistake", settings)


def _rotate(runtime: Any, settings: IssuerSettings, tenant: Any) -> None:
    with runtime.sessions() as session, session.begin():
        rotate_key(session, settings.box, tenant.platform_id)


def _every_did_key(runtime: Any) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        return [did_key_document(mb) for mb in session.scalars(sa.select(IssuerKey.public_key_multibase))]


def _state(runtime: Any, settings: IssuerSettings, credential: IssuedCredential) -> str:
    with runtime.sessions() as session:
        return verify_document(session, settings, credential.document).state


def test_credentials_from_before_and_after_a_rotation_verify_and_revoke(runtime: Any, key_settings: Any,
                                                                        tenant: Any) -> None:
    before, revoked_before = (_award(runtime, key_settings, tenant, s) for s in ("before-1", "before-2"))
    _rotate(runtime, key_settings, tenant)
    after, revoked_after = (_award(runtime, key_settings, tenant, s) for s in ("after-1", "after-2"))
    _revoke(runtime, key_settings, revoked_after)
    _revoke(runtime, key_settings, revoked_before)
    assert before.document["issuer"]["id"] != after.document["issuer"]["id"]
    dids = _every_did_key(runtime)
    for kept in (before, after):
        result = js_verify(runtime, key_settings, kept.document, did_documents=dids)
        assert result.verified, result.errors
        assert _state(runtime, key_settings, kept) == "valid"
    for gone in (revoked_before, revoked_after):
        result = js_verify(runtime, key_settings, gone.document, did_documents=dids)
        assert not result.verified and result.revoked is True, result.errors
        assert _state(runtime, key_settings, gone) == "revoked"


def test_each_status_list_stays_issued_by_the_key_its_credentials_name(runtime: Any, key_settings: Any,
                                                                       tenant: Any) -> None:
    before = _award(runtime, key_settings, tenant, "before")
    _rotate(runtime, key_settings, tenant)
    after = _award(runtime, key_settings, tenant, "after")
    _revoke(runtime, key_settings, after)
    with runtime.sessions() as session:
        for credential in (before, after):
            status_list = session.get(StatusList, credential.status_list_id)
            assert status_list.document["issuer"] == credential.document["issuer"]["id"]
    assert before.status_list_id != after.status_list_id


def test_a_status_list_of_another_issuer_fails_skillbites_own_check(runtime: Any, key_settings: Any,
                                                                    tenant: Any) -> None:
    credential = _award(runtime, key_settings, tenant, "learner")
    with runtime.sessions() as session, session.begin():
        status_list = session.get(StatusList, credential.status_list_id)
        status_list.document = {**status_list.document, "issuer": "did:key:z6MkSomeoneElse"}
    with runtime.sessions() as session:
        verification = verify_document(session, key_settings, credential.document)
    assert not verification.valid and "another issuer" in verification.message


def test_did_web_credentials_keep_one_list_across_a_rotation(runtime: Any, settings: Any, tenant: Any) -> None:
    before = _award(runtime, settings, tenant, "before")
    _rotate(runtime, settings, tenant)
    after = _award(runtime, settings, tenant, "after")
    assert before.status_list_id == after.status_list_id
    assert js_verify(runtime, settings, before.document).verified
