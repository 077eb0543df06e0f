"""A small LTI 1.3 platform inside Skillbite, so a newcomer can launch without an LMS.

It goes through the real OIDC login and the real id_token validation: it is registered like any other
platform, signs with its own RSA key (generated once, encrypted at rest), and the tool trusts it only
through its JWKS. Off unless SKILLBITE_DEMO=1; refused on a non-loopback base URL unless explicitly
allowed, because anyone who reaches it can launch as anyone.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lti import claims, tool_keys
from lti.storage import DeploymentPolicy, SigningKey
from plugin.config import Config
from plugin.instance import SecretBox
from plugin.keys.services import instance_secret
from plugin.launch.stores import DatabaseKeySetCache
from plugin.platforms.models import Platform
from plugin.platforms.services import PlatformError, add_platform

CLIENT_ID = "skillbite-demo"
DEMO_COURSE_SLUG = "giving-useful-feedback"  # plugin/catalog/demo_course, loaded by `skillbite demo load`
DEPLOYMENT_ID = "demo-deployment"
COURSE = {"id": "demo-course-101", "label": "DEMO-101", "title": "Workplace skills (demo course)"}


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    given_name: str
    family_name: str
    role: str


PEOPLE = {
    "alex": DemoPerson("alex", "Alex Learner", "Alex", "Learner", "learner"),
    "sam": DemoPerson("sam", "Sam Learner", "Sam", "Learner", "learner"),
    "morgan": DemoPerson("morgan", "Morgan Instructor", "Morgan", "Instructor", "instructor"),
}
ROLE_URIS = {
    "learner": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    "instructor": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
}


class DemoPlatform:
    def __init__(self, config: Config, signing_key: SigningKey) -> None:
        self.config = config
        self.issuer = config.url("/demo")
        self.key = signing_key

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [tool_keys.public_jwk(self.key.private_key_pem, self.key.kid)]}

    def login_initiation(self, person: DemoPerson) -> dict[str, str]:
        """LTI Core 1.3 §4.1: the parameters of a third-party initiated login."""
        return {
            "iss": self.issuer,
            "login_hint": person.key,
            "target_link_uri": self.config.url("/lti/launch"),
            "lti_message_hint": "resource-link",
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        }

    def id_token(self, person: DemoPerson, nonce: str) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": f"demo-{person.key}",
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": person.name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": f"{person.key}@demo.skillbite.invalid",
            "locale": "en",
            claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
            claims.VERSION: claims.LTI_VERSION,
            claims.DEPLOYMENT_ID: DEPLOYMENT_ID,
            claims.TARGET_LINK_URI: self.config.url("/lti/launch"),
            claims.RESOURCE_LINK: {"id": "demo-link-1", "title": "Skillbite in the demo course"},
            claims.ROLES: ROLE_URIS[person.role],
            claims.CONTEXT: {"id": COURSE["id"], "label": COURSE["label"], "title": COURSE["title"],
                             "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            claims.TOOL_PLATFORM: {"guid": "skillbite-demo-platform", "name": "Skillbite demo LMS",
                                   "product_family_code": "skillbite-demo", "version": "1"},
            claims.LAUNCH_PRESENTATION: {"document_target": "iframe",
                                         "return_url": self.config.url("/demo")},
            claims.CUSTOM: {"skillbite_course": DEMO_COURSE_SLUG},
            "jti": str(uuid.uuid4()),
        }
        return tool_keys.sign_jwt(payload, self.key)


def ensure_demo_platform(session: Session, config: Config, box: SecretBox) -> DemoPlatform:
    """Register the demo platform once and seed the tool's JWKS cache with its public key."""
    pem = instance_secret(session, box, "demo_platform_key", make=tool_keys.generate_rsa_private_key_pem)
    demo = DemoPlatform(config, SigningKey(kid=tool_keys.key_id_for(pem), private_key_pem=pem))
    existing = session.scalar(sa.select(Platform).where(Platform.issuer == demo.issuer,
                                                        Platform.client_id == CLIENT_ID))
    if existing is None:
        with contextlib.suppress(PlatformError):  # another web process registered it a moment ago
            add_platform(session, issuer=demo.issuer, client_id=CLIENT_ID,
                         auth_login_url=config.url("/demo/authorize"), auth_token_url=config.url("/demo/token"),
                         key_set_url=config.url("/demo/jwks"), deployment_ids=[DEPLOYMENT_ID],
                         name="Skillbite demo LMS", deployment_policy=DeploymentPolicy.KNOWN_ONLY,
                         registered_by="demo", product="skillbite-demo")
    # The tool would fetch /demo/jwks over HTTP from itself; seeding the cache spares that round trip.
    DatabaseKeySetCache(session).put_key_set(config.url("/demo/jwks"), demo.jwks, time.time())
    return demo




