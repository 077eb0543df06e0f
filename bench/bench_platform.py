"""The bench's LTI 1.3 platform, played inline by the load generator.

A lighter cousin of ``tests/support/platform.py`` (StrictPlatform): one RSA key generated once and kept
as a key object (no per-token key parsing), its JWKS served over real HTTP on 127.0.0.1 (the tools fetch
it like they would from an LMS), and the OIDC authentication endpoint played inline: the virtual user
reads the tool's redirect ``Location``, checks the authentication request, and posts the id_token form
straight back to the tool, as the platform's auto-submitting page would make a browser do.

The id_token carries the claims a real LMS sends (context, resource link, AGS, NRPS, LIS, platform),
so token size and parse work are realistic.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lti.claims import (
    AGS_ENDPOINT,
    CONTEXT,
    CUSTOM,
    DEPLOYMENT_ID,
    LAUNCH_PRESENTATION,
    MESSAGE_TYPE,
    NRPS_SERVICE,
    RESOURCE_LINK,
    ROLES,
    TARGET_LINK_URI,
    TOOL_PLATFORM,
    VERSION,
)
from lti.claims import LIS as LIS_CLAIM

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


class LaunchFailed(AssertionError):
    """A launch step did not answer as a correct tool must."""


@dataclass(frozen=True)
class Learner:
    sub: str
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        return f"{self.sub}@bench.example.test"


@dataclass(frozen=True)
class ToolUrls:
    """Where a tool lives, as registered in the platform."""

    login_url: str
    launch_url: str  # the redirect_uri and target_link_uri
    # Text the first page shows only to an anonymous launch. With it, a first page that does not show the
    # learner's name is still accepted as long as it is not the anonymous preview; without it, the name
    # must be shown.
    anonymous_marker: str | None = None


def learners(count: int) -> list[Learner]:
    return [Learner(f"u-{i:04d}", f"Learner{i:04d}", "Bench") for i in range(count)]


class _JwksHandler(BaseHTTPRequestHandler):
    server: _PlatformHttp

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.split("?", 1)[0] != "/jwks":
            self.send_error(404)
            return
        body = self.server.jwks_body
        with self.server.lock:
            self.server.jwks_hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base class signature)
        return None


class _PlatformHttp(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, jwks_body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _JwksHandler)
        self.jwks_body = jwks_body
        self.jwks_hits = 0
        self.lock = threading.Lock()


class BenchPlatform:
    """An LTI 1.3 platform: one client_id and deployment, a cached RSA key, JWKS over HTTP."""

    def __init__(self, client_id: str = "bench-client", deployment_id: str = "bench-dep-1") -> None:
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.guid = "bench-" + secrets.token_hex(8)
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "bench-k-" + secrets.token_hex(4)
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        self._http = _PlatformHttp(json.dumps({"keys": [jwk]}).encode())
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="bench-platform-jwks")
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self.issuer = self.base_url
        self.auth_url = self.base_url + "/auth"
        self.token_url = self.base_url + "/token"
        self.jwks_url = self.base_url + "/jwks"

    def start(self) -> BenchPlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    @property
    def jwks_hits(self) -> int:
        return self._http.jwks_hits

    # -- the platform's side of one launch -------------------------------------------------------------

    def login_params(self, tool: ToolUrls, learner: Learner) -> dict[str, str]:
        """LTI Core 1.3 §4.1 third-party initiated login parameters."""
        return {
            "iss": self.issuer,
            "login_hint": learner.sub,
            "target_link_uri": tool.launch_url,
            "lti_message_hint": "mh-" + learner.sub,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def authorize(self, location: str, tool: ToolUrls, learner: Learner) -> dict[str, str]:
        """Check the tool's OIDC authentication request and answer with the form_post fields."""
        parts = urlsplit(location)
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != self.auth_url:
            raise LaunchFailed(f"auth request went to {location[:200]!r}")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id, "redirect_uri": tool.launch_url,
                    "login_hint": learner.sub, "lti_message_hint": "mh-" + learner.sub}
        for name, value in expected.items():
            if params.get(name) != value:
                raise LaunchFailed(f"auth request {name}={params.get(name)!r}, expected {value!r}")
        state, nonce = params.get("state"), params.get("nonce")
        if not state or not nonce or state == nonce:
            raise LaunchFailed("auth request without independent state and nonce")
        return {"id_token": self.id_token(nonce, tool, learner), "state": state}

    def claims(self, nonce: str, tool: ToolUrls, learner: Learner) -> dict[str, Any]:
        now = int(time.time())
        base = self.base_url
        return {
            "iss": self.issuer,
            "sub": learner.sub,
            "aud": self.client_id,
            "azp": self.client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": learner.name,
            "given_name": learner.given_name,
            "family_name": learner.family_name,
            "email": learner.email,
            "locale": "en",
            MESSAGE_TYPE: "LtiResourceLinkRequest",
            VERSION: "1.3.0",
            DEPLOYMENT_ID: self.deployment_id,
            TARGET_LINK_URI: tool.launch_url,
            RESOURCE_LINK: {"id": "rl-1", "title": "Welcome nugget"},
            ROLES: [LIS + "membership#Learner"],
            CONTEXT: {"id": "course-1", "label": "SKL101", "title": "Onboarding skills",
                      "type": [LIS + "course#CourseOffering"]},
            TOOL_PLATFORM: {"guid": self.guid, "name": "Bench LMS", "product_family_code": "skillbite-bench",
                            "version": "1.0"},
            LAUNCH_PRESENTATION: {"document_target": "iframe", "return_url": base + "/return", "locale": "en"},
            CUSTOM: {},
            LIS_CLAIM: {"person_sourcedid": "sis-" + learner.sub, "course_offering_sourcedid": "sis-course-1"},
            AGS_ENDPOINT: {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": f"{base}/ags/contexts/course-1/lineitems",
                "lineitem": f"{base}/ags/contexts/course-1/lineitems/rl-1",
            },
            NRPS_SERVICE: {"context_memberships_url": f"{base}/nrps/contexts/course-1/memberships",
                           "service_versions": ["2.0"]},
        }

    def id_token(self, nonce: str, tool: ToolUrls, learner: Learner) -> str:
        return jwt.encode(self.claims(nonce, tool, learner), self.private_key, algorithm="RS256",
                          headers={"kid": self.kid})
