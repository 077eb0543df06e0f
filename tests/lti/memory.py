"""In-memory implementations of the :mod:`lti.storage` Protocols and a fake HTTP client, for tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from lti.clock import Clock
from lti.errors import ServiceError
from lti.http import HttpClient
from lti.storage import PlatformRegistration, SigningKey
from lti.tool_keys import public_jwk


class MemoryRegistrations:
    def __init__(self, *registrations: PlatformRegistration) -> None:
        self.registrations = list(registrations)
        self.deployments: set[tuple[int, str]] = set()

    def find_registration(self, issuer: str, client_id: str | None) -> PlatformRegistration | None:
        found = [
            r
            for r in self.registrations
            if r.enabled and r.issuer == issuer and (client_id is None or r.client_id == client_id)
        ]
        return found[0] if len(found) == 1 else None

    def deployment_known(self, registration: PlatformRegistration, deployment_id: str) -> bool:
        return (registration.id, deployment_id) in self.deployments

    def record_deployment(self, registration: PlatformRegistration, deployment_id: str) -> None:
        self.deployments.add((registration.id, deployment_id))


class MemoryStates:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.states: dict[str, tuple[dict[str, Any], float]] = {}
        self.nonces: dict[tuple[str, str], float] = {}

    def save_state(self, state: str, data: dict[str, Any], ttl_seconds: int) -> None:
        self.states[state] = (data, self.clock() + ttl_seconds)

    def take_state(self, state: str) -> dict[str, Any] | None:
        entry = self.states.pop(state, None)
        if entry is None or entry[1] < self.clock():
            return None
        return entry[0]

    def use_nonce(self, issuer: str, nonce: str, ttl_seconds: int) -> bool:
        key = (issuer, nonce)
        if key in self.nonces and self.nonces[key] >= self.clock():
            return False
        self.nonces[key] = self.clock() + ttl_seconds
        return True


class MemoryKeySetCache:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[dict[str, Any], float]] = {}

    def get_key_set(self, url: str) -> tuple[dict[str, Any], float] | None:
        return self.entries.get(url)

    def put_key_set(self, url: str, key_set: dict[str, Any], fetched_at: float) -> None:
        self.entries[url] = (key_set, fetched_at)


@dataclass
class FakeClock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeHttp(HttpClient):
    """Serves JSON documents by URL and counts GETs; an absent URL is an unreachable host."""

    documents: dict[str, Any] = field(default_factory=dict)
    gets: list[str] = field(default_factory=list)
    posts: list[tuple[str, Any, dict[str, str]]] = field(default_factory=list)
    post_status: int = 200
    post_answer: Any = None

    def __post_init__(self) -> None:
        super().__init__(timeout=1.0)

    def get_json(self, url: str, headers: Any = None) -> Any:
        self.gets.append(url)
        if url not in self.documents:
            raise ServiceError(f"GET {url} failed: ConnectionError", retryable=True)
        return self.documents[url]

    def post_json(self, url: str, body: Any, headers: Any = None) -> requests.Response:
        self.posts.append((url, body, dict(headers or {})))
        response = requests.Response()
        response.status_code = self.post_status
        response._content = json.dumps(self.post_answer).encode()
        response.headers["Content-Type"] = "application/json"
        return response


class MemoryAccessTokenCache:
    """The :class:`lti.storage.AccessTokenCache` of one process."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> tuple[str, float] | None:
        return self.entries.get(key)

    def put(self, key: str, token: str, expires_at: float) -> None:
        self.entries[key] = (token, expires_at)


class MemoryToolKeys:
    """A :class:`lti.storage.ToolKeyStore` with one key."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def signing_key(self) -> SigningKey:
        return self.key

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key.private_key_pem, self.key.kid)]}
