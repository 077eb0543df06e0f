"""Issuing, re-issuing, revoking and checking OpenBadgeCredentials (Open Badges 3.0.3 on VC Data Model 2.0)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.credentials import status
from plugin.credentials.issuer import IssuerSettings, KeyResolver, signer_by_method, signer_for
from plugin.credentials.jsonld import CREDENTIALS_V2, OPEN_BADGES_V3
from plugin.credentials.models import Achievement, AchievementCourseLink, IssuedCredential, StatusList
from plugin.credentials.proofs import ProofError, add_proof, encode_jwt, verify_proof, xsd_datetime
from plugin.db import utcnow
from plugin.events import LearningEvent, publish
from plugin.launch.models import User
from plugin.logs import event as log_event
from plugin.metrics.counters import CREDENTIALS_ISSUED, CREDENTIALS_REVOKED
from plugin.platforms.models import Platform
from plugin.web.numbers import whole_number

log = logging.getLogger("skillbite.credentials")


class CredentialError(LookupError):
    """A credential operation that cannot be done, and why."""


@dataclass(frozen=True)
class Evidence:
    """What the learner did to earn it (OB 3.0 §B.1.9 Evidence): the course, the score, the date."""

    course_title: str
    completed_at: dt.datetime
    score: float | None = None  # scaled, 0..1
    course_url: str | None = None
    course_version_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"course_title": self.course_title, "completed_at": self.completed_at.isoformat(),
                "score": self.score, "course_url": self.course_url,
                "course_version_id": self.course_version_id, **self.extra}

    def description(self) -> str:
        when = self.completed_at.astimezone(dt.UTC).strftime("%Y-%m-%d")
        if self.score is None:
            return f"Completed {self.course_title} on {when}."
        return f"Completed {self.course_title} on {when} with a score of {round(self.score * 100)}%."


def credential_url(settings: IssuerSettings, public_id: str) -> str:
    return settings.url(f"/credentials/{public_id}")


def achievement_url(settings: IssuerSettings, achievement: Achievement) -> str:
    return settings.url(f"/credentials/achievements/{achievement.public_id}")


def achievement_json(settings: IssuerSettings, achievement: Achievement) -> dict[str, Any]:
    """OB 3.0 §B.1.1 Achievement, as embedded in credentials and served at its own URL."""
    url = achievement_url(settings, achievement)
    data: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"id": url + "#criteria", "narrative": achievement.criteria_narrative},
        "image": {"id": url + "/image", "type": "Image", "caption": achievement.name},
    }
    if achievement.alignments:
        data["alignment"] = [{"type": ["Alignment"], **a} for a in achievement.alignments]
    if achievement.tags:
        data["tag"] = list(achievement.tags)
    return data


def _identity(kind: str, value: str, salt: str) -> dict[str, Any]:
    """OB 3.0 §B.1.12 IdentityObject, hashed: ``sha256$`` + hex(SHA-256(value + salt))."""
    digest = hashlib.sha256((value + salt).encode()).hexdigest()
    return {"type": "IdentityObject", "identityHash": f"sha256${digest}", "identityType": kind,
            "hashed": True, "salt": salt}


def recipient_identifiers(user: User, salt: str) -> list[dict[str, Any]]:
    """Who holds it, without saying it in the clear: the e-mail address and the LTI user id, salted+hashed."""
    identifiers = []
    if user.email:
        identifiers.append(_identity("emailAddress", user.email.strip().lower(), salt))
    identifiers.append(_identity("ltiUserId", user.subject, salt))
    return identifiers


def build_credential(settings: IssuerSettings, *, public_id: str, issuer_id: str, issuer_name: str,
                     user: User, achievement: Achievement, evidence: Evidence, valid_from: dt.datetime,
                     valid_until: dt.datetime | None, credential_status: dict[str, Any],
                     salt: str) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential. Every property used is defined by the two contexts."""
    evidence_json: dict[str, Any] = {"type": ["Evidence"], "name": evidence.course_title,
                                     "description": evidence.description(), "genre": "Course completion"}
    if evidence.course_url:
        evidence_json["id"] = evidence.course_url
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": credential_url(settings, public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name, "url": settings.base_url},
        "validFrom": xsd_datetime(valid_from),
        "awardedDate": xsd_datetime(evidence.completed_at),
        "credentialSubject": {"type": ["AchievementSubject"], "identifier": recipient_identifiers(user, salt),
                              "achievement": achievement_json(settings, achievement)},
        "evidence": [evidence_json],
        "credentialStatus": credential_status,
    }
    if valid_until is not None:
        document["validUntil"] = xsd_datetime(valid_until)
    return document


