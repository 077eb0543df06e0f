"""Issued credentials are valid Open Badges 3.0 and verify with an independent (JavaScript) verifier."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import sqlalchemy as sa

from plugin.credentials.issuer import rotate_key
from plugin.credentials.jsonld import canonize
from plugin.credentials.models import Achievement, IssuedCredential
from plugin.credentials.services import award_credential, reissue_credential, revoke_credential
from plugin.events import LearningEvent, subscribe
from plugin.launch.models import User
from tests.plugin.credentials.conftest import evidence, issue, js_verify, later, ob3_schema


def test_issued_credential_validates_against_the_ob3_schema(runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    jsonschema.Draft201909Validator(ob3_schema(), format_checker=jsonschema.FormatChecker()).validate(
        credential.document)


def test_issued_credential_verifies_with_digitalbazaar_vc(runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    result = js_verify(runtime, settings, credential.document)
    assert result.verified, result.errors
    assert result.revoked is False


def test_credential_names_the_achievement_skills_and_hashed_recipient(runtime: Any, settings: Any,
                                                                       tenant: Any) -> None:
    document = issue(runtime, settings, tenant).document
    subject = document["credentialSubject"]
    assert document["issuer"]["id"] == "did:web:localhost" and document["issuer"]["name"] == "Acme Corp"
    assert [a["targetType"] for a in subject["achievement"]["alignment"]] == ["ceasn:Competency",
                                                                             "ext:SkillbiteSkill"]
    email = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    import hashlib

    assert email["identityHash"] == "sha256$" + hashlib.sha256(("ada@example.com" + email["salt"]).encode()).hexdigest()
    assert "ada@example.com" not in str(document).lower() and "Lovelace" not in str(document)
    assert "92%" in document["evidence"][0]["description"]


def test_awarding_twice_returns_the_same_credential(runtime: Any, settings: Any, tenant: Any) -> None:
    first = issue(runtime, settings, tenant)
    second = issue(runtime, settings, tenant)
    assert first.public_id == second.public_id
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IssuedCredential)) == 1


def test_awarding_publishes_an_earned_event(runtime: Any, settings: Any, tenant: Any) -> None:
    seen: list[LearningEvent] = []
    subscribe("earned", lambda _session, event: seen.append(event))
    credential = issue(runtime, settings, tenant)
    mine = [e for e in seen if e.extra.get("credential_id") == credential.public_id]
    assert len(mine) == 1 and mine[0].user_id == tenant.user_id and mine[0].course_version_id == 7


def test_tampered_credential_fails_on_the_signature(runtime: Any, settings: Any, tenant: Any) -> None:
    tampered = copy.deepcopy(issue(runtime, settings, tenant).document)
    tampered["credentialSubject"]["achievement"]["name"] = "Fire Safety Expert"
    result = js_verify(runtime, settings, tampered)
    assert not result.verified
    assert result.mentions("Invalid signature") or result.mentions("signature"), result.errors


def test_credential_signed_with_another_key_fails(runtime: Any, settings: Any, tenant: Any) -> None:
    document = issue(runtime, settings, tenant).document
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from plugin.credentials.proofs import Signer, add_proof

    forged_by = Signer(document["proof"][0]["verificationMethod"], Ed25519PrivateKey.generate())
    forged = add_proof({k: v for k, v in document.items() if k != "proof"}, forged_by,
                       __import__("plugin.db", fromlist=["utcnow"]).utcnow())
    result = js_verify(runtime, settings, forged)
    assert not result.verified
    assert result.mentions("signature"), result.errors


def test_expired_credential_fails_on_valid_until(runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant, valid_for_days=30)
    assert "validUntil" in credential.document
    assert js_verify(runtime, settings, credential.document).verified
    result = js_verify(runtime, settings, credential.document, now=later(31))
    assert not result.verified
    assert result.mentions("validUntil"), result.errors


def test_revoked_credential_fails_on_its_status(runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        revoke_credential(session, session.get(IssuedCredential, credential.id), "Exam irregularity", settings)
    result = js_verify(runtime, settings, credential.document)
    assert not result.verified
    assert result.revoked is True
    assert result.mentions("revoked"), result.errors


def test_revoking_one_credential_leaves_the_others_valid(runtime: Any, settings: Any, tenant: Any) -> None:
    revoked = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        other = User(platform_id=tenant.platform_id, subject="learner-2", email="bob@example.com")
        session.add(other)
        kept = award_credential(session, other, session.get(Achievement, tenant.achievement_id), evidence(),
                                settings)
        revoke_credential(session, session.get(IssuedCredential, revoked.id), "Mistake", settings)
    assert kept.status_index != revoked.status_index
    assert js_verify(runtime, settings, kept.document).verified


def test_credentials_signed_before_a_key_rotation_still_verify(runtime: Any, settings: Any, tenant: Any) -> None:
    before = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        rotate_key(session, settings.box, tenant.platform_id)
        other = User(platform_id=tenant.platform_id, subject="learner-3")
        session.add(other)
        after = award_credential(session, other, session.get(Achievement, tenant.achievement_id), evidence(),
                                 settings)
    assert before.document["proof"][0]["verificationMethod"] != after.document["proof"][0]["verificationMethod"]
    assert js_verify(runtime, settings, before.document).verified
    assert js_verify(runtime, settings, after.document).verified


def test_reissue_revokes_the_old_credential_and_issues_a_new_generation(runtime: Any, settings: Any,
                                                                        tenant: Any) -> None:
    old = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        new = reissue_credential(session, session.get(IssuedCredential, old.id), settings=settings)
    assert new.generation == 2 and new.public_id != old.public_id
    assert js_verify(runtime, settings, new.document).verified
    assert js_verify(runtime, settings, old.document).revoked is True


def test_did_key_issuer_verifies(runtime: Any, settings: Any, tenant: Any) -> None:
    from dataclasses import replace

    from plugin.credentials.issuer import did_key_document

    key_settings = replace(settings, did_method="key")
    with runtime.sessions() as session, session.begin():
        credential = award_credential(session, session.get(User, tenant.user_id),
                                      session.get(Achievement, tenant.achievement_id), evidence(), key_settings)
    issuer = credential.document["issuer"]["id"]
    assert issuer.startswith("did:key:z6Mk")
    dids = [did_key_document(issuer.removeprefix("did:key:"))]
    lists_result = js_verify(runtime, settings, credential.document, did_documents=dids)
    assert lists_result.verified, lists_result.errors


def test_python_canonicalization_matches_the_naive_reference(runtime: Any, settings: Any, tenant: Any) -> None:
    document = issue(runtime, settings, tenant).document
    assert canonize(document) == canonize(document, reuse_contexts=False)
