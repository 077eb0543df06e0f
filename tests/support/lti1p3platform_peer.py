"""ThirdPartyPlatform: the independent ``lti1p3platform`` (PyPI, 0.1.8) as an interoperability peer.

The login initiation URL, the checks on the tool's authentication request, the id_token claims, its
signature and ``kid``, the JWKS and the auto-submitting launch form are all produced by the package's own
code; this module only supplies the request adapter it needs (it ships Django and FastAPI adapters only)
and serves its JWKS and token endpoint over HTTP on 127.0.0.1.

What the package does differently from :class:`StrictPlatform` (its checks are loose on purpose here):
- login initiation is a GET with query parameters, built by ``OIDCLoginAbstract.prepare_preflight_url``;
- of the tool's auth request it checks only that nonce, state and redirect_uri are present and that
  client_id matches; redirect_uri is not compared with a registered list, scope/response_type/
  response_mode/prompt/login_hint/lti_message_hint are not checked at all;
- it posts the id_token to whatever redirect_uri the tool asked for;
- ``kid`` is the RFC 7638 thumbprint of the key (jwcrypto), the JWKS entries carry ``alg`` and ``use``;
- ``aud`` is a single string and ``azp`` is always present; there is no ``tool_platform`` nor ``lis``
  claim and the user claims are limited to ``name``, ``email`` and ``preferred_username`` (no
  ``given_name``/``family_name``); ``context.type`` must be a list;
- the token endpoint (``get_access_token``) does not check the client assertion's ``aud``, ``jti`` or
  ``iss`` and answers ``token_type: "bearer"``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from lti1p3platform import exceptions as peer_errors
from lti1p3platform.framework.templates import template as launch_form_template
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PeerRequestBase
from lti1p3platform.request import TRequest
from werkzeug.wrappers import Request, Response

from lti import claims as lti_claims

from .browser import Browser, ResponseLike, require_loopback
from .keys import SigningKey
from .local_server import Handler, LocalServer, ServedPlatform, json_response
from .platform import LIS, redirect_location, role_uris

_PEER_ERRORS = (
    peer_errors.LtiException,
    peer_errors.MissingRequiredClaim,
    peer_errors.UnsupportedGrantType,
    peer_errors.InvalidKeySetUrl,
    jwt.PyJWTError,
)


class PlainRequest(PeerRequestBase):
    """The thin request adapter lti1p3platform needs outside Django/FastAPI: a plain mapping with
    ``method``, ``get_data``, ``form_data``, ``headers``, ``path``."""

    def build_metadata(self, request: Mapping[str, Any]) -> TRequest:
        return {
            "method": request.get("method", "GET"),
            "form_data": dict(request.get("form_data", {})),
            "get_data": dict(request.get("get_data", {})),
            "headers": dict(request.get("headers", {})),
            "content_type": request.get("content_type"),
            "path": request.get("path", ""),
            "json": request.get("json"),
        }


class PeerPlatformConf(LTI1P3PlatformConfAbstract):
    """The package's platform configuration, holding one tool registration."""

    def init_platform_config(self, **kwargs: Any) -> None:
        self.settings = kwargs

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        s = self.settings
        return (
            Registration()
            .set_iss(s["iss"])
            .set_client_id(s["client_id"])
            .set_deployment_id(s["deployment_id"])
            .set_oidc_login_url(s["oidc_login_url"])
            .set_launch_url(s["launch_url"])
            .set_deeplink_launch_url(s["launch_url"])
            .set_tool_key_set_url(s["tool_jwks_url"])
            .set_platform_public_key(s["public_pem"])
            .set_platform_private_key(s["private_pem"])
        )


class PeerOIDCLogin(OIDCLoginAbstract):
    """``get_redirect`` hands back the URL: the test's browser follows it."""

    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["lti_message_hint"]

    def get_redirect(self, url: str) -> str:
        return url


class PeerMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """Renders the package's own auto-submitting launch form (``framework/templates/launch.html``)."""

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return str(launch_form_template.render(launch_data))


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = values.get("action")
        elif tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def parse_launch_form(page: str) -> tuple[str, dict[str, str]]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    if not parser.action:
        raise AssertionError(f"launch page has no form action: {page[:300]!r}")
    return parser.action, parser.fields


@dataclass
class _PeerLogin:
    login_hint: str
    target_link_uri: str
    role: str | Sequence[str] = "Learner"
    message_type: str = lti_claims.RESOURCE_LINK_REQUEST
    claims: dict[str, Any] = field(default_factory=dict)