def _latest(session: Session, user: User, achievement: Achievement) -> IssuedCredential | None:
    return session.scalar(sa.select(IssuedCredential)
                          .where(IssuedCredential.user_id == user.id,
                                 IssuedCredential.achievement_id == achievement.id)
                          .order_by(IssuedCredential.generation.desc()).limit(1))


def _issue(session: Session, settings: IssuerSettings, user: User, achievement: Achievement,
           evidence: Evidence, generation: int, launch_session_id: str | None = None) -> IssuedCredential:
    if achievement.platform_id not in (None, user.platform_id):
        raise CredentialError("This achievement belongs to another organisation.")
    platform = session.get(Platform, user.platform_id)
    now = utcnow()
    valid_until = now + dt.timedelta(days=achievement.valid_for_days) if achievement.valid_for_days else None
    signer = signer_for(session, settings, user.platform_id)
    issuer_id = signer.verification_method.split("#", 1)[0]
    status_list, index = status.allocate_index(session, settings, user.platform_id, issuer_id)
    public_id = uuid.uuid4().hex
    unsigned = build_credential(
        settings, public_id=public_id, issuer_id=issuer_id,
        issuer_name=platform.name if platform else "Skillbite", user=user, achievement=achievement,
        evidence=evidence, valid_from=now, valid_until=valid_until,
        credential_status=status.entry(settings, status_list, index), salt=secrets.token_hex(16))
    credential = IssuedCredential(
        public_id=public_id, platform_id=user.platform_id, user_id=user.id, achievement_id=achievement.id,
        generation=generation, issued_at=now, valid_from=now, valid_until=valid_until,
        evidence=evidence.as_json(), status_list_id=status_list.id, status_index=index,
        document=add_proof(unsigned, signer, now))
    with session.begin_nested():
        session.add(credential)
    # The xAPI statement's object is the achievement (a badge) and the course its parent
    # (plugin.xapi.activities.badge_activity); the launch it was earned in gives its LMS context.
    publish(session, LearningEvent(
        kind="earned", occurred_at=now, platform_id=user.platform_id, user_id=user.id,
        launch_session_id=launch_session_id, course_version_id=evidence.course_version_id,
        extra={"credential_id": credential.public_id, "credential_url": credential.document["id"],
               "achievement_id": achievement_url(settings, achievement), "achievement_name": achievement.name,
               "achievement_description": achievement.description}))
    log_event(log, "credential issued", credential=public_id, achievement=achievement.key,
              platform_id=user.platform_id, generation=generation)
    CREDENTIALS_ISSUED.inc()
    return credential


def award_credential(session: Session, user: User, achievement: Achievement, evidence: Evidence,
                     settings: IssuerSettings | None = None, *,
                     launch_session_id: str | None = None) -> IssuedCredential:
    """Issue the learner's credential for the achievement, once: an earlier one (even revoked) is returned.

    Emits an ``earned`` learning event, so the xAPI statement leaves through the outbox in this transaction.
    ``launch_session_id``: the launch the learner earned it in (the event that met the rule), so the
    statement carries that launch's LMS context, deployment and session like the learner's others.
    """
    settings = settings or current_settings()
    existing = _latest(session, user, achievement)
    if existing is not None:
        return existing
    try:
        return _issue(session, settings, user, achievement, evidence, generation=1,
                      launch_session_id=launch_session_id)
    except IntegrityError:
        # Another transaction awarded the same achievement at the same moment: theirs stands.
        existing = _latest(session, user, achievement)
        if existing is None:
            raise
        return existing


