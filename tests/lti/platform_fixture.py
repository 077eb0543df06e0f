"""A test platform for the protocol library: keys, a registration, and a launch-token builder."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lti import claims
from lti.keys import PlatformKeys
from lti.storage import PlatformRegistration
from tests.lti.memory import FakeClock, FakeHttp, MemoryKeySetCache, MemoryRegistrations, MemoryStates

ISSUER = "https://lms.example.edu"
CLIENT_ID = "skillbite-client"
DEPLOYMENT = "deployment-1"
JWKS_URL = "https://lms.example.edu/jwks"
NONCE = "nonce-123"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class PlatformKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def platform_key(kid: str) -> PlatformKey:
    """RSA generation is slow: one key per kid for the whole session."""
    if kid not in _KEYS:
        _KEYS[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return PlatformKey(kid, _KEYS[kid])


@dataclass
class World:
    clock: FakeClock
    http: FakeHttp
    cache: MemoryKeySetCache
    registrations: MemoryRegistrations
    states: MemoryStates
    keys: PlatformKeys
    registration: PlatformRegistration
    key: PlatformKey

    def state(self, **overrides: Any) -> dict[str, Any]:
        return {
            "nonce": NONCE,
            "iss": ISSUER,
            "client_id": CLIENT_ID,
            "registration_id": self.registration.id,
            "deployment_id": None,
            "target_link_uri": "https://tool.example.com/lti/launch",
            "storage_target": None,
            **overrides,
        }

    def payload(self, **overrides: Any) -> dict[str, Any]:
        now = int(self.clock.now)
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user-42",
            "exp": now + 300,
            "iat": now,
            "nonce": NONCE,
            "name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": "ada@example.edu",
            "locale": "en-GB",
            claims.DEPLOYMENT_ID: DEPLOYMENT,
            claims.VERSION: "1.3.0",
            claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
            claims.ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            claims.RESOURCE_LINK: {"id": "link-1", "title": "Safety basics", "description": "Nugget 1"},
            claims.CONTEXT: {
                "id": "course-7",
                "label": "SAFE101",
                "title": "Workplace safety",
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            claims.TARGET_LINK_URI: "https://tool.example.com/lti/launch",
            claims.CUSTOM: {"pathway": "safety", "level": 2},
            claims.LAUNCH_PRESENTATION: {"document_target": "iframe", "return_url": "https://lms/x"},
            claims.TOOL_PLATFORM: {"guid": "lms-guid", "product_family_code": "moodle"},
            claims.AGS_ENDPOINT: {"scope": [claims.SCOPE_AGS_SCORE], "lineitem": "https://lms/li/1"},
            claims.NRPS_SERVICE: {"context_memberships_url": "https://lms/members"},
        }
        for name, value in overrides.items():
            if value is DROP:
                payload.pop(name, None)
            else:
                payload[name] = value
        return payload

    def token(self, payload: dict[str, Any] | None = None, *, key: PlatformKey | None = None,
              headers: dict[str, Any] | None = None, algorithm: str = "RS256") -> str:
        key = key or self.key
        body = json.dumps(payload if payload is not None else self.payload()).encode()
        # PyJWS, not jwt.encode: tests need payloads PyJWT would refuse to build (e.g. a non-string iss).
        return jwt.PyJWS().encode(body, key.private, algorithm=algorithm,
                                  headers={"kid": key.kid, **(headers or {})})

DROP = object()


def make_world() -> World:
    clock = FakeClock()
    key = platform_key("platform-key-1")
    http = FakeHttp(documents={JWKS_URL: {"keys": [key.jwk()]}})
    cache = MemoryKeySetCache()
    registration = PlatformRegistration(
        id=1,
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_login_url="https://lms.example.edu/auth?tenant=a",
        auth_token_url="https://lms.example.edu/token",
        key_set_url=JWKS_URL,
    )
    registrations = MemoryRegistrations(registration)
    registrations.record_deployment(registration, DEPLOYMENT)
    return World(
        clock=clock,
        http=http,
        cache=cache,
        registrations=registrations,
        states=MemoryStates(clock),
        keys=PlatformKeys(cache, http, clock=clock),
        registration=registration,
        key=key,
    )

