"""The HTTP face of :class:`StrictPlatform`: JWKS, openid-configuration, dynamic registration, token
endpoint, and the two browser pages (launch start and OIDC authorization) real-browser tests need."""

from __future__ import annotations

import html
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
import requests
from werkzeug.wrappers import Request, Response

from .browser import require_loopback
from .dynamic_registration import (
    SUPPORTED_SCOPES,
    TOOL_CONFIGURATION,
    openid_configuration,
    validate_tool_registration,
)
from .launch_page import course_page_response
from .local_server import Handler, json_response

if TYPE_CHECKING:
    from .platform import StrictPlatform

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = 3600
FETCH_TIMEOUT = 5.0


def auto_post_form(action: str, fields: dict[str, str]) -> Response:
    """An auto-submitting form, as platforms use for the login initiation and the id_token post."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launching</title></head><body>'
        f'<form id="lti" method="post" action="{html.escape(action)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.getElementById('lti').submit()</script></body></html>"
    )
    return Response(body, mimetype="text/html")


def _oauth_error(platform: StrictPlatform, error: str, description: str, status: int = 400) -> Response:
    """RFC 6749 §5.2 error body."""
    with platform._lock:
        platform.token_errors.append(f"{error}: {description}")
    return json_response({"error": error, "error_description": description}, status)


def strict_platform_routes(platform: StrictPlatform) -> dict[tuple[str, str], Handler]:
    def jwks(_: Request) -> Response:
        with platform._lock:
            platform.jwks_requests += 1
        return json_response(platform.jwks())

    def configuration(_: Request) -> Response:
        return json_response(
            openid_configuration(
                issuer=platform.issuer,
                authorization_endpoint=platform.auth_login_url,
                token_endpoint=platform.auth_token_url,
                jwks_uri=platform.jwks_url,
                registration_endpoint=platform.registration_url,
            )
        )

    def launch_page(request: Request) -> Response:
        """GET /launch?role=Instructor[&storage=1]: start a launch from a real browser; with ``storage``
        the login offers LTI Platform Storage in the parent frame (``lti_storage_target=_parent``)."""
        role = request.args.get("role", "Learner")
        params = platform.login_params()
        if request.args.get("storage"):
            params["lti_storage_target"] = "_parent"
        with platform._lock:
            platform._logins[params["lti_message_hint"]].role = role
        return auto_post_form(platform.tool_login_url, params)

    def course_page(request: Request) -> Response:
        """GET /course?role=…[&storage=1]: an LMS course page framing the tool's launch, and answering
        the tool's platform storage messages."""
        return course_page_response(request.args.get("role", "Learner"), bool(request.args.get("storage")))

    def authorization(request: Request) -> Response:
        """The OIDC authorization endpoint (GET or POST, OIDC Core §3.1.2.1) for real browsers."""
        fields = request.args if request.method == "GET" else request.form
        url = f"{platform.auth_login_url}?{urlencode(list(fields.items(multi=True)))}"
        try:
            form = platform.authorize(url)
        except AssertionError as problem:
            return Response(f"invalid authentication request: {problem}", status=400, mimetype="text/plain")
        return auto_post_form(platform.last_redirect_uri or platform.tool_launch_url, form)

    def registration(request: Request) -> Response:
        return _register(platform, request)

    def token(request: Request) -> Response:
        return _issue_access_token(platform, request)

    return {
        ("GET", "/jwks"): jwks,
        ("GET", "/.well-known/openid-configuration"): configuration,
        ("GET", "/launch"): launch_page,
        ("GET", "/course"): course_page,
        ("GET", "/auth"): authorization,
        ("POST", "/auth"): authorization,
        ("POST", "/registration"): registration,
        ("POST", "/token"): token,
    }