SUPERSEDED = "Superseded by a re-issued credential."


def reissue_credential(session: Session, credential: IssuedCredential, evidence: Evidence | None = None,
                       settings: IssuerSettings | None = None, *, force: bool = False) -> IssuedCredential:
    """Revoke ``credential`` (reason: superseded) and issue the next generation to the same learner.

    Only the learner's latest generation can be re-issued, so at most one credential per learner per
    achievement is valid. One revoked for another reason than being superseded is re-issued only with
    ``force`` (the revocation was a decision; re-issuing undoes it).
    """
    settings = settings or current_settings()
    latest = _latest(session, credential.user, credential.achievement)
    if latest is not None and latest.id != credential.id:
        raise CredentialError(f"Credential {credential.public_id} was superseded by {latest.public_id} "
                              f"(generation {latest.generation}): re-issue that one instead.")
    if credential.revoked_at is not None and credential.revocation_reason != SUPERSEDED and not force:
        raise CredentialError(f"Credential {credential.public_id} was revoked "
                              f"(reason: {credential.revocation_reason}); re-issuing it gives the learner a valid "
                              "credential again. Use --force if that is what you want.")
    if credential.revoked_at is None:
        revoke_credential(session, credential, SUPERSEDED, settings)
    if evidence is None:
        saved = credential.evidence
        evidence = Evidence(course_title=saved["course_title"],
                            completed_at=dt.datetime.fromisoformat(saved["completed_at"]), score=saved.get("score"),
                            course_url=saved.get("course_url"), course_version_id=saved.get("course_version_id"))
    return _issue(session, settings, credential.user, credential.achievement, evidence, credential.generation + 1)


def revoke_credential(session: Session, credential: IssuedCredential, reason: str,
                      settings: IssuerSettings | None = None) -> IssuedCredential:
    """Set the credential's bit on its status list and publish the re-signed list. Cannot be undone."""
    settings = settings or current_settings()
    reason = reason.strip()
    if not reason:
        raise CredentialError("Say why the credential is revoked (--reason); the learner will see it.")
    if credential.revoked_at is not None:
        raise CredentialError(f"Credential {credential.public_id} was already revoked "
                              f"on {credential.revoked_at:%Y-%m-%d}.")
    status_list = session.get(StatusList, credential.status_list_id, with_for_update=True)
    assert status_list is not None
    status.set_revoked(session, settings, status_list, credential.status_index)
    credential.revoked_at, credential.revocation_reason = utcnow(), reason
    log_event(log, "credential revoked", credential=credential.public_id)
    CREDENTIALS_REVOKED.inc()
    return credential


def find_credential(session: Session, public_id: str) -> IssuedCredential | None:
    return session.scalar(sa.select(IssuedCredential).where(IssuedCredential.public_id == public_id))


def credentials_of(session: Session, user: User) -> list[IssuedCredential]:
    return list(session.scalars(sa.select(IssuedCredential).where(IssuedCredential.user_id == user.id)
                                .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())))


def earned_with_course(session: Session, platform_id: int, user_id: int, course_slug: str) -> list[IssuedCredential]:
    """The learner's valid credentials whose achievement this course earns (for the course's own page)."""
    linked = sa.select(AchievementCourseLink.achievement_id).where(AchievementCourseLink.course_slug == course_slug)
    return list(session.scalars(sa.select(IssuedCredential).where(
        IssuedCredential.platform_id == platform_id, IssuedCredential.user_id == user_id,
        IssuedCredential.revoked_at.is_(None), IssuedCredential.achievement_id.in_(linked))
        .order_by(IssuedCredential.issued_at.desc())))


def credential_jwt(session: Session, credential: IssuedCredential, settings: IssuerSettings | None = None) -> str:
    """The credential as a VC-JWT, signed by the key that signed its Data Integrity proof."""
    settings = settings or current_settings()
    document = {k: v for k, v in credential.document.items() if k != "proof"}
    method = credential.document["proof"][0]["verificationMethod"]
    signer = signer_by_method(session, settings, method)
    if signer is None:
        raise CredentialError("The key that signed this credential is no longer stored.")
    return encode_jwt(document, signer)


