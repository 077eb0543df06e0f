"""Access tokens for the platform's services: the OAuth 2 client_credentials grant with a signed JWT.

Security Framework 1.0 §4.1 (using RFC 7523 JWT client authentication, RFC 6749 §4.4): the tool posts
``grant_type=client_credentials``, ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
jwt-bearer``, a ``client_assertion`` signed by its own key and the space-separated ``scope`` to the
platform's token endpoint, form-encoded (Moodle accepts nothing else). §4.1.1: the assertion's ``iss`` and
``sub`` are the client_id, ``aud`` the token endpoint (or the audience the platform names), with ``iat``,
``exp`` and a unique ``jti``.

Tokens are cached per (registration, scope set) until shortly before ``expires_in``: a token per score
is the classic way a tool overloads an LMS.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from lti.clock import Clock, system_clock
from lti.errors import ServiceError
from lti.http import HttpClient, StatusError, oauth_error, safe_url, status_error
from lti.storage import AccessTokenCache, PlatformRegistration, ToolKeyStore
from lti.tool_keys import sign_jwt

GRANT_TYPE = "client_credentials"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
DEFAULT_EXPIRES_IN = 300.0  # RFC 6749 §5.1: expires_in is only RECOMMENDED; assume a short life
EXPIRY_MARGIN = 60.0


def cache_key(registration: PlatformRegistration, scopes: Iterable[str]) -> str:
    """One cache entry per registration and *set* of scopes, whatever their order."""
    return f"{registration.id} " + " ".join(sorted(set(scopes)))


def refresh_margin(expires_in: float) -> float:
    """Seconds before expiry a token stops being used: 60 s, or 10 % for short-lived tokens."""
    return min(EXPIRY_MARGIN, expires_in * 0.1)


class ServiceTokens:
    """Obtains and caches service access tokens (Security Framework 1.0 §4.1)."""

    def __init__(
        self,
        tool_keys: ToolKeyStore,
        http: HttpClient,
        cache: AccessTokenCache,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.tool_keys = tool_keys
        self.http = http
        self.cache = cache
        self.clock = clock

    def token(self, registration: PlatformRegistration, scopes: Iterable[str]) -> str:
        """A bearer token for ``scopes``, from the cache while it has more than its margin to live."""
        scope_set = sorted(set(scopes))
        if not scope_set:
            raise ValueError("a service token needs at least one scope")
        key = cache_key(registration, scope_set)
        now = self.clock()
        cached = self.cache.get(key)
        if cached is not None and cached[0] and cached[1] > now:
            return cached[0]
        access_token, expires_in = self._request(registration, scope_set, now)
        self.cache.put(key, access_token, now + expires_in - refresh_margin(expires_in))
        return access_token

    def invalidate(self, registration: PlatformRegistration, scopes: Iterable[str]) -> None:
        """Forget the cached token, e.g. after the platform answered 401 to it (RFC 6750 §3.1)."""
        self.cache.put(cache_key(registration, scopes), "", 0.0)

    def client_assertion(self, registration: PlatformRegistration, now: float) -> str:
        """Security Framework 1.0 §4.1.1: the JWT that authenticates the tool, with ``kid`` in its header."""
        claims: dict[str, Any] = {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.audience or registration.auth_token_url,
            "iat": int(now),
            "exp": int(now) + ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),
        }
        return sign_jwt(claims, self.tool_keys.signing_key())

    def _request(self, registration: PlatformRegistration, scopes: list[str], now: float) -> tuple[str, float]:
        url = registration.auth_token_url
        form = {
            "grant_type": GRANT_TYPE,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(registration, now),
            "scope": " ".join(scopes),
        }
        response = self.http.post_form(url, form, {"Accept": "application/json"})
        if not 200 <= response.status_code < 300:
            error = status_error("POST", url, response, self.clock())
            # RFC 6749 §5.2: invalid_client, invalid_scope... (400/401) need a person, not a retry. The
            # registered code says which; the reply's other words stay in ``said`` (lti.http.StatusError).
            code = oauth_error(response)
            raise StatusError(f"the platform refused the token request: {error}" + (f" ({code})" if code else ""),
                              said=error.said, status=response.status_code, retryable=error.retryable,
                              retry_after=error.retry_after)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise ServiceError(
                f"POST {safe_url(url)} answered HTTP {response.status_code} without an access_token",
                status=response.status_code,
                retryable=False,
            )
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ServiceError(f"POST {safe_url(url)} issued a token that is not a bearer token",
                               status=response.status_code, retryable=False)
        return body["access_token"], _expires_in(body.get("expires_in"))


def _expires_in(value: object) -> float:
    """RFC 6749 §5.1 expires_in in seconds; :data:`DEFAULT_EXPIRES_IN` when absent or unreadable."""
    if isinstance(value, str) and value.isascii() and value.isdigit():  # isdigit() alone is true for "²"
        return float(value)  # some platforms send it as a string
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return DEFAULT_EXPIRES_IN
    return float(value)
