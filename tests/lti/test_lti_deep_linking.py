"""Deep Linking 2.0 responses: signed by the tool key, claims as §4.2 names them, settings respected."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from lti import claims
from lti.deep_linking import ContentItem, Image, LineItemRequest, deep_linking_response
from lti.errors import DeepLinkingError
from lti.message import LaunchMessage, Role
from lti.storage import SigningKey
from lti.tool_keys import public_jwk
from tests.lti.memory import FakeClock
from tests.lti.platform_fixture import CLIENT_ID, DEPLOYMENT, ISSUER

RETURN_URL = "https://lms.example.edu/mod/lti/contentitem_return.php?course=2&id=9"
NUGGET = ContentItem(
    title="Safety basics",
    text="Five minutes on safe lifting",
    url="https://tool.example.com/lti/launch",
    custom={"nugget": "safety-basics"},
    line_item=LineItemRequest(score_maximum=10, label="Safety basics", resource_id="nugget-9", tag="nugget"),
    icon=Image("https://tool.example.com/icon.png", 64, 64),
    thumbnail=Image("https://tool.example.com/thumb.png"),
)
PATHWAY = ContentItem(title="Safety pathway", custom={"pathway": "safety"})


def request(**settings: Any) -> LaunchMessage:
    return LaunchMessage(
        issuer=ISSUER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT, message_type=claims.DEEP_LINKING_REQUEST,
        subject="teacher-1", roles=(), role=Role.INSTRUCTOR, target_link_uri=None, context=None, resource_link=None,
        deep_linking_settings={"deep_link_return_url": RETURN_URL, "accept_types": ["ltiResourceLink"],
                               "accept_multiple": True, **settings},
    )


def verified(token: str, key: SigningKey) -> dict[str, Any]:
    public = RSAAlgorithm.from_jwk(json.dumps(public_jwk(key.private_key_pem, key.kid)))
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    return jwt.decode(token, public, algorithms=["RS256"], audience=ISSUER,  # type: ignore[arg-type]
                      options={"verify_exp": False, "verify_iat": False})


def test_response_is_signed_by_the_tool_key_with_the_claims_of_section_4_2(tool_key: SigningKey) -> None:
    clock = FakeClock()
    return_url, token = deep_linking_response(request(), [NUGGET], tool_key, clock=clock)
    payload = verified(token, tool_key)
    assert return_url == RETURN_URL
    assert (payload["iss"], payload["aud"]) == (CLIENT_ID, ISSUER)
    assert (payload["iat"], payload["exp"]) == (int(clock.now), int(clock.now) + 300)
    assert payload[claims.DEPLOYMENT_ID] == DEPLOYMENT
    assert payload[claims.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert payload[claims.VERSION] == "1.3.0"
    assert len(payload["nonce"]) >= 16 and "azp" not in payload
    assert claims.DL_DATA not in payload


def test_content_item_carries_what_a_later_launch_needs(tool_key: SigningKey) -> None:
    _, token = deep_linking_response(request(), [NUGGET], tool_key)
    assert verified(token, tool_key)[claims.DL_CONTENT_ITEMS] == [{
        "type": "ltiResourceLink",
        "title": "Safety basics",
        "text": "Five minutes on safe lifting",
        "url": "https://tool.example.com/lti/launch",
        "custom": {"nugget": "safety-basics"},
        "lineItem": {"scoreMaximum": 10, "label": "Safety basics", "resourceId": "nugget-9", "tag": "nugget"},
        "icon": {"url": "https://tool.example.com/icon.png", "width": 64, "height": 64},
        "thumbnail": {"url": "https://tool.example.com/thumb.png"},
    }]


def test_data_is_returned_exactly_as_the_platform_sent_it(tool_key: SigningKey) -> None:
    data = "csrftoken:c7fbba78-7b75-46e3-9201-11e6d5f36f53"
    _, token = deep_linking_response(request(data=data), [NUGGET], tool_key)
    assert verified(token, tool_key)[claims.DL_DATA] == data


def test_every_response_has_a_fresh_nonce(tool_key: SigningKey) -> None:
    nonces = {verified(deep_linking_response(request(), [NUGGET], tool_key)[1], tool_key)["nonce"] for _ in range(3)}
    assert len(nonces) == 3


def test_several_items_when_the_platform_accepts_multiple(tool_key: SigningKey) -> None:
    _, token = deep_linking_response(request(), [NUGGET, PATHWAY], tool_key)
    assert [i["title"] for i in verified(token, tool_key)[claims.DL_CONTENT_ITEMS]] == ["Safety basics",
                                                                                        "Safety pathway"]


@pytest.mark.parametrize("settings", [{"accept_multiple": False}, {"accept_multiple": None}])
def test_one_item_only_when_the_platform_does_not_accept_multiple(
    tool_key: SigningKey, settings: dict[str, Any]
) -> None:
    message = request(**settings)
    with pytest.raises(DeepLinkingError) as caught:
        deep_linking_response(message, [NUGGET, PATHWAY], tool_key)
    assert caught.value.code == "multiple_not_accepted"
    _, token = deep_linking_response(message, [NUGGET], tool_key)
    assert len(verified(token, tool_key)[claims.DL_CONTENT_ITEMS]) == 1


def test_items_of_a_type_the_platform_does_not_accept_are_refused(tool_key: SigningKey) -> None:
    with pytest.raises(DeepLinkingError) as caught:
        deep_linking_response(request(accept_types=["link", "file"]), [NUGGET], tool_key)
    assert caught.value.code == "type_not_accepted" and "file, link" in caught.value.message


def test_line_items_are_left_out_when_the_platform_ignores_them(tool_key: SigningKey) -> None:
    _, token = deep_linking_response(request(accept_lineitem=False), [NUGGET], tool_key)
    [item] = verified(token, tool_key)[claims.DL_CONTENT_ITEMS]
    assert "lineItem" not in item and item["custom"] == {"nugget": "safety-basics"}


def test_no_items_and_messages_for_the_platform(tool_key: SigningKey) -> None:
    _, token = deep_linking_response(request(), [], tool_key, msg="Nothing chosen", errorlog="picker closed")
    payload = verified(token, tool_key)
    assert payload[claims.DL_CONTENT_ITEMS] == []
    assert payload[claims.DL_MSG] == "Nothing chosen" and payload[claims.DL_ERRORLOG] == "picker closed"
    assert claims.DL_ERRORMSG not in payload and claims.DL_LOG not in payload


def test_only_a_deep_linking_request_can_be_answered(tool_key: SigningKey) -> None:


    launch = replace(request(), message_type=claims.RESOURCE_LINK_REQUEST, deep_linking_settings=None)
    with pytest.raises(DeepLinkingError) as caught:
        deep_linking_response(launch, [NUGGET], tool_key)
    assert caught.value.code == "not_a_deep_linking_request"


def test_custom_values_must_be_strings() -> None:
    with pytest.raises(ValueError):
        ContentItem(title="x", custom={"level": 2})  # type: ignore[dict-item]
