"""The LTI claims of a verified id_token (LTI Core 1.3 §5), and the :class:`LaunchMessage` built from them.

Only called by :mod:`lti.launch` once signature, time, nonce and deployment checks have passed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lti import claims
from lti.errors import LaunchError
from lti.message import Context, LaunchMessage, ResourceLink
from lti.roles import effective_role
from lti.storage import PlatformRegistration

# LTI Core 1.3 §5.3.5, §5.3.6 (with OIDC Core §2), §5.4.1: sub, resource link ids and context ids MUST NOT
# exceed 255 ASCII characters.
MAX_ID_LENGTH = 255


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dict_or_none(value: object) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, dict) else None


def check_lti_claims(payload: Mapping[str, Any]) -> None:
    """LTI Core 1.3 §5.3 required message claims, each failure with its own code."""
    if payload.get(claims.VERSION) != claims.LTI_VERSION:
        raise LaunchError(
            "wrong_version",
            f"The launch's LTI version is {repr(payload.get(claims.VERSION))[:40]}, not 1.3.0.",
            "Skillbite speaks LTI 1.3: register it in the platform as an LTI 1.3 (Advantage) tool.",
        )
    message_type = payload.get(claims.MESSAGE_TYPE)
    if not isinstance(message_type, str) or not message_type:
        raise LaunchError(
            "missing_message_type",
            "The launch has no message_type claim.",
            "LTI Core 1.3 §5.3.1 requires the message_type claim.",
        )
    if message_type not in claims.MESSAGE_TYPES:
        raise LaunchError(
            "unknown_message_type",
            f"Skillbite does not handle LTI messages of type {message_type[:80]!r}.",
            "Place the tool as a resource link or a deep linking (content selection) placement.",
        )
    roles = payload.get(claims.ROLES)
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchError(
            "missing_roles",
            "The launch has no roles claim (a list of role URIs).",
            "LTI Core 1.3 §5.3.7 requires the roles claim; it may be an empty list.",
        )
    sub = payload.get("sub")
    if sub is not None and (not isinstance(sub, str) or not sub or len(sub) > MAX_ID_LENGTH):
        raise LaunchError(
            "invalid_subject",
            "The launch's sub claim is not a string of 1 to 255 characters.",
            "LTI Core 1.3 §5.3.6: sub, when present, is the user's stable id, at most 255 ASCII characters.",
        )
    if message_type == claims.RESOURCE_LINK_REQUEST:
        link = payload.get(claims.RESOURCE_LINK)
        if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
            raise LaunchError(
                "missing_resource_link",
                "The resource link launch has no resource_link id.",
                "LTI Core 1.3 §5.3.5 requires resource_link.id in an LtiResourceLinkRequest.",
            )
        if len(link["id"]) > MAX_ID_LENGTH:
            raise LaunchError(
                "invalid_resource_link",
                f"The resource_link id has {len(link['id'])} characters.",
                "LTI Core 1.3 §5.3.5: a resource link id MUST NOT exceed 255 ASCII characters.",
            )
    context = payload.get(claims.CONTEXT)
    if isinstance(context, dict) and isinstance(context.get("id"), str) and len(context["id"]) > MAX_ID_LENGTH:
        raise LaunchError(
            "invalid_context",
            f"The context id has {len(context['id'])} characters.",
            "LTI Core 1.3 §5.4.1: a context id MUST NOT exceed 255 ASCII characters.",
        )
    if message_type == claims.DEEP_LINKING_REQUEST:
        settings = payload.get(claims.DEEP_LINKING_SETTINGS)
        if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
            raise LaunchError(
                "missing_deep_linking_settings",
                "The deep linking request has no deep_linking_settings with a deep_link_return_url.",
                "LTI Deep Linking 2.0 §4.4.1 requires deep_link_return_url in the settings claim.",
            )


def _context(value: object) -> Context | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    types = value.get("type")
    return Context(
        id=value["id"],
        label=_str_or_none(value.get("label")),
        title=_str_or_none(value.get("title")),
        types=tuple(t for t in types if isinstance(t, str)) if isinstance(types, list) else (),
    )


def _resource_link(value: object) -> ResourceLink | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    return ResourceLink(
        id=value["id"],
        title=_str_or_none(value.get("title")),
        description=_str_or_none(value.get("description")),
    )


def _custom(value: object) -> dict[str, str]:
    """LTI Core 1.3 §5.4.6: custom values are strings; some platforms send numbers, kept as JSON text."""
    if not isinstance(value, dict):
        return {}
    return {
        str(key): item if isinstance(item, str) else json.dumps(item) for key, item in value.items()
    }


def build_message(
    payload: Mapping[str, Any],
    registration: PlatformRegistration,
    deployment_id: str,
    *,
    first_seen_deployment: bool,
) -> LaunchMessage:
    """The :class:`LaunchMessage` of a payload that passed :func:`check_lti_claims`."""
    roles = tuple(payload[claims.ROLES])
    return LaunchMessage(
        issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=deployment_id,
        registration_id=registration.id,
        message_type=payload[claims.MESSAGE_TYPE],
        subject=_str_or_none(payload.get("sub")),
        roles=roles,
        role=effective_role(roles),
        target_link_uri=_str_or_none(payload.get(claims.TARGET_LINK_URI)),
        context=_context(payload.get(claims.CONTEXT)),
        resource_link=_resource_link(payload.get(claims.RESOURCE_LINK)),
        name=_str_or_none(payload.get("name")),
        given_name=_str_or_none(payload.get("given_name")),
        family_name=_str_or_none(payload.get("family_name")),
        email=_str_or_none(payload.get("email")),
        locale=_str_or_none(payload.get("locale")),
        custom=_custom(payload.get(claims.CUSTOM)),
        launch_presentation=_dict_or_none(payload.get(claims.LAUNCH_PRESENTATION)) or {},
        deep_linking_settings=_dict_or_none(payload.get(claims.DEEP_LINKING_SETTINGS)),
        ags_endpoint=_dict_or_none(payload.get(claims.AGS_ENDPOINT)),
        nrps_endpoint=_dict_or_none(payload.get(claims.NRPS_SERVICE)),
        platform=_dict_or_none(payload.get(claims.TOOL_PLATFORM)) or {},
        claims=dict(payload),
        first_seen_deployment=first_seen_deployment,
    )
