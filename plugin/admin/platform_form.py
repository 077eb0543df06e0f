"""The console's platform forms (add, and edit on the platform's page), in the words Moodle and Canvas use.

The CLI (``skillbite platform add``) names them by its options; an LMS administrator copies them from
Moodle's *Tool configuration details* or Canvas's developer key, so the forms use those labels, and each
problem is said next to its field, in the same words on both forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from lti.outbound import OutboundPolicy
from plugin.platforms.models import Deployment, Platform
from plugin.platforms.services import column_length
from plugin.saved_urls import saving_problem


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    hint: str
    example: str = ""  # a URL field's example, said again when the value is not one
    max_length: int = 0  # the column's length, when a longer value could be typed

    @property
    def is_url(self) -> bool:
        return bool(self.example)


FIELDS = (
    Field("name", "Name", "How this console names the platform, e.g. Acme Moodle. Optional: the Platform ID's "
          "host name otherwise.", max_length=column_length(Platform, "name")),
    Field("issuer", "Platform ID (issuer)", "Moodle: Platform ID in the tool's View configuration details (your "
          "Moodle's address). Canvas: https://canvas.instructure.com.", "https://moodle.acme.example",
          column_length(Platform, "issuer")),
    Field("client_id", "Client ID", "Moodle: Client ID in the tool's configuration details. Canvas: the developer "
          "key's Client ID (the number in its Details column).", max_length=column_length(Platform, "client_id")),
    Field("auth_login_url", "Authentication request URL", "Moodle: ends in /mod/lti/auth.php. Canvas: "
          "https://sso.canvaslms.com/api/lti/authorize_redirect.", "https://moodle.acme.example/mod/lti/auth.php",
          column_length(Platform, "auth_login_url")),
    Field("auth_token_url", "Access token URL", "Moodle: ends in /mod/lti/token.php. Canvas: "
          "https://sso.canvaslms.com/login/oauth2/token.", "https://moodle.acme.example/mod/lti/token.php",
          column_length(Platform, "auth_token_url")),
    Field("key_set_url", "Public keyset URL", "Moodle: ends in /mod/lti/certs.php. Canvas: "
          "https://sso.canvaslms.com/api/lti/security/jwks.", "https://moodle.acme.example/mod/lti/certs.php",
          column_length(Platform, "key_set_url")),
    Field("deployment_ids", "Deployment ID", "Moodle: Deployment ID in the tool's configuration details. Canvas: "
          "shown for each installation of the app; or leave empty and record them on their first launch "
          "(below). Several: one per line.", max_length=column_length(Deployment, "deployment_id")),
)
POLICY = Field("policy", "Unknown deployment ids", "Canvas makes a new deployment id each time the app is "
               "installed in an account or course; Moodle keeps one per tool.")
BY_NAME = {f.name: f for f in (*FIELDS, POLICY)}
REQUIRED = ("issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")
# The server fetches these: the keyset to verify each launch, the token URL before grades and rosters. The
# authentication request URL is where the learner's browser is sent, never fetched by Skillbite.
CALLED = ("auth_token_url", "key_set_url")

# The edit form on a platform's page: issuer and client id name the registration and stay as they are;
# the name is required there (it has one already), so its hint drops the add form's "Optional".
EDITABLE = ("name", "auth_login_url", "auth_token_url", "key_set_url")
EDIT_FIELDS = {**BY_NAME, "name": replace(BY_NAME["name"], hint="How this console names the platform, "
                                                                 "e.g. Acme Moodle.")}


def field_problem(field: Field, value: str) -> str | None:
    if not value:
        return f"Enter the {field.label}."
    if field.max_length and len(value) > field.max_length:
        return f"{field.label} must be at most {field.max_length} characters (it has {len(value)})."
    parts = urlsplit(value)
    # The same rule as plugin.platforms.services.add_platform, so what passes here is accepted there.
    if field.is_url and (parts.scheme not in {"http", "https"} or not parts.netloc):
        return f"{field.label} must be a full address starting with https:// (or http://), like {field.example}."
    return None


def deployment_ids(form: MultiDict[str, str]) -> list[str]:
    """The Deployment IDs typed: one per line (or separated by commas)."""
    return [d.strip() for d in form.get("deployment_ids", "").replace(",", "\n").splitlines() if d.strip()]


def _deployment_ids_problem(form: MultiDict[str, str]) -> str | None:
    field = BY_NAME["deployment_ids"]
    longest = max((len(d) for d in deployment_ids(form)), default=0)
    if longest > field.max_length:
        return f"Each {field.label} must be at most {field.max_length} characters (one has {longest})."
    return None


def _field_problems(names: Iterable[str], form: MultiDict[str, str], policy: OutboundPolicy,
                    saved: Mapping[str, str] | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        value = form.get(name, "").strip()
        problem = field_problem(BY_NAME[name], value)
        # A URL saved before (under an older policy, or a setting since removed) does not stop an edit of
        # something else; the check before each request still refuses it.
        if problem is None and name in CALLED and value != (saved or {}).get(name):
            problem = saving_problem(policy, value)
        if problem:
            found[name] = problem
    return found


def problems(session: Session, form: MultiDict[str, str], policy: OutboundPolicy) -> dict[str, str]:
    """Field name → what to change on the add form, for every problem at once (one correction fixes them all).

    ``policy`` is the one the server calls the platform with: a token or keyset URL it would refuse is
    refused here, when the administrator can still fix it.
    """
    given_name = ("name",) if form.get("name", "").strip() else ()  # optional, but not longer than its column
    found = _field_problems((*given_name, *REQUIRED), form, policy)
    if problem := _deployment_ids_problem(form):
        found["deployment_ids"] = problem
    if not found and _registered(session, form.get("issuer", "").strip(), form.get("client_id", "").strip()):
        found["client_id"] = ("This Platform ID (issuer) and Client ID are already registered: the platform is "
                              "in the list above.")
    return found


def edit_problems(form: MultiDict[str, str], policy: OutboundPolicy, platform: Platform) -> dict[str, str]:
    """Field name → what to change on the edit form, by the add form's rules and in its words."""
    return _field_problems(EDITABLE, form, policy, saved=edit_values(platform))


def edit_values(platform: Platform) -> dict[str, str]:
    """What the edit form shows before anything is typed: the platform as saved."""
    return {"name": platform.name, "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.auth_token_url, "key_set_url": platform.key_set_url,
            "policy": platform.deployment_policy}


def _registered(session: Session, issuer: str, client_id: str) -> bool:
    query = sa.select(Platform.id).where(Platform.issuer == issuer, Platform.client_id == client_id)
    return session.scalar(query) is not None
