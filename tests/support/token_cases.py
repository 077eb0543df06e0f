"""Ready-made id_token cases for the negative launch tests: each name maps to ``id_token`` keyword
arguments (claims to set, claims to ``drop``, ``kid``, ``sign_with``) that break one rule of Security
Framework 1.0 §5.1.3 or LTI Core 1.3 §5.3, or, for the accepted ones, bend it the way the spec allows."""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from lti import claims as lti_claims

from .keys import SigningKey, sign_hs256_with_public_pem, sign_rsa, unsigned
from .platform_claims import default_claims

if TYPE_CHECKING:
    from .platform import StrictPlatform


SignWith = Literal["current", "wrong_key", "hs256_public", "none", "retired"]


class _Missing(enum.Enum):
    MISSING = "MISSING"


MISSING = _Missing.MISSING


class IdTokenSide:
    """Mixed into :class:`StrictPlatform`, which owns these attributes: signs id_tokens, well-formed or
    crafted to break one rule."""

    _lock: threading.RLock
    _keys: list[SigningKey]
    _retired: list[SigningKey]
    _wrong_key: SigningKey | None
    current_key: SigningKey

    def default_claims(
        self,
        nonce: str | None,
        *,
        role: str | Sequence[str] = "Learner",
        message_type: str = lti_claims.RESOURCE_LINK_REQUEST,
    ) -> dict[str, Any]:
        """The claims of a valid launch (see :func:`.platform_claims.default_claims`)."""
        return default_claims(self, nonce, role=role, message_type=message_type)

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

    def token_case(self, name: str) -> dict[str, Any]:
        """``id_token``/``token_options`` keyword arguments for a named case (see :func:`token_case`)."""
        return token_case(self, name)  # type: ignore[arg-type]


def token_case(platform: StrictPlatform, name: str) -> dict[str, Any]:
    """``id_token``/``token_options`` keyword arguments for the case ``name`` of ``platform``."""
    now = int(time.time())
    other = "some-other-client"
    cases: dict[str, dict[str, Any]] = {
        "valid": {},
        "anonymous": {"drop": ("sub", "name", "given_name", "family_name", "email", lti_claims.LIS)},
        "multiple_aud_with_azp": {"claims": {"aud": [platform.client_id, other], "azp": platform.client_id}},
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
        "multiple_aud_without_azp": {"claims": {"aud": [platform.client_id, other]}, "drop": ("azp",)},
        "multiple_aud_wrong_azp": {"claims": {"aud": [platform.client_id, other], "azp": other}},
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

