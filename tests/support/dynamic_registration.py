"""The platform's side of LTI Dynamic Registration 1.0, shaped like Moodle 4.x.

The openid-configuration document (LTI DR 1.0 §3.4, OpenID Connect Discovery 1.0 §3) and the strict check
of the tool's registration request (LTI DR 1.0 §3.5, OpenID Connect Dynamic Client Registration 1.0 §2).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lti import claims

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SUPPORTED_MESSAGES = (claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST)
SUPPORTED_SCOPES = ("openid", *claims.TOOL_SCOPES)
SUPPORTED_CLAIMS = ("iss", "sub", "aud", "name", "given_name", "family_name", "email", "picture", "locale")


def openid_configuration(
    *,
    issuer: str,
    authorization_endpoint: str,
    token_endpoint: str,
    jwks_uri: str,
    registration_endpoint: str,
) -> dict[str, Any]:
    """What Moodle 4.x publishes at ``/mod/lti/openid-configuration.php``, with our URLs."""
    return {
        "issuer": issuer,
        "authorization_endpoint": authorization_endpoint,
        "token_endpoint": token_endpoint,
        "jwks_uri": jwks_uri,
        "registration_endpoint": registration_endpoint,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": list(SUPPORTED_CLAIMS),
        PLATFORM_CONFIGURATION: {
            "product_family_code": "moodle",
            "version": "4.3",
            "messages_supported": [{"type": message} for message in SUPPORTED_MESSAGES],
            "variables": [
                "basic-lti-launch-request",
                "ContentItemSelectionRequest",
                "Context.id",
                "Context.title",
                "Context.label",
                "CourseSection.sourcedId",
                "ResourceLink.id",
                "ResourceLink.title",
                "User.id",
                "User.username",
                "Person.name.full",
                "Person.name.given",
                "Person.name.family",
                "Person.email.primary",
                "Membership.role",
            ],
        },
    }


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.fragment


def _on_domain(url: str, domains: list[str]) -> bool:
    parts = urlsplit(url)
    return parts.netloc in domains or (parts.hostname or "") in domains


def validate_tool_registration(body: Any) -> list[str]:
    """Every problem with a tool's registration request; empty when it is acceptable."""
    if not isinstance(body, dict):
        return ["registration body must be a JSON object"]
    problems: list[str] = []

    def expect(condition: bool, problem: str) -> None:
        if not condition:
            problems.append(problem)

    expect(body.get("application_type") == "web", "application_type must be 'web'")
    expect(body.get("response_types") == ["id_token"], "response_types must be ['id_token']")
    grant_types = body.get("grant_types")
    expect(
        isinstance(grant_types, list) and {"implicit", "client_credentials"} <= set(grant_types),
        "grant_types must include 'implicit' and 'client_credentials'",
    )
    expect(_is_url(body.get("initiate_login_uri")), "initiate_login_uri must be an absolute URL")
    redirect_uris = body.get("redirect_uris")
    expect(
        isinstance(redirect_uris, list) and bool(redirect_uris) and all(_is_url(u) for u in redirect_uris),
        "redirect_uris must be a non-empty list of absolute URLs",
    )
    expect(_is_url(body.get("jwks_uri")), "jwks_uri must be an absolute URL")
    expect(
        body.get("token_endpoint_auth_method") == "private_key_jwt",
        "token_endpoint_auth_method must be 'private_key_jwt'",
    )
    expect(isinstance(body.get("client_name"), str) and bool(body.get("client_name")), "client_name is required")
    scope = body.get("scope")
    expect(isinstance(scope, str), "scope must be a space-separated string")
    if isinstance(scope, str):
        unknown = sorted(set(scope.split()) - set(SUPPORTED_SCOPES))
        expect(not unknown, f"scope asks for unsupported scopes {unknown}")
    if "logo_uri" in body:
        expect(_is_url(body["logo_uri"]), "logo_uri must be an absolute URL")
    if "contacts" in body:
        expect(isinstance(body["contacts"], list), "contacts must be a list")

    tool = body.get(TOOL_CONFIGURATION)
    if not isinstance(tool, dict):
        problems.append(f"{TOOL_CONFIGURATION} object is required")
        return problems
    domain = tool.get("domain")
    expect(isinstance(domain, str) and bool(domain) and "/" not in domain, "tool domain must be a host[:port]")
    domains = [domain] if isinstance(domain, str) else []
    secondary = tool.get("secondary_domains", [])
    expect(isinstance(secondary, list), "secondary_domains must be a list")
    if isinstance(secondary, list):
        domains += [d for d in secondary if isinstance(d, str)]
    expect(_is_url(tool.get("target_link_uri")), "tool target_link_uri must be an absolute URL")
    if domains:
        for name, url in (
            ("initiate_login_uri", body.get("initiate_login_uri")),
            ("target_link_uri", tool.get("target_link_uri")),
            *(("redirect_uri", u) for u in (redirect_uris if isinstance(redirect_uris, list) else [])),
        ):
            if _is_url(url):
                expect(_on_domain(url, domains), f"{name} {url} is not on the tool domain {domains}")
    tool_claims = tool.get("claims")
    expect(
        isinstance(tool_claims, list) and all(isinstance(c, str) for c in tool_claims),
        "tool claims must be a list of claim names",
    )
    messages = tool.get("messages")
    expect(isinstance(messages, list), "tool messages must be a list")
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict) or message.get("type") not in SUPPORTED_MESSAGES:
            problems.append(f"unsupported message {message!r}")
            continue
        if "target_link_uri" in message:
            expect(_is_url(message["target_link_uri"]), f"message target_link_uri {message!r} must be a URL")
        if "placements" in message:
            expect(isinstance(message["placements"], list), "message placements must be a list")
    custom = tool.get("custom_parameters", {})
    expect(
        isinstance(custom, dict) and all(isinstance(v, str) for v in custom.values()),
        "custom_parameters must map names to strings",
    )
    return problems
