"""Dynamic registration (LTI DR 1.0) and the Canvas developer key JSON, over the platform registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from lti import claims
from lti.http import HttpClient
from lti.registration import ToolDescription, register_tool
from lti.storage import DeploymentPolicy
from plugin.config import Config
from plugin.platforms.models import Platform
from plugin.platforms.services import add_platform

TOOL_NAME = "Skillbite"
TOOL_DESCRIPTION = ("Micro-learning in 5–15 minute nuggets, with skills-gap pathways, spaced practice, "
                    "xAPI and Open Badges 3.0.")


def tool_description(config: Config) -> ToolDescription:
    return ToolDescription(
        name=TOOL_NAME,
        base_url=config.base_url,
        login_url=config.url("/lti/login"),
        launch_url=config.url("/lti/launch"),
        jwks_url=config.url("/lti/jwks"),
        logo_url=config.url("/static/skillbite-logo.svg"),
        description=TOOL_DESCRIPTION,
        deep_linking_url=config.url("/lti/launch"),
    )


def register_with_platform(session: Session, config: Config, http: HttpClient,
                           openid_configuration: str, registration_token: str | None,
                           name: str | None = None,
                           before_storing: Callable[[], None] | None = None) -> Platform:
    """DR 1.0 §3.4–3.6: fetch the platform's configuration, register, store the result.

    ``name`` (the registration link's) names the platform; without it, the issuer's host does.
    ``before_storing`` runs once the platform accepted the registration and before the platform is
    stored, in ``session``'s transaction (the view uses the registration link up there).
    """
    result = register_tool(openid_configuration, registration_token, tool_description(config), http)
    if before_storing is not None:
        before_storing()
    return add_platform(
        session,
        issuer=result.issuer,
        client_id=result.client_id,
        auth_login_url=result.auth_login_url,
        auth_token_url=result.auth_token_url,
        key_set_url=result.key_set_url,
        token_audience=result.token_audience,
        deployment_ids=[result.deployment_id] if result.deployment_id else [],
        # Without a deployment id in the answer the platform will name it at first launch.
        deployment_policy=(DeploymentPolicy.KNOWN_ONLY if result.deployment_id
                           else DeploymentPolicy.RECORD_FIRST_SEEN),
        registered_by="dynamic",
        product=result.product_family_code,
        name=name or urlsplit(result.issuer).netloc,
    )


def canvas_configuration(config: Config) -> dict[str, Any]:
    """The JSON a Canvas admin pastes as a developer key's "JSON URL" (Canvas LTI 1.3 key configuration)."""
    launch = config.url("/lti/launch")
    icon = config.url("/static/skillbite-logo.svg")
    placements = [
        {"placement": "course_navigation", "message_type": claims.RESOURCE_LINK_REQUEST,
         "target_link_uri": launch, "text": TOOL_NAME, "icon_url": icon, "default": "enabled"},
        {"placement": "link_selection", "message_type": claims.DEEP_LINKING_REQUEST,
         "target_link_uri": launch, "text": TOOL_NAME, "icon_url": icon},
        {"placement": "assignment_selection", "message_type": claims.DEEP_LINKING_REQUEST,
         "target_link_uri": launch, "text": TOOL_NAME, "icon_url": icon},
    ]
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": config.url("/lti/login"),
        "target_link_uri": launch,
        "public_jwk_url": config.url("/lti/jwks"),
        "scopes": list(claims.TOOL_SCOPES),
        "extensions": [{
            "domain": urlsplit(config.base_url).netloc,
            "tool_id": "skillbite",
            "platform": "canvas.instructure.com",
            "privacy_level": "public",
            "settings": {"text": TOOL_NAME, "icon_url": icon, "placements": placements},
        }],
        "custom_fields": {"canvas_user_locale": "$Canvas.user.locale"},
    }
