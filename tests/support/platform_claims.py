"""The claims of a valid launch from :class:`StrictPlatform` (LTI Core 1.3 §5.3-§5.4, LTI DL 2.0 §4.4),
and the default person, course and resource link it launches with."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lti import claims as lti_claims

if TYPE_CHECKING:
    from .platform import StrictPlatform

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

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



def default_claims(
    platform: StrictPlatform,
    nonce: str | None,
    *,
    role: str | Sequence[str] = "Learner",
    message_type: str = lti_claims.RESOURCE_LINK_REQUEST,
) -> dict[str, Any]:
    """A complete, valid LtiResourceLinkRequest (LTI Core 1.3 §5.3, §5.4), or a deep linking
    request (LTI DL 2.0 §4.4) when ``message_type`` says so."""
    now = int(time.time())
    base = platform.base_url
    context_id = DEFAULT_CONTEXT["id"]
    payload: dict[str, Any] = {
        "iss": platform.issuer,
        "sub": platform.user["sub"],
        "aud": platform.client_id,
        "azp": platform.client_id,
        "exp": now + 300,
        "iat": now,
        "nonce": nonce,
        **{k: v for k, v in platform.user.items() if k != "sub"},
        lti_claims.MESSAGE_TYPE: message_type,
        lti_claims.VERSION: lti_claims.LTI_VERSION,
        lti_claims.DEPLOYMENT_ID: platform.deployment_ids[0],
        lti_claims.TARGET_LINK_URI: platform.tool_launch_url,
        lti_claims.RESOURCE_LINK: dict(DEFAULT_RESOURCE_LINK),
        lti_claims.ROLES: role_uris(role),
        lti_claims.CONTEXT: dict(DEFAULT_CONTEXT),
        lti_claims.TOOL_PLATFORM: {
            "guid": platform.guid,
            "name": platform.name,
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
            "person_sourcedid": "sis-" + platform.user["sub"],
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
