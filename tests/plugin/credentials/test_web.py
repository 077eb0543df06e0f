"""The public side: DID document, status lists, the credential page with live checks, downloads, My badges."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plugin.credentials import images
from plugin.credentials.models import IssuedCredential
from plugin.credentials.services import revoke_credential
from plugin.db import utcnow
from plugin.launch.models import LaunchSession
from plugin.launch.tokens import issue_token
from tests.plugin.credentials.conftest import issue, js_verify


def _path(document: dict[str, Any]) -> str:
    return urlsplit(document["id"]).path


def test_did_document_lists_every_signing_key(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    did = client.get("/.well-known/did.json").get_json()
    method = credential.document["proof"][0]["verificationMethod"]
    assert did["id"] == "did:web:localhost"
    assert method in did["assertionMethod"]
    assert any(m["id"] == method and m["type"] == "Multikey" for m in did["verificationMethod"])


def test_status_list_is_a_signed_credential_that_verifies(client: Any, runtime: Any, settings: Any,
                                                          tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    status_url = credential.document["credentialStatus"]["statusListCredential"]
    status_list = client.get(urlsplit(status_url).path).get_json()
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert js_verify(runtime, settings, status_list).verified


def test_public_page_shows_a_valid_credential_with_criteria_evidence_and_skills(client: Any, runtime: Any,
                                                                                settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    page = client.get(_path(credential.document)).get_data(as_text=True)
    assert 'data-state="valid"' in page
    assert "Fire Safety Basics" in page and "score of at least 80%" in page
    assert "Fire prevention" in page and "92%" in page
    assert "linkedin.com/profile/add" in page


def test_public_page_shows_revocation_with_the_reason(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        revoke_credential(session, session.get(IssuedCredential, credential.id), "Exam irregularity", settings)
    page = client.get(_path(credential.document)).get_data(as_text=True)
    assert 'data-state="revoked"' in page and "Exam irregularity" in page
    assert "linkedin.com/profile/add" not in page


def test_public_page_shows_an_expired_credential(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant, valid_for_days=1)
    with runtime.sessions() as session, session.begin():
        row = session.get(IssuedCredential, credential.id)
        # Re-sign as if issued two days ago, valid for one.
        from plugin.credentials.issuer import signer_for
        from plugin.credentials.proofs import add_proof, xsd_datetime

        unsigned = {k: v for k, v in row.document.items() if k != "proof"}
        past = utcnow() - dt.timedelta(days=2)
        unsigned["validFrom"], unsigned["validUntil"] = xsd_datetime(past), xsd_datetime(past + dt.timedelta(days=1))
        row.document = add_proof(unsigned, signer_for(session, settings, tenant.platform_id), past)
    page = client.get(_path(credential.document)).get_data(as_text=True)
    assert 'data-state="expired"' in page


def test_public_page_shows_a_tampered_credential(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        row = session.get(IssuedCredential, credential.id)
        changed = json.loads(json.dumps(row.document))
        changed["credentialSubject"]["achievement"]["name"] = "Chief Fire Officer"
        row.document = changed
    page = client.get(_path(credential.document)).get_data(as_text=True)
    assert 'data-state="tampered"' in page


def test_credential_url_serves_json_to_machines(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    response = client.get(_path(credential.document), headers={"Accept": "application/ld+json"})
    assert response.get_json() == credential.document


def test_baked_png_carries_the_same_credential(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    response = client.get(_path(credential.document) + ".png")
    assert response.mimetype == "image/png"
    assert images.unbake_png(response.data) == credential.document
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(response.data)).size == (images.SIZE, images.SIZE)


def test_baked_svg_carries_the_same_credential(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    response = client.get(_path(credential.document) + ".svg")
    assert images.unbake_svg(response.get_data(as_text=True)) == credential.document


def test_vc_jwt_download_verifies_and_carries_the_credential(client: Any, runtime: Any, settings: Any,
                                                             tenant: Any) -> None:
    import jwt as pyjwt

    from plugin.credentials.issuer import KeyResolver
    from plugin.credentials.proofs import decode_jwt

    credential = issue(runtime, settings, tenant)
    token = client.get(_path(credential.document) + ".jwt").get_data(as_text=True)
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    with runtime.sessions() as session:
        claims = decode_jwt(token, KeyResolver(session, settings.base_url))
    assert claims["jti"] == credential.document["id"] and claims["iss"] == "did:web:localhost"
    assert claims["credentialSubject"] == credential.document["credentialSubject"]


def test_linkedin_link_prefills_the_certification(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    page = client.get(_path(credential.document)).get_data(as_text=True)
    start = page.index("https://www.linkedin.com/profile/add?")
    url = page[start:page.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["name"] == ["Fire Safety Basics"] and query["certUrl"] == [credential.document["id"]]
    assert query["organizationName"] == ["Acme Corp"]


def test_unknown_credential_is_a_clear_404(client: Any) -> None:
    response = client.get("/credentials/0123456789abcdef0123456789abcdef", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "no credential at this address" in response.get_data(as_text=True)


def _launch_token(app: Any, runtime: Any, tenant: Any) -> str:
    with runtime.sessions() as session, session.begin():
        session.add(LaunchSession(id="launch-1", platform_id=tenant.platform_id, deployment_id="d1",
                                  user_pk=tenant.user_id, role="learner", message_type="LtiResourceLinkRequest",
                                  expires_at=utcnow() + dt.timedelta(hours=1)))
    with app.test_request_context():
        return issue_token("launch-1")


def test_my_badges_lists_the_learners_credentials(app: Any, client: Any, runtime: Any, settings: Any,
                                                  tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    page = client.get("/learn/badges", query_string={"lt": _launch_token(app, runtime, tenant)})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Fire Safety Basics" in text and credential.document["id"] in text and "Valid" in text


def test_my_badges_needs_a_launch(client: Any) -> None:
    assert client.get("/learn/badges").status_code == 401
