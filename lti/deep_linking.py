"""LTI Deep Linking 2.0, the tool's side: the signed ``LtiDeepLinkingResponse`` that returns the chosen items.

§4.2 (response message): a JWT signed by the tool key with ``iss`` = client_id, ``aud`` = the platform's
issuer, ``iat``/``exp``, a fresh ``nonce``, the request's ``deployment_id``, message type
``LtiDeepLinkingResponse``, version 1.3.0, ``content_items`` (possibly none), ``data`` returned exactly as
the settings gave it, and optional ``msg``/``log``/``errormsg``/``errorlog``. The web layer posts it as
the form field ``JWT`` to ``deep_link_return_url``.

§4.4.1 (settings): only types in ``accept_types``; at most one item unless ``accept_multiple`` is true;
``accept_lineitem`` false means line items are ignored, so none are sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lti import claims
from lti.clock import Clock, system_clock
from lti.errors import DeepLinkingError
from lti.message import LaunchMessage
from lti.storage import SigningKey
from lti.tool_keys import sign_jwt

LTI_RESOURCE_LINK = "ltiResourceLink"
RESPONSE_LIFETIME = 300


@dataclass(frozen=True)
class Image:
    """An icon or thumbnail of a content item (Deep Linking 2.0 §3.1)."""

    url: str
    width: int | None = None
    height: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"url": self.url}
        if self.width is not None:
            body["width"] = self.width
        if self.height is not None:
            body["height"] = self.height
        return body


@dataclass(frozen=True)
class LineItemRequest:
    """The ``lineItem`` of an LTI resource link item (Deep Linking 2.0 §3.2): asks for a grade column."""

    score_maximum: float
    label: str | None = None
    resource_id: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.score_maximum, bool) or not self.score_maximum > 0:
            raise ValueError("a line item's scoreMaximum must be greater than 0")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"scoreMaximum": self.score_maximum}
        for name, value in (("label", self.label), ("resourceId", self.resource_id), ("tag", self.tag)):
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True)
class ContentItem:
    """An ``ltiResourceLink`` content item (Deep Linking 2.0 §3.2).

    ``custom`` identifies our content on later launches; its values are strings (LTI Core 1.3 §5.4.6).
    Without ``url`` the platform launches the tool's default target link URI.
    """

    title: str
    text: str | None = None
    url: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    line_item: LineItemRequest | None = None
    icon: Image | None = None
    thumbnail: Image | None = None

    type = LTI_RESOURCE_LINK

    def __post_init__(self) -> None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.custom.items()):
            raise ValueError("custom parameters are strings (LTI Core 1.3 §5.4.6)")

    def to_json(self, *, with_line_item: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title}
        if self.text is not None:
            body["text"] = self.text
        if self.url is not None:
            body["url"] = self.url
        if self.custom:
            body["custom"] = dict(self.custom)
        if self.line_item is not None and with_line_item:
            body["lineItem"] = self.line_item.to_json()
        if self.icon is not None:
            body["icon"] = self.icon.to_json()
        if self.thumbnail is not None:
            body["thumbnail"] = self.thumbnail.to_json()
        return body


def _settings(message: LaunchMessage) -> dict[str, Any]:
    settings = message.deep_linking_settings
    if message.message_type != claims.DEEP_LINKING_REQUEST or not settings:
        raise DeepLinkingError(
            "not_a_deep_linking_request",
            "Content can only be returned to the platform in answer to a deep linking request.",
            "Open the content picker from the LMS's 'add activity / external tool' placement.",
        )
    return settings


def accepted_types(message: LaunchMessage) -> frozenset[str]:
    """§4.4.1 ``accept_types``; a platform that omits it (it is required) is taken to accept resource links."""
    value = _settings(message).get("accept_types")
    if not isinstance(value, list):
        return frozenset({LTI_RESOURCE_LINK})
    return frozenset(t for t in value if isinstance(t, str))


def accepts_multiple(message: LaunchMessage) -> bool:
    """§4.4.1 ``accept_multiple``; absent is taken as false, the choice a platform cannot be hurt by."""
    return _settings(message).get("accept_multiple") is True


def deep_linking_response(
    message: LaunchMessage,
    items: Sequence[ContentItem],
    key: SigningKey,
    *,
    msg: str | None = None,
    log: str | None = None,
    errormsg: str | None = None,
    errorlog: str | None = None,
    clock: Clock = system_clock,
) -> tuple[str, str]:
    """(``deep_link_return_url``, signed response JWT) for ``items`` chosen in answer to ``message``.

    Raises :class:`DeepLinkingError` when the platform would refuse the items: a type it does not accept,
    or several items when it accepts one.
    """
    settings = _settings(message)
    return_url = settings["deep_link_return_url"]
    types = accepted_types(message)
    for item in items:
        if item.type not in types:
            raise DeepLinkingError(
                "type_not_accepted",
                f"The platform does not accept {item.type} items here (it accepts: {', '.join(sorted(types))}).",
                "Use a placement of the tool that accepts LTI resource links.",
            )
    if len(items) > 1 and not accepts_multiple(message):
        raise DeepLinkingError(
            "multiple_not_accepted",
            f"The platform accepts one item here; {len(items)} were chosen.",
            "Choose one item, or add the others one at a time.",
        )
    # §4.4.1: accept_lineitem false means the platform ignores line items; absent says nothing, so send them.
    with_line_item = settings.get("accept_lineitem") is not False
    now = int(clock())
    payload: dict[str, Any] = {
        "iss": message.client_id,
        "aud": message.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(24),
        claims.DEPLOYMENT_ID: message.deployment_id,
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
        claims.VERSION: claims.LTI_VERSION,
        claims.DL_CONTENT_ITEMS: [item.to_json(with_line_item=with_line_item) for item in items],
    }
    if "data" in settings:
        payload[claims.DL_DATA] = settings["data"]
    for name, value in ((claims.DL_MSG, msg), (claims.DL_LOG, log), (claims.DL_ERRORMSG, errormsg),
                        (claims.DL_ERRORLOG, errorlog)):
        if value is not None:
            payload[name] = value
    return return_url, sign_jwt(payload, key)
