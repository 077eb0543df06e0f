"""Third-party initiated login, the tool's half (LTI Core 1.3 §4.1, Security Framework 1.0 §5.1.1).

The platform sends the browser to the tool's login URL; the tool answers with a redirect to the
platform's OIDC authorization endpoint, carrying a fresh ``state`` (kept server-side, §5.1.1.1) and
``nonce`` (checked once in the id_token, §5.1.3 step 9).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lti.errors import LaunchError
from lti.storage import LaunchStateStore, PlatformRegistration, RegistrationLookup

# LTI Core 1.3 §4.1: required parameters of the login initiation request.
REQUIRED_LOGIN_PARAMETERS = ("iss", "login_hint", "target_link_uri")


@dataclass(frozen=True)
class LoginRedirect:
    """Where to send the browser, and what the web layer needs to bind the state to it."""

    url: str
    state: str
    nonce: str
    storage_target: str | None
    registration: PlatformRegistration


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added to (and overriding) any query string it already has."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def begin_login(
    params: Mapping[str, str],
    *,
    registrations: RegistrationLookup,
    states: LaunchStateStore,
    redirect_uri: str,
    state_ttl_seconds: int = 600,
    token_bytes: int = 32,
) -> LoginRedirect:
    """Check a login initiation request and build the OIDC authentication request (§5.1.1.2)."""
    for name in REQUIRED_LOGIN_PARAMETERS:
        if not params.get(name):
            raise LaunchError(
                "missing_login_parameter",
                f"The login request has no {name!r} parameter.",
                "LTI Core 1.3 §4.1 requires iss, login_hint and target_link_uri; "
                "check the tool's login URL in the platform.",
            )
    for name, value in params.items():
        if "\x00" in value:
            # No LMS sends NUL; PostgreSQL cannot even compare text holding it.
            raise LaunchError(
                "invalid_login_parameter",
                f"The login request's {name[:40]!r} parameter holds a NUL character.",
                "Check the tool's login URL in the platform; the request looks corrupted.",
            )
    issuer = params["iss"]
    client_id = params.get("client_id") or None  # optional: an issuer may have several clients
    registration = registrations.find_registration(issuer, client_id)
    if registration is None and client_id is None:
        # LTI Core 1.3 §4.1.3: client_id is optional in the login request, so an issuer with several
        # registrations (one per client_id) cannot be told apart without it.
        raise LaunchError(
            "unknown_platform",
            f"No single platform registration matches issuer {issuer[:200]!r}: either none is "
            "registered, or several client_ids are registered for it and the login request did not "
            "say which one (client_id).",
            "Make the LMS send client_id with its login request (LTI Core 1.3 §4.1.3), or register "
            "this issuer in Skillbite if it is not registered yet.",
            status=400,
        )
    if registration is None:
        raise LaunchError(
            "unknown_platform",
            f"No platform is registered with issuer {issuer[:200]!r} and client_id {str(client_id)[:200]!r}.",
            "An administrator must register this issuer and client_id in Skillbite "
            "(or use dynamic registration) before the platform can launch it.",
            status=400,
        )
    state = secrets.token_urlsafe(token_bytes)
    nonce = secrets.token_urlsafe(token_bytes)
    storage_target = params.get("lti_storage_target") or None
    states.save_state(
        state,
        {
            "nonce": nonce,
            "iss": registration.issuer,
            "client_id": registration.client_id,
            "registration_id": registration.id,
            "deployment_id": params.get("lti_deployment_id") or None,
            "target_link_uri": params["target_link_uri"],
            "storage_target": storage_target,
        },
        state_ttl_seconds,
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": params["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    return LoginRedirect(
        url=_with_query(registration.auth_login_url, query),
        state=state,
        nonce=nonce,
        storage_target=storage_target,
        registration=registration,
    )
