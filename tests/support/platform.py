"""StrictPlatform: our own LTI 1.3 platform for tests, as strict as a certified LMS.

It checks the tool's OIDC authentication request the way LTI Core 1.3 §4.1 / 1EdTech Security Framework
1.0 §5.1.1 require, signs id_tokens with its own rotating keys, crafts every malformed token the negative
tests need, and serves its JWKS, openid-configuration, dynamic registration and token endpoint over
real HTTP on 127.0.0.1 (see :mod:`tests.support.platform_http`).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from lti import claims as lti_claims

from .browser import Browser, ResponseLike
from .keys import SigningKey
from .local_server import Handler, LocalServer, ServedPlatform
from .platform_claims import DEFAULT_CONTEXT, DEFAULT_RESOURCE_LINK, DEFAULT_USER, LIS, role_uris
from .platform_registration import RegisteredClient, RegistrationSide
from .token_cases import MISSING, TOKEN_CASES_ACCEPTED, TOKEN_CASES_REJECTED, IdTokenSide


def _non_trivial(value: str | None) -> bool:
    return value is not None and len(value) >= 16 and len(set(value)) >= 8


@dataclass
class LoginContext:
    """What the platform remembers about a login it initiated, keyed by its ``lti_message_hint``."""

    login_hint: str
    lti_message_hint: str
    target_link_uri: str
    deployment_id: str
    client_id: str
    role: str | Sequence[str] = "Learner"
    message_type: str = lti_claims.RESOURCE_LINK_REQUEST
    claims: dict[str, Any] = field(default_factory=dict)
    token_options: dict[str, Any] = field(default_factory=dict)



class StrictPlatform(ServedPlatform, IdTokenSide, RegistrationSide):
    """A strict LTI 1.3 platform for tests. Start its HTTP server with ``start()`` / ``with platform:`` /
    ``with platform.serve():`` and always stop it (the ``strict_platform`` fixture does)."""

    def __init__(
        self,
        issuer: str | None = None,
        client_id: str = "skillbite-test-client",
        deployment_ids: Iterable[str] = ("dep-1",),
        tool_base: str = "http://127.0.0.1",
        *,
        redirect_uris: Iterable[str] | None = None,
        tool_login_url: str | None = None,
        tool_jwks_url: str | None = None,
        name: str = "Strict Test LMS",
    ) -> None:
        self._issuer = issuer
        self.client_id = client_id
        self.deployment_ids = list(deployment_ids)
        self.tool_base = tool_base.rstrip("/")
        self.tool_launch_url = self.tool_base + "/lti/launch"
        self.tool_login_url = tool_login_url or self.tool_base + "/lti/login"
        self.tool_jwks_url = tool_jwks_url or self.tool_base + "/lti/jwks"
        self.tool_register_url = self.tool_base + "/lti/register"
        self.redirect_uris = list(redirect_uris) if redirect_uris is not None else [self.tool_launch_url]
        # When the tool runs in-process (Flask test client) it has no HTTP JWKS; tests may hand it over.
        self.tool_jwks_override: dict[str, Any] | None = None
        self.name = name
        self.guid = str(uuid.uuid4())
        self.user: dict[str, str] = dict(DEFAULT_USER)

        self._keys: list[SigningKey] = [SigningKey.generate()]
        self._retired: list[SigningKey] = []
        self._wrong_key: SigningKey | None = None
        self._server: LocalServer | None = None
        self._lock = threading.RLock()
        self._logins: dict[str, LoginContext] = {}
        self._seen_states: set[str] = set()
        self._seen_nonces: set[str] = set()
        self.last_redirect_uri: str | None = None
        self.jwks_requests = 0  # GETs of /jwks, so tests can count the tool's re-fetches

        # What the tool sent, for assertions; appended to from server threads under the lock.
        self.auth_requests: list[dict[str, str]] = []
        self.registrations: list[dict[str, Any]] = []
        self.registration_errors: list[str] = []
        self.registration_status = 200
        self._registration_tokens: set[str] = set()
        self.registered_clients: dict[str, RegisteredClient] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.token_errors: list[str] = []
        self.seen_client_assertion_ids: set[str] = set()

    # -- server -------------------------------------------------------------------------------------

    def _routes(self) -> Mapping[tuple[str, str], Handler]:
        from .platform_http import strict_platform_routes

        return strict_platform_routes(self)

    @property
    def issuer(self) -> str:
        return self._issuer if self._issuer is not None else self.base_url

    @property
    def openid_configuration_url(self) -> str:
        return self.base_url + "/.well-known/openid-configuration"

    @property
    def registration_url(self) -> str:
        return self.base_url + "/registration"

    @property
    def launch_page_url(self) -> str:
        """A page that auto-submits the login initiation to the tool, for real-browser tests."""
        return self.base_url + "/launch"

    # -- keys ---------------------------------------------------------------------------------------

    @property
    def current_key(self) -> SigningKey:
        return self._keys[-1]

    @property
    def kid(self) -> str:
        return self.current_key.kid

    def rotate_key(self, retire_old: bool = False) -> str:
        """Add a new signing key and make it current; with ``retire_old`` the old ones leave the JWKS."""
        with self._lock:
            new = SigningKey.generate()
            if retire_old:
                self._retired.extend(self._keys)
                self._keys = []
            self._keys.append(new)
            return new.kid

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._keys]}

    # -- OIDC third-party initiated login (LTI Core 1.3 §4.1, Security Framework §5.1.1) ---------------

    def login_params(self, **overrides: str | None) -> dict[str, str]:
        """The login initiation parameters; an override of None leaves that parameter out."""
        params: dict[str, str | None] = {
            "iss": self.issuer,
            "login_hint": self.user["sub"],
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": "mh-" + secrets.token_urlsafe(12),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_ids[0],
        }
        params.update(overrides)
        result = {k: v for k, v in params.items() if v is not None}
        hint = result.get("lti_message_hint")
        if hint is not None:
            with self._lock:
                self._logins[hint] = LoginContext(
                    login_hint=result.get("login_hint", ""),
                    lti_message_hint=hint,
                    target_link_uri=result.get("target_link_uri", self.tool_launch_url),
                    deployment_id=result.get("lti_deployment_id", self.deployment_ids[0]),
                    client_id=result.get("client_id", self.client_id),
                )
        return result

    def authorize(
        self,
        auth_request_url: str,
        *,
        role: str | Sequence[str] | None = None,
        claims: Mapping[str, Any] | None = None,
        token_options: Mapping[str, Any] | None = None,
        allow_replay: bool = False,
    ) -> dict[str, str]:
        """Check the tool's authentication request strictly and answer with the launch form fields.

        Raises AssertionError naming the first problem. ``allow_replay`` lets a test authorize the same
        request twice (by default a reused state or nonce is the tool's bug and is refused).
        """
        parts = urlsplit(auth_request_url)
        expected = urlsplit(self.auth_login_url)
        if (parts.scheme, parts.netloc, parts.path) != (expected.scheme, expected.netloc, expected.path):
            raise AssertionError(f"auth request went to {auth_request_url!r}, not to {self.auth_login_url!r}")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        repeated = [name for name, count in Counter(name for name, _ in pairs).items() if count > 1]
        if repeated:
            raise AssertionError(f"auth request repeats parameters {repeated}")
        params = dict(pairs)

        def expect(name: str, value: str) -> None:
            if params.get(name) != value:
                raise AssertionError(f"auth request {name}={params.get(name)!r}, expected {value!r}")

        expect("scope", "openid")
        expect("response_type", "id_token")
        expect("response_mode", "form_post")
        expect("prompt", "none")
        expect("client_id", self.client_id)
        redirect_uri = params.get("redirect_uri")
        if redirect_uri not in self.redirect_uris:
            raise AssertionError(f"redirect_uri {redirect_uri!r} is not registered ({self.redirect_uris})")
        hint = params.get("lti_message_hint")
        with self._lock:
            context = self._logins.get(hint or "")
        if context is None:
            raise AssertionError(f"lti_message_hint {hint!r} was not issued by this platform")
        expect("login_hint", context.login_hint)
        state, nonce = params.get("state"), params.get("nonce")
        if not _non_trivial(state):
            raise AssertionError(f"state {state!r} is missing or guessable")
        if not _non_trivial(nonce):
            raise AssertionError(f"nonce {nonce!r} is missing or guessable")
        assert state is not None and nonce is not None
        if state == nonce:
            raise AssertionError("state and nonce must be independent values")
        with self._lock:
            if not allow_replay and (state in self._seen_states or nonce in self._seen_nonces):
                raise AssertionError("the tool reused a state or nonce from an earlier auth request")
            self._seen_states.add(state)
            self._seen_nonces.add(nonce)
            self.auth_requests.append(params)
            self.last_redirect_uri = redirect_uri
        merged_claims: dict[str, Any] = {
            "sub": context.login_hint,
            lti_claims.TARGET_LINK_URI: context.target_link_uri,
            lti_claims.DEPLOYMENT_ID: context.deployment_id,
            **context.claims,
            **(claims or {}),
        }
        options: dict[str, Any] = {**context.token_options, **(token_options or {})}
        merged_claims.update(options.pop("claims", {}))
        options.setdefault("role", role if role is not None else context.role)
        options.setdefault("message_type", context.message_type)
        return {"id_token": self.id_token(nonce, claims=merged_claims, **options), "state": state}

    # -- the whole flow through a browser -----------------------------------------------------------

    def start_login(
        self,
        browser: Browser,
        *,
        role: str | Sequence[str] = "Learner",
        claims: Mapping[str, Any] | None = None,
        login_overrides: Mapping[str, str | None] | None = None,
        message_type: str | None = None,
        token_options: Mapping[str, Any] | None = None,
        method: Literal["GET", "POST"] = "POST",
    ) -> str:
        """Initiate login at the tool and return the auth request URL the tool redirected to."""
        params = self.login_params(**dict(login_overrides or {}))
        hint = params.get("lti_message_hint")
        if hint is not None:
            with self._lock:
                context = self._logins[hint]
                context.role = role
                context.message_type = message_type or lti_claims.RESOURCE_LINK_REQUEST
                context.claims = dict(claims or {})
                context.token_options = dict(token_options or {})
        if method == "POST":
            response = browser.post(self.tool_login_url, params)
        else:
            response = browser.get(self.tool_login_url, params)
        return redirect_location(response, "login initiation")

    def launch(
        self,
        browser: Browser,
        *,
        role: str | Sequence[str] = "Learner",
        claims: Mapping[str, Any] | None = None,
        login_overrides: Mapping[str, str | None] | None = None,
        tamper: Callable[[dict[str, str]], dict[str, str]] | None = None,
        message_type: str | None = None,
        token_options: Mapping[str, Any] | None = None,
        method: Literal["GET", "POST"] = "POST",
    ) -> ResponseLike:
        """Login initiation -> tool's 302 -> strict ``authorize`` -> POST id_token and state to the tool.

        ``tamper`` gets the form dict ({"id_token", "state"}) and returns the one to post.
        ``token_options`` are passed to ``id_token`` (e.g. ``platform.token_case("expired")``).
        """
        auth_url = self.start_login(
            browser,
            role=role,
            claims=claims,
            login_overrides=login_overrides,
            message_type=message_type,
            token_options=token_options,
            method=method,
        )
        form = self.authorize(auth_url)
        if tamper is not None:
            form = tamper(dict(form))
        return self.finish(browser, form)


__all__ = [
    "DEFAULT_CONTEXT", "DEFAULT_RESOURCE_LINK", "DEFAULT_USER", "LIS", "MISSING", "TOKEN_CASES_ACCEPTED",
    "TOKEN_CASES_REJECTED", "RegisteredClient", "StrictPlatform", "redirect_location", "role_uris",
]


def redirect_location(response: ResponseLike, step: str) -> str:
    """The Location of a redirect, or an AssertionError that shows what the tool said instead."""
    location = response.headers.get("Location")
    if response.status_code not in (302, 303, 307) or not location:
        raise AssertionError(f"{step}: expected a redirect, got {response.status_code} {response.text[:500]!r}")
    return str(location)