def _register(platform: StrictPlatform, request: Request) -> Response:
    """LTI DR 1.0 §3.5-3.6: bearer registration token (single use), JSON body, strict checks."""
    from .platform import RegisteredClient

    def refuse(status: int, error: str, description: str) -> Response:
        with platform._lock:
            platform.registration_errors.append(f"{error}: {description}")
        return json_response({"error": error, "error_description": description}, status)

    authorization = request.headers.get("Authorization", "")
    token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
    if not platform.take_registration_token(token):
        return refuse(401, "invalid_token", "registration token missing, unknown or already used")
    if request.mimetype != "application/json":
        return refuse(
            400, "invalid_client_metadata", f"Content-Type must be application/json, not {request.mimetype!r}"
        )
    body = request.get_json(silent=True)
    problems = validate_tool_registration(body)
    if problems:
        return refuse(400, "invalid_client_metadata", "; ".join(problems))
    assert isinstance(body, dict)

    tool = body[TOOL_CONFIGURATION]
    with platform._lock:
        number = len(platform.registrations) + 1
        client_id = f"dr-client-{number}-{secrets.token_hex(4)}"
        deployment_id = f"dr-dep-{number}"
        granted = [s for s in body["scope"].split() if s in SUPPORTED_SCOPES and s != "openid"]
        response = {
            **body,
            "client_id": client_id,
            "scope": " ".join(granted),
            TOOL_CONFIGURATION: {**tool, "deployment_id": deployment_id},
        }
        platform.registered_clients[client_id] = RegisteredClient(
            client_id=client_id,
            deployment_ids=[deployment_id],
            jwks_uri=body["jwks_uri"],
            redirect_uris=list(body["redirect_uris"]),
            initiate_login_uri=body["initiate_login_uri"],
            target_link_uri=tool["target_link_uri"],
            scopes=granted,
        )
        platform.registrations.append(
            {
                "client_id": client_id,
                "deployment_id": deployment_id,
                "request": body,
                "response": response,
                "headers": dict(request.headers),
            }
        )
    return json_response(response, platform.registration_status)


def _tool_jwks(platform: StrictPlatform, jwks_uri: str) -> dict[str, Any]:
    if platform.tool_jwks_override is not None:
        return platform.tool_jwks_override
    require_loopback(jwks_uri)
    response = requests.get(jwks_uri, timeout=FETCH_TIMEOUT)
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise ValueError(f"{jwks_uri} is not a JWKS")
    return body


def _issue_access_token(platform: StrictPlatform, request: Request) -> Response:
    """client_credentials grant with a private_key_jwt client assertion (Security Framework §4.1,
    RFC 7523 §2.2, §3)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return _oauth_error(platform, "invalid_request", "body must be application/x-www-form-urlencoded")
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(platform, "unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
    if form.get("client_assertion_type") != JWT_BEARER:
        return _oauth_error(platform, "invalid_request", "client_assertion_type must be jwt-bearer")
    assertion, scope = form.get("client_assertion"), form.get("scope")
    if not assertion:
        return _oauth_error(platform, "invalid_request", "client_assertion is missing")
    if not scope:
        return _oauth_error(platform, "invalid_request", "scope is missing")
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as problem:
        return _oauth_error(platform, "invalid_client", f"client_assertion is not a JWT: {problem}", 401)
    client_id = unverified.get("sub")
    with platform._lock:
        if client_id == platform.client_id:
            jwks_uri: str | None = platform.tool_jwks_url
            allowed = [s for s in SUPPORTED_SCOPES if s != "openid"]
        elif client_id in platform.registered_clients:
            jwks_uri = platform.registered_clients[client_id].jwks_uri
            allowed = platform.registered_clients[client_id].scopes
        else:
            jwks_uri, allowed = None, []
    if jwks_uri is None:
        return _oauth_error(platform, "invalid_client", f"unknown client {client_id!r}", 401)
    kid = header.get("kid")
    if not kid:
        return _oauth_error(platform, "invalid_client", "client_assertion header has no kid", 401)
    try:
        tool_keys = _tool_jwks(platform, jwks_uri)
    except (requests.RequestException, ValueError) as problem:
        return _oauth_error(platform, "invalid_client", f"could not fetch the tool JWKS: {problem}", 401)
    jwk = next((k for k in tool_keys["keys"] if k.get("kid") == kid), None)
    if jwk is None:
        return _oauth_error(platform, "invalid_client", f"kid {kid!r} is not in the tool JWKS", 401)
    try:
        key = jwt.PyJWK.from_dict(jwk, algorithm="RS256").key
        verified = jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            audience=platform.auth_token_url,
            issuer=client_id,
            leeway=5,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError as problem:
        return _oauth_error(platform, "invalid_client", f"client_assertion rejected: {problem}", 401)
    with platform._lock:
        if verified["jti"] in platform.seen_client_assertion_ids:
            return _oauth_error(platform, "invalid_client", "client_assertion jti was already used", 401)
        platform.seen_client_assertion_ids.add(verified["jti"])
    granted = [s for s in scope.split() if s in allowed]
    if not granted:
        return _oauth_error(platform, "invalid_scope", f"none of {scope!r} is granted to {client_id}")
    access_token = "at-" + secrets.token_urlsafe(32)
    with platform._lock:
        platform.access_tokens[access_token] = {
            "client_id": client_id,
            "scopes": granted,
            "expires_at": int(time.time()) + ACCESS_TOKEN_LIFETIME,
        }
    return json_response(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(granted),
        }
    )
