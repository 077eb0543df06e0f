"""LTI Dynamic Registration 1.0, the tool's side.

§3.3-3.4: the platform opens the tool's registration page with ``openid_configuration`` (and usually
``registration_token``); the tool reads the platform's OpenID configuration, validates it (§3.5.1,
§3.4.1), posts its client registration (§3.5.2) and keeps the client_id and deployment_id of the answer
(§3.6).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from lti import claims as lti_claims
from lti.errors import RegistrationError, ServiceError
from lti.http import HttpClient, oauth_error
from lti.outbound import OutboundRefused

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
REQUIRED_CONFIGURATION_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    PLATFORM_CONFIGURATION,
)
# The endpoints the tool stores and later calls (logins, token requests, key fetches, the registration).
URL_CONFIGURATION_FIELDS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
DEFAULT_CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email", "locale")


@dataclass(frozen=True)
class ToolDescription:
    """What the tool tells the platform about itself."""

    name: str
    base_url: str
    login_url: str
    launch_url: str
    jwks_url: str
    logo_url: str | None
    description: str | None
    deep_linking_url: str
    scopes: tuple[str, ...] = lti_claims.TOOL_SCOPES
    claims: tuple[str, ...] = DEFAULT_CLAIMS


@dataclass(frozen=True)
class RegistrationResult:
    """What the tool stores as a new platform registration (§3.6)."""

    issuer: str
    client_id: str
    deployment_id: str | None
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    token_audience: str | None
    response: dict[str, Any]
    product_family_code: str | None = None  # from the platform's configuration (§3.4.1), e.g. "moodle"


def _issuer_matches(issuer: str, configuration_url: str) -> bool:
    """§3.5.1: the configuration URL begins with the issuer, so the issuer's host serves it."""
    try:
        issuer_parts, url_parts = urlsplit(issuer), urlsplit(configuration_url)
    except ValueError:
        return False
    if not issuer_parts.scheme or issuer_parts.query or issuer_parts.fragment:
        return False
    if (issuer_parts.scheme, issuer_parts.netloc.lower()) != (url_parts.scheme, url_parts.netloc.lower()):
        return False
    prefix = issuer.rstrip("/")
    rest = configuration_url[len(prefix) :]
    return configuration_url.startswith(prefix) and (rest == "" or rest[0] in "/?")


def _field_error(field: str) -> RegistrationError:
    return RegistrationError(
        "missing_configuration_field",
        f"The platform's OpenID configuration has no usable {field!r}.",
        "LTI Dynamic Registration 1.0 §3.4.1 requires it; check the platform's registration support.",
    )


def _is_absolute_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _url_field_error(field: str, value: str) -> RegistrationError:
    return RegistrationError(
        "invalid_configuration_url",
        f"The platform's OpenID configuration gives {field} as {value[:200]!r}, which is not an absolute "
        "http(s) URL.",
        "LTI Dynamic Registration 1.0 §3.4.1: the platform's endpoints are URLs. Check the LMS's site URL "
        "(Moodle: $CFG->wwwroot) and its LTI settings, then start the registration again.",
    )


def fetch_platform_configuration(openid_configuration_url: str, http: HttpClient) -> dict[str, Any]:
    """GET and validate the platform's OpenID configuration (§3.4, §3.5.1)."""
    try:
        config = http.get_json(openid_configuration_url)
    except OutboundRefused as exc:
        raise RegistrationError(
            "configuration_refused",
            f"Skillbite does not read this OpenID configuration: {exc}.",
            "Start the registration from your LMS at its public address (the openid_configuration URL "
            "it sends must be reachable on the internet), or ask the Skillbite operator about the setting "
            "named above.",
        ) from None
    except ServiceError as exc:
        raise RegistrationError(
            "configuration_unavailable",
            f"The platform's OpenID configuration could not be read ({exc}).",
            "Check that Skillbite can reach the platform, then start the registration again.",
            status=502,
        ) from None
    if not isinstance(config, dict):
        raise RegistrationError(
            "configuration_unavailable",
            "The platform's OpenID configuration is not a JSON object.",
            "Check the openid_configuration URL the platform sent.",
            status=502,
        )
    for field in REQUIRED_CONFIGURATION_FIELDS:
        value = config.get(field)
        expected_type = dict if field == PLATFORM_CONFIGURATION else (
            list if field.endswith("_supported") else str
        )
        if not isinstance(value, expected_type) or not value:
            raise _field_error(field)
    for field in URL_CONFIGURATION_FIELDS:
        if not _is_absolute_http_url(config[field]):
            raise _url_field_error(field, config[field])
    if not _issuer_matches(config["issuer"], openid_configuration_url):
        raise RegistrationError(
            "issuer_mismatch",
            f"The configuration URL does not begin with the platform's issuer {config['issuer'][:200]!r}.",
            "LTI Dynamic Registration 1.0 §3.5.1: the issuer must serve its own configuration.",
        )
    if "RS256" not in config["id_token_signing_alg_values_supported"]:
        raise RegistrationError(
            "unsupported_signing_alg",
            "The platform does not sign id_tokens with RS256.",
            "Skillbite requires RS256 (Security Framework 1.0 §6.1).",
        )
    if "private_key_jwt" not in config["token_endpoint_auth_methods_supported"]:
        raise RegistrationError(
            "unsupported_auth_method",
            "The platform's token endpoint does not accept private_key_jwt.",
            "Skillbite authenticates to the token endpoint with a signed JWT (Security Framework §4.1).",
        )
    return config