class ThirdPartyPlatform(ServedPlatform):
    """Same launch shape as :class:`StrictPlatform` (``launch``, ``start_login``, ``authorize``,
    ``finish``), with everything LTI produced by ``lti1p3platform``."""

    def __init__(
        self,
        client_id: str = "lti1p3platform-peer-client",
        deployment_id: str = "peer-dep-1",
        tool_base: str = "http://127.0.0.1",
        *,
        tool_login_url: str | None = None,
        tool_jwks_url: str | None = None,
    ) -> None:
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.deployment_ids = [deployment_id]
        self.tool_base = tool_base.rstrip("/")
        self.tool_launch_url = self.tool_base + "/lti/launch"
        self.tool_login_url = tool_login_url or self.tool_base + "/lti/login"
        self.tool_jwks_url = tool_jwks_url or self.tool_base + "/lti/jwks"
        self.user = {"sub": "peer-u-2002", "name": "Grace Hopper", "email": "grace.hopper@example.test"}
        self._key = SigningKey.generate()
        self._lock = threading.RLock()
        self._server: LocalServer | None = None
        self._conf: PeerPlatformConf | None = None
        self._logins: dict[str, _PeerLogin] = {}
        self.last_redirect_uri: str | None = None
        self.auth_requests: list[dict[str, str]] = []

    # -- server and the package's configuration ------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def conf(self) -> PeerPlatformConf:
        with self._lock:
            if self._conf is None:
                self._conf = PeerPlatformConf(
                    iss=self.issuer,
                    client_id=self.client_id,
                    deployment_id=self.deployment_id,
                    oidc_login_url=self.tool_login_url,
                    launch_url=self.tool_launch_url,
                    tool_jwks_url=self.tool_jwks_url,
                    public_pem=self._key.public_pem().decode("ascii"),
                    private_pem=self._key.private_pem().decode("ascii"),
                )
                self._conf.get_registration()
            return self._conf

    def jwks(self) -> dict[str, Any]:
        return dict(self.conf.get_jwks())

    def _routes(self) -> dict[tuple[str, str], Handler]:
        def jwks(_: Request) -> Response:
            return json_response(self.jwks())

        def token(request: Request) -> Response:
            require_loopback(self.tool_jwks_url)
            try:
                body = self.conf.get_access_token(request.form.to_dict())
            except _PEER_ERRORS as problem:
                return json_response({"error": "invalid_request", "error_description": str(problem)}, 400)
            return json_response(body)

        return {("GET", "/jwks"): jwks, ("POST", "/token"): token}

    # -- the launch, produced by the package ----------------------------------------------------------

    def start_login(
        self,
        browser: Browser,
        *,
        role: str | Sequence[str] = "Learner",
        claims: Mapping[str, Any] | None = None,
        login_overrides: Mapping[str, str | None] | None = None,
        message_type: str | None = None,
    ) -> str:
        """The package builds the login initiation URL (GET); the browser follows it to the tool."""
        hint = "peer-mh-" + secrets.token_urlsafe(12)
        login = _PeerLogin(
            login_hint=self.user["sub"],
            target_link_uri=self.tool_launch_url,
            role=role,
            message_type=message_type or lti_claims.RESOURCE_LINK_REQUEST,
            claims=dict(claims or {}),
        )
        oidc = PeerOIDCLogin(None, self.conf)
        oidc.set_lti_message_hint(lti_message_hint=hint)
        oidc.set_launch_url(login.target_link_uri)
        url = str(oidc.initiate_login(login.login_hint))
        if login_overrides:
            url = _override_query(url, login_overrides)
            params = dict(parse_qsl(urlsplit(url).query))
            login.login_hint = params.get("login_hint", login.login_hint)
            login.target_link_uri = params.get("target_link_uri", login.target_link_uri)
            hint = params.get("lti_message_hint", hint)
        with self._lock:
            self._logins[hint] = login
        return redirect_location(browser.get(url), "login initiation (lti1p3platform)")

    def authorize(
        self,
        auth_request_url: str,
        *,
        role: str | Sequence[str] | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """The package checks the auth request (loosely), builds and signs the id_token, and renders
        its launch form; the form's action and fields are returned as ``last_redirect_uri`` and a dict."""
        params = dict(parse_qsl(urlsplit(auth_request_url).query, keep_blank_values=True))
        with self._lock:
            self.auth_requests.append(params)
            login = self._logins.get(params.get("lti_message_hint", ""))
        if login is None:
            login = _PeerLogin(
                login_hint=params.get("login_hint", self.user["sub"]), target_link_uri=self.tool_launch_url
            )
        base = self.base_url
        launch = PeerMessageLaunch(PlainRequest({"method": "GET", "get_data": params}), self.conf)
        launch.set_launch_url(login.target_link_uri)
        launch.set_user_data(
            user_id=login.login_hint,
            lis_roles=role_uris(role if role is not None else login.role),
            full_name=self.user["name"],
            email_address=self.user["email"],
        )
        launch.set_launch_context_claim(
            "peer-course-1",
            context_types=[LIS + "course#CourseOffering"],
            context_title="Interop course",
            context_label="INT101",
        )
        launch.set_launch_presentation_claim(document_target="iframe", return_url=base + "/return")
        launch.set_custom_parameters_claim({})
        launch.set_ags(
            lineitems_url=base + "/ags/contexts/peer-course-1/lineitems",
            lineitem_url=base + "/ags/contexts/peer-course-1/lineitems/peer-rl-1",
        )
        launch.set_nrps(base + "/nrps/contexts/peer-course-1/memberships")
        if login.message_type == lti_claims.DEEP_LINKING_REQUEST:
            launch.set_dl(base + "/deep_linking/return", title="Add a Skillbite course")
        else:
            launch.set_resource_link_claim("peer-rl-1", title="Interop nugget")
        extra = {**login.claims, **(claims or {})}
        if extra:
            launch.set_extra_claims(extra)
        try:
            page = launch.lti_launch()
        except peer_errors.PreflightRequestValidationException as problem:
            raise AssertionError(f"lti1p3platform refused the auth request {params}") from problem
        action, fields = parse_launch_form(page)
        self.last_redirect_uri = action
        return fields

    def launch(
        self,
        browser: Browser,
        *,
        role: str | Sequence[str] = "Learner",
        claims: Mapping[str, Any] | None = None,
        login_overrides: Mapping[str, str | None] | None = None,
        tamper: Callable[[dict[str, str]], dict[str, str]] | None = None,
        message_type: str | None = None,
    ) -> ResponseLike:
        auth_url = self.start_login(
            browser, role=role, claims=claims, login_overrides=login_overrides, message_type=message_type
        )
        form = self.authorize(auth_url)
        if tamper is not None:
            form = tamper(dict(form))
        return self.finish(browser, form)


def _override_query(url: str, overrides: Mapping[str, str | None]) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in overrides.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return urlunsplit(parts._replace(query=urlencode(params)))
