"""StrictPlatform: our own LTI 1.3 platform for tests, as strict as a certified LMS.

It checks the tool's OIDC authentication request the way LTI Core 1.3 §4.1 / 1EdTech Security Framework
1.0 §5.1.1 require, signs id_tokens with its own rotating keys, crafts every malformed token the negative
tests need, and serves its JWKS, openid-configuration, dynamic registration and token endpoint over
real HTTP on 127.0.0.1 (see :mod:`tests.support.platform_http`).
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from lti import claims as lti_claims

from .browser import Browser, ResponseLike
from .keys import SigningKey, sign_hs256_with_public_pem, sign_rsa, unsigned
from .local_server import LocalServer

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
SignWith = Literal["current", "wrong_key", "hs256_public", "none", "retired"]


class _Missing(enum.Enum):
    MISSING = "MISSING"


MISSING = _Missing.MISSING

DEFAULT_USER: Mapping[str, str] = {
    "sub": "u-1001",
    "name": "Ada Lovelace",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "email": "ada.lovelace@example.test",
    "locale": "en",
}
DEFAULT_CONTEXT: Mapping[str, Any] = {
    "id": "course-1",
    "label": "SKL101",
    "title": "Onboarding skills",
    "type": [LIS + "course#CourseOffering"],
}
DEFAULT_RESOURCE_LINK: Mapping[str, str] = {"id": "rl-1", "title": "Welcome nugget"}


def role_uris(role: str | Sequence[str]) -> list[str]:
    """``"Learner"`` -> the LIS v2 membership role URI (LTI Core 1.3 §A.2.3); full URIs pass through."""
    roles = [role] if isinstance(role, str) else list(role)
    return [r if "://" in r else f"{LIS}membership#{r}" for r in roles]


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


@dataclass
class RegisteredClient:
    client_id: str
    deployment_ids: list[str]
    jwks_uri: str
    redirect_uris: list[str]
    initiate_login_uri: str
    target_link_uri: str
    scopes: list[str]


class StrictPlatform:
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

    @property
    def server(self) -> LocalServer:
        with self._lock:
            if self._server is None:
                from .platform_http import strict_platform_routes

                self._server = LocalServer(strict_platform_routes(self))
            return self._server

    def start(self) -> StrictPlatform:
        self.server.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    @contextmanager
    def serve(self) -> Any:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def __enter__(self) -> StrictPlatform:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def issuer(self) -> str:
        return self._issuer if self._issuer is not None else self.base_url

    @property
    def auth_login_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def auth_token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

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

    # -- id_token -----------------------------------------------------------------------------------

    def default_claims(
        self,
        nonce: str | None,
        *,
        role: str | Sequence[str] = "Learner",
        message_type: str = lti_claims.RESOURCE_LINK_REQUEST,
    ) -> dict[str, Any]:
        """A complete, valid LtiResourceLinkRequest (LTI Core 1.3 §5.3, §5.4), or a deep linking
        request (LTI DL 2.0 §4.4) when ``message_type`` says so."""
        now = int(time.time())
        base = self.base_url
        context_id = DEFAULT_CONTEXT["id"]
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.user["sub"],
            "aud": self.client_id,
            "azp": self.client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            **{k: v for k, v in self.user.items() if k != "sub"},
            lti_claims.MESSAGE_TYPE: message_type,
            lti_claims.VERSION: lti_claims.LTI_VERSION,
            lti_claims.DEPLOYMENT_ID: self.deployment_ids[0],
            lti_claims.TARGET_LINK_URI: self.tool_launch_url,
            lti_claims.RESOURCE_LINK: dict(DEFAULT_RESOURCE_LINK),
            lti_claims.ROLES: role_uris(role),
            lti_claims.CONTEXT: dict(DEFAULT_CONTEXT),
            lti_claims.TOOL_PLATFORM: {
                "guid": self.guid,
                "name": self.name,
                "product_family_code": "skillbite-strict-test",
                "version": "1.0",
            },
            lti_claims.LAUNCH_PRESENTATION: {
                "document_target": "iframe",
                "return_url": base + "/return",
                "locale": "en",
            },
            lti_claims.CUSTOM: {},
            lti_claims.LIS: {
                "person_sourcedid": "sis-" + self.user["sub"],
                "course_offering_sourcedid": "sis-" + context_id,
            },
            lti_claims.AGS_ENDPOINT: {
                "scope": [
                    lti_claims.SCOPE_AGS_LINEITEM,
                    lti_claims.SCOPE_AGS_RESULT_READONLY,
                    lti_claims.SCOPE_AGS_SCORE,
                ],
                "lineitems": f"{base}/ags/contexts/{context_id}/lineitems",
                "lineitem": f"{base}/ags/contexts/{context_id}/lineitems/{DEFAULT_RESOURCE_LINK['id']}",
            },
            lti_claims.NRPS_SERVICE: {
                "context_memberships_url": f"{base}/nrps/contexts/{context_id}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if nonce is None:
            del payload["nonce"]
        if message_type == lti_claims.DEEP_LINKING_REQUEST:
            # LTI DL 2.0 §4.4: no resource link yet; the settings say where to return the choice.
            del payload[lti_claims.RESOURCE_LINK]
            del payload[lti_claims.AGS_ENDPOINT]["lineitem"]
            payload[lti_claims.DEEP_LINKING_SETTINGS] = {
                "deep_link_return_url": base + "/deep_linking/return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "auto_create": True,
                "title": "Add a Skillbite course",
                "data": "dl-" + secrets.token_hex(8),
            }
        return payload

    def id_token(
        self,
        nonce: str | None,
        *,
        claims: Mapping[str, Any] | None = None,
        drop: Iterable[str] = (),
        header: Mapping[str, Any] | None = None,
        alg: str = "RS256",
        sign_with: SignWith = "current",
        kid: str | None | _Missing = MISSING,
        role: str | Sequence[str] = "Learner",
        message_type: str | None = None,
    ) -> str:
        """A signed id_token: the default claims, updated with ``claims``, minus ``drop``.

        ``kid``: MISSING uses the signing key's kid, None leaves ``kid`` out of the header, a string is
        used as given (unknown kid). ``sign_with``: "current" platform key, "wrong_key" (a key not in
        the JWKS, kid still the current one), "retired" (the newest key dropped by
        ``rotate_key(retire_old=True)``), "hs256_public" (HMAC keyed with the public key PEM), "none"
        (unsigned). ``message_type`` falls back to the one in ``claims``, then LtiResourceLinkRequest.
        """
        overrides = dict(claims or {})
        kind = message_type or overrides.get(lti_claims.MESSAGE_TYPE) or lti_claims.RESOURCE_LINK_REQUEST
        payload = self.default_claims(nonce, role=role, message_type=kind)
        payload.update(overrides)
        for name in drop:
            payload.pop(name, None)

        key = self._signing_key(sign_with)
        head: dict[str, Any] = {}
        if kid is MISSING:
            head["kid"] = key.kid
        elif kid is not None:
            head["kid"] = kid
        head.update(header or {})

        if sign_with == "none":
            return unsigned(payload, head)
        if sign_with == "hs256_public":
            return sign_hs256_with_public_pem(payload, self.current_key.public_pem(), head)
        return sign_rsa(payload, key.private_key, alg, head)

    def _signing_key(self, sign_with: SignWith) -> SigningKey:
        if sign_with == "wrong_key":
            with self._lock:
                if self._wrong_key is None:
                    self._wrong_key = SigningKey(self.current_key.kid, SigningKey.generate().private_key)
                return self._wrong_key
        if sign_with == "retired":
            if not self._retired:
                raise AssertionError("no retired key: call rotate_key(retire_old=True) first")
            return self._retired[-1]
        return self.current_key

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

    def finish(self, browser: Browser, form: Mapping[str, str], *, url: str | None = None) -> ResponseLike:
        """POST the id_token form to the tool (the redirect_uri of the last auth request by default)."""
        target = url or self.last_redirect_uri or self.tool_launch_url
        return browser.post(target, dict(form))

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

    # -- ready-made token cases ---------------------------------------------------------------------

    def token_case(self, name: str) -> dict[str, Any]:
        """``id_token``/``token_options`` keyword arguments for a named case (see ``TOKEN_CASES``)."""
        now = int(time.time())
        other = "some-other-client"
        cases: dict[str, dict[str, Any]] = {
            "valid": {},
            "anonymous": {"drop": ("sub", "name", "given_name", "family_name", "email", lti_claims.LIS)},
            "multiple_aud_with_azp": {"claims": {"aud": [self.client_id, other], "azp": self.client_id}},
            "expired": {"claims": {"iat": now - 900, "exp": now - 600}},
            "iat_in_future": {"claims": {"iat": now + 600, "exp": now + 900}},
            "missing_exp": {"drop": ("exp",)},
            "bad_signature": {"sign_with": "wrong_key"},
            "unknown_kid": {"kid": "kid-nobody-published"},
            "no_kid": {"kid": None},
            "alg_none": {"sign_with": "none"},
            "hs256_public_key": {"sign_with": "hs256_public"},
            "wrong_iss": {"claims": {"iss": "https://evil.example.test"}},
            "wrong_aud": {"claims": {"aud": other, "azp": other}},
            "multiple_aud_without_azp": {"claims": {"aud": [self.client_id, other]}, "drop": ("azp",)},
            "multiple_aud_wrong_azp": {"claims": {"aud": [self.client_id, other], "azp": other}},
            "wrong_nonce": {"claims": {"nonce": "n-" + secrets.token_hex(16)}},
            "missing_nonce": {"drop": ("nonce",)},
            "missing_deployment_id": {"drop": (lti_claims.DEPLOYMENT_ID,)},
            "unknown_deployment": {"claims": {lti_claims.DEPLOYMENT_ID: "dep-unknown"}},
            "wrong_version": {"claims": {lti_claims.VERSION: "1.1"}},
            "missing_message_type": {"drop": (lti_claims.MESSAGE_TYPE,)},
            "unknown_message_type": {"claims": {lti_claims.MESSAGE_TYPE: "LtiSomethingElseRequest"}},
            "missing_roles": {"drop": (lti_claims.ROLES,)},
            "missing_resource_link": {"drop": (lti_claims.RESOURCE_LINK,)},
        }
        if name not in cases:
            raise KeyError(f"unknown token case {name!r}; known: {sorted(cases)}")
        return cases[name]

    # -- dynamic registration -----------------------------------------------------------------------

    def registration_start_params(self) -> dict[str, str]:
        """Query parameters the LMS puts on the tool's registration URL (LTI DR 1.0 §3.3); the
        registration token is single use."""
        token = "rt-" + secrets.token_urlsafe(24)
        with self._lock:
            self._registration_tokens.add(token)
        return {"openid_configuration": self.openid_configuration_url, "registration_token": token}

    def start_registration(self, browser: Browser, url: str | None = None) -> ResponseLike:
        """Open the tool's registration page as the LMS admin's browser would."""
        return browser.get(url or self.tool_register_url, self.registration_start_params())

    def adopt_registration(self, record: Mapping[str, Any] | None = None) -> RegisteredClient:
        """Launch from now on as the client created by a registration (the latest by default)."""
        with self._lock:
            chosen = record if record is not None else self.registrations[-1]
            client = self.registered_clients[chosen["client_id"]]
            self.client_id = client.client_id
            self.deployment_ids = list(client.deployment_ids)
            self.redirect_uris = list(client.redirect_uris)
            self.tool_login_url = client.initiate_login_uri
            self.tool_launch_url = client.target_link_uri
            self.tool_jwks_url = client.jwks_uri
            return client

    def take_registration_token(self, token: str | None) -> bool:
        with self._lock:
            if token is None or token not in self._registration_tokens:
                return False
            self._registration_tokens.discard(token)
            return True


TOKEN_CASES_ACCEPTED = ("valid", "anonymous", "multiple_aud_with_azp")
TOKEN_CASES_REJECTED = (
    "expired",
    "iat_in_future",
    "missing_exp",
    "bad_signature",
    "unknown_kid",
    "no_kid",
    "alg_none",
    "hs256_public_key",
    "wrong_iss",
    "wrong_aud",
    "multiple_aud_without_azp",
    "multiple_aud_wrong_azp",
    "wrong_nonce",
    "missing_nonce",
    "missing_deployment_id",
    "unknown_deployment",
    "wrong_version",
    "missing_message_type",
    "unknown_message_type",
    "missing_roles",
    "missing_resource_link",
)


def redirect_location(response: ResponseLike, step: str) -> str:
    """The Location of a redirect, or an AssertionError that shows what the tool said instead."""
    location = response.headers.get("Location")
    if response.status_code not in (302, 303, 307) or not location:
        raise AssertionError(f"{step}: expected a redirect, got {response.status_code} {response.text[:500]!r}")
    return str(location)