def _supported_message_types(platform_config: Mapping[str, Any]) -> set[str] | None:
    lti_config = platform_config.get(PLATFORM_CONFIGURATION)
    listed = lti_config.get("messages_supported") if isinstance(lti_config, dict) else None
    if not isinstance(listed, list):
        return None
    return {m["type"] for m in listed if isinstance(m, dict) and isinstance(m.get("type"), str)}


def tool_registration_request(tool: ToolDescription, platform_config: Mapping[str, Any]) -> dict[str, Any]:
    """The client registration body (§3.5.2), asking only for what the platform says it supports."""
    scopes_supported = platform_config.get("scopes_supported")
    scopes = [s for s in tool.scopes if not isinstance(scopes_supported, list) or s in scopes_supported]
    messages: list[dict[str, Any]] = [
        {"type": lti_claims.RESOURCE_LINK_REQUEST, "target_link_uri": tool.launch_url},
        {
            "type": lti_claims.DEEP_LINKING_REQUEST,
            "target_link_uri": tool.deep_linking_url,
            "label": tool.name,
        },
    ]
    supported = _supported_message_types(platform_config)
    if supported is not None:
        messages = [m for m in messages if m["type"] in supported]
    tool_config: dict[str, Any] = {
        "domain": urlsplit(tool.base_url).netloc,
        "target_link_uri": tool.launch_url,
        "claims": list(tool.claims),
        "messages": messages,
    }
    if tool.description:
        tool_config["description"] = tool.description
    redirect_uris = [tool.launch_url]
    if tool.deep_linking_url != tool.launch_url:
        redirect_uris.append(tool.deep_linking_url)
    body: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login_url,
        "redirect_uris": redirect_uris,
        "client_name": tool.name,
        "jwks_uri": tool.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: tool_config,
    }
    if tool.logo_url:
        body["logo_uri"] = tool.logo_url
    return body


def _platform_message(response: requests.Response) -> str:
    """The platform's OAuth-style error (RFC 7591 §3.2.2), shortened, or nothing.

    Only a JSON reply with a registered ``error`` code is quoted, with its ``error_description``: the
    endpoint's URL came from whoever opened the registration page, so any other body is not repeated.
    """
    code = oauth_error(response)
    if code is None:
        return ""
    try:
        description = response.json().get("error_description")
    except ValueError:
        description = None
    if not isinstance(description, str):
        return code
    description = re.sub(r"\s+", " ", "".join(c for c in description if c.isprintable() or c.isspace()))
    return f"{code}: {description.strip()[:200]}"


def register_tool(
    openid_configuration_url: str, registration_token: str | None, tool: ToolDescription, http: HttpClient
) -> RegistrationResult:
    """Run Dynamic Registration §3.4-3.6 and return what to store as the platform registration."""
    config = fetch_platform_configuration(openid_configuration_url, http)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    body = tool_registration_request(tool, config)
    try:
        response = http.post_json(config["registration_endpoint"], body, headers)
    except OutboundRefused as exc:
        raise RegistrationError(
            "registration_endpoint_refused",
            f"Skillbite does not send its registration to this platform's registration endpoint: {exc}.",
            "The platform's OpenID configuration must name a registration_endpoint at its public address; "
            "check the LMS's site URL (Moodle: $CFG->wwwroot), or ask the Skillbite operator about the "
            "setting named above.",
        ) from None
    except ServiceError as exc:
        raise RegistrationError(
            "registration_unavailable",
            f"The platform's registration endpoint could not be reached ({exc}).",
            "Check that Skillbite can reach the platform, then start the registration again.",
            status=502,
        ) from None
    if not 200 <= response.status_code < 300:
        said = _platform_message(response)
        raise RegistrationError(
            "registration_rejected",
            f"The platform refused the registration (HTTP {response.status_code})" + (f": {said}" if said else "."),
            "The registration link may have expired or been used; start the registration again.",
            # A 4xx is the platform refusing this registration (used or expired token, rejected
            # metadata): the admin must act. A 5xx is the platform failing: a gateway error.
            status=502 if response.status_code >= 500 else 400,
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("client_id"), str) or not data["client_id"]:
        raise RegistrationError(
            "invalid_registration_response",
            "The platform's registration answer has no client_id.",
            "LTI Dynamic Registration 1.0 §3.6 requires client_id in the answer; check the platform.",
            status=502,
        )
    tool_config = data.get(TOOL_CONFIGURATION)
    deployment_id = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    audience = config.get("authorization_server")
    product = config[PLATFORM_CONFIGURATION].get("product_family_code")
    return RegistrationResult(
        issuer=config["issuer"],
        client_id=data["client_id"],
        deployment_id=deployment_id if isinstance(deployment_id, str) and deployment_id else None,
        auth_login_url=config["authorization_endpoint"],
        auth_token_url=config["token_endpoint"],
        key_set_url=config["jwks_uri"],
        token_audience=audience if isinstance(audience, str) and audience else None,
        response=data,
        product_family_code=product if isinstance(product, str) and product else None,
    )
