"""The console's "Add a platform" form, in the words Moodle and Canvas use for the same values.

The CLI (``skillbite platform add``) names them by its options; an LMS administrator copies them from
Moodle's *Tool configuration details* or Canvas's developer key, so the form uses those labels, and each
problem is said next to its field, in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from plugin.platforms.models import Platform


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    hint: str
    example: str = ""  # a URL field's example, said again when the value is not one

    @property
    def is_url(self) -> bool:
        return bool(self.example)


FIELDS = (
    Field("name", "Name", "How this console names the platform, e.g. Acme Moodle. Optional: the Platform ID's "
          "host name otherwise."),
    Field("issuer", "Platform ID (issuer)", "Moodle: Platform ID in the tool's View configuration details (your "
          "Moodle's address). Canvas: https://canvas.instructure.com.", "https://moodle.acme.example"),
    Field("client_id", "Client ID", "Moodle: Client ID in the tool's configuration details. Canvas: the developer "
          "key's Client ID (the number in its Details column)."),
    Field("auth_login_url", "Authentication request URL", "Moodle: ends in /mod/lti/auth.php. Canvas: "
          "https://sso.canvaslms.com/api/lti/authorize_redirect.", "https://moodle.acme.example/mod/lti/auth.php"),
    Field("auth_token_url", "Access token URL", "Moodle: ends in /mod/lti/token.php. Canvas: "
          "https://sso.canvaslms.com/login/oauth2/token.", "https://moodle.acme.example/mod/lti/token.php"),
    Field("key_set_url", "Public keyset URL", "Moodle: ends in /mod/lti/certs.php. Canvas: "
          "https://sso.canvaslms.com/api/lti/security/jwks.", "https://moodle.acme.example/mod/lti/certs.php"),
    Field("deployment_ids", "Deployment ID", "Moodle: Deployment ID in the tool's configuration details. Canvas: "
          "shown for each installation of the app; or leave empty and record them on their first launch "
          "(below). Several: one per line."),
)
POLICY = Field("policy", "Unknown deployment ids", "Canvas makes a new deployment id each time the app is "
               "installed in an account or course; Moodle keeps one per tool.")
BY_NAME = {f.name: f for f in (*FIELDS, POLICY)}
REQUIRED = ("issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")


def _problem(field: Field, value: str) -> str | None:
    if not value:
        return f"Enter the {field.label}."
    parts = urlsplit(value)
    # The same rule as plugin.platforms.services.add_platform, so what passes here is accepted there.
    if field.is_url and (parts.scheme not in {"http", "https"} or not parts.netloc):
        return f"{field.label} must be a full address starting with https:// (or http://), like {field.example}."
    return None


def problems(session: Session, form: MultiDict[str, str]) -> dict[str, str]:
    """Field name → what to change, for every problem at once (one correction fixes them all)."""
    found = {name: problem for name in REQUIRED
             if (problem := _problem(BY_NAME[name], form.get(name, "").strip()))}
    if not found and _registered(session, form.get("issuer", "").strip(), form.get("client_id", "").strip()):
        found["client_id"] = ("This Platform ID (issuer) and Client ID are already registered: the platform is "
                              "in the list above.")
    return found


def _registered(session: Session, issuer: str, client_id: str) -> bool:
    query = sa.select(Platform.id).where(Platform.issuer == issuer, Platform.client_id == client_id)
    return session.scalar(query) is not None