@dataclass(frozen=True)
class Verification:
    """What a person checking a credential needs to know, in one word and one sentence."""

    state: str  # valid | expired | revoked | tampered | not_yet_valid
    message: str
    checks: tuple[tuple[str, bool, str], ...] = ()

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def verify_document(session: Session, settings: IssuerSettings, document: dict[str, Any],
                    now: dt.datetime | None = None) -> Verification:
    """Check a credential as any verifier would: proof, validity period, revocation status."""
    now = now or utcnow()
    checks: list[tuple[str, bool, str]] = []
    try:
        verify_proof(document, KeyResolver(session, settings.base_url))
        issuer = document.get("issuer", {})
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        method = document["proof"][0]["verificationMethod"]
        if method.split("#", 1)[0] != issuer_id:
            raise ProofError("wrong_issuer", "The credential was signed by a key of another issuer.")
    except ProofError as exc:
        checks.append(("Signature", False, str(exc)))
        return Verification("tampered", str(exc), tuple(checks))
    checks.append(("Signature", True, "Signed by the issuer's key; nothing was changed since."))
    revoked = _revocation(session, document, issuer_id)
    if revoked is not None:
        checks.append(("Status", False, revoked))
        return Verification("revoked", revoked, tuple(checks))
    checks.append(("Status", True, "Not revoked."))
    valid_from = dt.datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    if now < valid_from:
        checks.append(("Validity", False, "Not valid yet."))
        return Verification("not_yet_valid", f"This credential is valid from {document['validFrom']}.", tuple(checks))
    if document.get("validUntil"):
        valid_until = dt.datetime.fromisoformat(document["validUntil"].replace("Z", "+00:00"))
        if now >= valid_until:
            message = f"This credential expired on {valid_until:%Y-%m-%d}."
            checks.append(("Validity", False, message))
            return Verification("expired", message, tuple(checks))
    checks.append(("Validity", True, "Within its validity period."))
    return Verification("valid", "This credential is genuine and valid.", tuple(checks))


def _revocation(session: Session, document: dict[str, Any], issuer_id: str | None) -> str | None:
    """The reason the status list gives for revocation, or None. Reads our own published list.

    The list must be issued by the credential's issuer, as independent verifiers check (digitalbazaar's
    vc-bitstring-status-list); otherwise the credential's status cannot be trusted.
    """
    entry = document.get("credentialStatus") or {}
    if entry.get("type") != "BitstringStatusListEntry":
        return None
    list_id = str(entry.get("statusListCredential", "")).rstrip("/").rsplit("/", 1)[-1]
    number = whole_number(list_id)
    status_list = session.get(StatusList, number) if number is not None else None
    if status_list is None or status_list.document is None:
        return "The revocation list of this credential cannot be found."
    if status_list.document.get("issuer") != issuer_id:
        return "The revocation list of this credential is issued by another issuer, so its status cannot be checked."
    bits = status.decode_bits(status_list.document["credentialSubject"]["encodedList"])
    if not status.bit_is_set(bits, int(entry["statusListIndex"])):
        return None
    credential = session.scalar(sa.select(IssuedCredential).where(
        IssuedCredential.status_list_id == status_list.id,
        IssuedCredential.status_index == int(entry["statusListIndex"])))
    reason = credential.revocation_reason if credential and credential.revocation_reason else ""
    return "The issuer revoked this credential." + (f" Reason: {reason}" if reason else "")


def current_settings() -> IssuerSettings:
    """The issuer settings of the running app (services called from views, CLI and event handlers)."""
    from flask import current_app, has_app_context

    if has_app_context():
        runtime = current_app.extensions["skillbite"]
        return IssuerSettings.from_config(runtime.config, runtime.box)
    if _process_settings is not None:
        return _process_settings
    raise CredentialError("No issuer settings: call plugin.credentials.services.use_settings() first.")


_process_settings: IssuerSettings | None = None


def use_settings(settings: IssuerSettings | None) -> None:
    """For processes without a Flask app (CLI, worker): the settings issuing uses."""
    global _process_settings
    _process_settings = settings
