"""Reading a compact JWS before its signature is checked (RFC 7515 §7.1), without ever raising.

The header and payload are needed to choose the registration and key (Security Framework 1.0 §5.1.3
steps 1-2), so they are parsed first; nothing read here is trusted until the signature is verified.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from lti.errors import LaunchError

MAX_TOKEN_LENGTH = 256 * 1024
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def _malformed(why: str) -> LaunchError:
    return LaunchError(
        "malformed_jwt",
        f"The id_token is not a valid signed JWT: {why}.",
        "The platform must post a compact JWS (header.payload.signature) as id_token.",
    )


def _not_json(constant: str) -> None:
    """NaN and Infinity are not JSON (RFC 8259 §6), though Python's parser takes them: an ``exp`` of NaN
    would never compare as expired."""
    raise ValueError(f"{constant} is not a JSON number")


def _json_segment(segment: str, name: str) -> dict[str, Any]:
    if not _SEGMENT.fullmatch(segment):
        raise _malformed(f"the {name} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
    except (binascii.Error, ValueError, RecursionError):
        raise _malformed(f"the {name} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise _malformed(f"the {name} is not a JSON object")
    return value


def parse_unverified(token: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS; any other input is a ``malformed_jwt`` LaunchError."""
    if not isinstance(token, str) or not token:
        raise _malformed("it is empty")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _malformed("it is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise _malformed("it does not have three dot-separated parts")
    header = _json_segment(parts[0], "header")
    payload = _json_segment(parts[1], "payload")
    if not _SEGMENT.fullmatch(parts[2]):
        raise _malformed("the signature is missing or not base64url")
    return header, payload
