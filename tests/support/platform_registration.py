"""The registration side of :class:`StrictPlatform` (LTI Dynamic Registration 1.0 §3.3, §3.6): the
single-use registration tokens it hands out, and launching as a client a registration created. The
HTTP endpoint that checks the tool's request is in :mod:`tests.support.platform_http`."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .browser import Browser, ResponseLike


@dataclass
class RegisteredClient:
    client_id: str
    deployment_ids: list[str]
    jwks_uri: str
    redirect_uris: list[str]
    initiate_login_uri: str
    target_link_uri: str
    scopes: list[str]


class RegistrationSide:
    """Mixed into :class:`StrictPlatform`, which owns these attributes."""

    _lock: threading.RLock
    _registration_tokens: set[str]
    registrations: list[dict[str, Any]]
    registered_clients: dict[str, RegisteredClient]
    openid_configuration_url: str
    tool_register_url: str
    client_id: str
    deployment_ids: list[str]
    redirect_uris: list[str]
    tool_login_url: str
    tool_launch_url: str
    tool_jwks_url: str

    def registration_start_params(self) -> dict[str, str]:
        """Query parameters the LMS puts on the tool's registration URL (LTI DR 1.0 §3.3); the
        registration token is single use."""
        token = "rt-" + secrets.token_urlsafe(24)
        with self._lock:
            self._registration_tokens.add(token)
        return {"openid_configuration": self.openid_configuration_url, "registration_token": token}

    def start_registration(self, browser: Browser, url: str | None = None) -> ResponseLike:
        """Open the tool's registration page as the LMS admin's browser would."""
        return browser.get(url or self.tool_register_url, self.registration_start_params())

    def adopt_registration(self, record: Mapping[str, Any] | None = None) -> RegisteredClient:
        """Launch from now on as the client created by a registration (the latest by default)."""
        with self._lock:
            chosen = record if record is not None else self.registrations[-1]
            client = self.registered_clients[chosen["client_id"]]
            self.client_id = client.client_id
            self.deployment_ids = list(client.deployment_ids)
            self.redirect_uris = list(client.redirect_uris)
            self.tool_login_url = client.initiate_login_uri
            self.tool_launch_url = client.target_link_uri
            self.tool_jwks_url = client.jwks_uri
            return client

    def take_registration_token(self, token: str | None) -> bool:
        with self._lock:
            if token is None or token not in self._registration_tokens:
                return False
            self._registration_tokens.discard(token)
            return True

