"""Credentials on the web: the issuer DID, status lists, public credential pages and downloads, "My badges"."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request

from plugin.credentials import images
from plugin.credentials.issuer import IssuerSettings, did_document_path, did_web_document
from plugin.credentials.models import Achievement, IssuedCredential, StatusList
from plugin.credentials.services import (
    achievement_json,
    credential_jwt,
    credentials_of,
    current_settings,
    find_credential,
    verify_document,
)
from plugin.launch.access import current_launch, require_launch
from plugin.web.context import db

bp = Blueprint("credentials", __name__, template_folder="templates", static_folder="static",
               static_url_path="/credentials/static")

JSON_LD = "application/ld+json"


def _json(data: Any, mimetype: str = "application/json", download: str | None = None) -> Response:
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch these cross-origin
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


def _did_document() -> Response:
    settings = current_settings()
    if request.path != did_document_path(settings.base_url):
        abort(404, description="This Skillbite publishes its DID document at "
                               f"{did_document_path(settings.base_url)}.")
    return _json(did_web_document(db(), settings.base_url), "application/did+json")


bp.add_url_rule("/.well-known/did.json", "did_document", _did_document)
bp.add_url_rule("/did.json", "did_document_at_path", _did_document)


@bp.get("/credentials/status/<int:list_id>")
def status_list(list_id: int) -> Response:
    """Bitstring Status List v1.0 §2.2: the signed BitstringStatusListCredential."""
    found = db().get(StatusList, list_id)
    if found is None or found.document is None:
        abort(404, description="There is no status list with this number.")
    response = _json(found.document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _achievement(public_id: str) -> Achievement:
    from sqlalchemy import select

    found = db().scalar(select(Achievement).where(Achievement.public_id == public_id))
    if found is None:
        abort(404, description="There is no achievement at this address.")
    return found


@bp.get("/credentials/achievements/<public_id>")
def achievement(public_id: str) -> Response:
    found = _achievement(public_id)
    return _json(achievement_json(current_settings(), found))


@bp.get("/credentials/achievements/<public_id>/image")
def achievement_image(public_id: str) -> Response:
    found = _achievement(public_id)
    if found.image_data is not None and found.image_type == "image/svg+xml":
        response = Response(found.image_data, mimetype="image/svg+xml")
        # An uploaded SVG may carry script: never let it run on our origin.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    else:
        response = Response(images.achievement_png(found.name, found.image_data, found.image_type),
                            mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _credential(public_id: str) -> IssuedCredential:
    found = find_credential(db(), public_id)
    if found is None:
        abort(404, description="There is no credential at this address. Check the link you were given.")
    return found


def _signed_name(credential: IssuedCredential) -> str:
    """The achievement's name as signed: the live row may have been renamed since (credentials keep theirs)."""
    name: str = credential.document["credentialSubject"]["achievement"]["name"]
    return name


def _linkedin_url(credential: IssuedCredential) -> str:
    document = credential.document
    params = {"startTask": "CERTIFICATION_NAME", "name": _signed_name(credential),
              "organizationName": document["issuer"].get("name", "Skillbite"),
              "issueYear": credential.issued_at.year, "issueMonth": credential.issued_at.month,
              "certUrl": document["id"], "certId": credential.public_id}
    if credential.valid_until is not None:
        params.update(expirationYear=credential.valid_until.year, expirationMonth=credential.valid_until.month)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@bp.get("/credentials/<public_id>")
def credential_page(public_id: str) -> Response | str:
    """The permanent public page: the credential checked live, with what it certifies."""
    found = _credential(public_id)
    best = request.accept_mimetypes.best_match(["text/html", JSON_LD, "application/json"])
    if best in (JSON_LD, "application/json"):
        return _json(found.document, best)
    settings = current_settings()
    return render_template("credentials/credential.html", credential=found, document=found.document,
                           verification=verify_document(db(), settings, found.document),
                           linkedin_url=_linkedin_url(found), settings=settings)


def _filename(credential: IssuedCredential, extension: str) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in _signed_name(credential).lower()).strip("-")[:60]
    return f"{stem or 'badge'}-{credential.public_id[:8]}.{extension}"


@bp.get("/credentials/<public_id>.json")
def credential_json(public_id: str) -> Response:
    found = _credential(public_id)
    return _json(found.document, JSON_LD, download=_filename(found, "json"))


@bp.get("/credentials/<public_id>.jwt")
def credential_jwt_download(public_id: str) -> Response:
    found = _credential(public_id)
    token = credential_jwt(db(), found, current_settings())
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(found, "jwt")}"'
    return response


def _artwork(credential: IssuedCredential) -> bytes:
    achievement = credential.achievement
    return images.achievement_png(_signed_name(credential), achievement.image_data, achievement.image_type)


@bp.get("/credentials/<public_id>.png")
def credential_png(public_id: str) -> Response:
    found = _credential(public_id)
    baked = images.bake_png(_artwork(found), found.document)
    response = Response(baked, mimetype="image/png")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(found, "png")}"'
    return response


@bp.get("/credentials/<public_id>.svg")
def credential_svg(public_id: str) -> Response:
    found = _credential(public_id)
    response = Response(images.bake_svg(_signed_name(found), _artwork(found), found.document),
                        mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(found, "svg")}"'
    return response


@bp.get("/learn/badges")
@require_launch
def my_badges() -> str:
    """"My badges", inside the LMS: every credential the learner earned here, with its state."""
    launch = current_launch()
    assert launch is not None
    settings: IssuerSettings = current_settings()
    session = db()
    rows = []
    if launch.user is not None:
        for credential in credentials_of(session, launch.user):
            rows.append((credential, verify_document(session, settings, credential.document)))
    return render_template("credentials/my_badges.html", launch=launch, rows=rows)
