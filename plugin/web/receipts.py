"""What a POST tells the page it redirects to (Post/Redirect/Get), so that reloading that page shows the
result again instead of repeating the POST (a course upload, an LRS test).

The result travels in the redirect's URL, not in the session: pages inside an LMS iframe (the console of
an LMS administrator, an instructor's Manage courses) may have no cookies. It is signed with the app
secret, so a link cannot make a page say something Skillbite did not do (a notice built from request text
would be a spoofing hole).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer(kind: str) -> URLSafeSerializer:
    key = current_app.secret_key
    assert key, "create_app sets the secret"
    return URLSafeSerializer(key, salt=f"skillbite-receipt:{kind}")


def seal(kind: str, result: Any) -> str:
    """``result`` (JSON-able) as a URL-safe, compressed, signed token."""
    return _serializer(kind).dumps(result)


def unseal(kind: str, token: str | None) -> Any | None:
    """The result sealed for ``kind``; None for no token or one that was changed or made for another kind."""
    if not token:
        return None
    try:
        return _serializer(kind).loads(token)
    except BadSignature:
        return None
