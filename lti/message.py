"""What a validated launch tells the tool: :class:`LaunchMessage`, built only by :mod:`lti.launch`."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Role(enum.Enum):
    """The tool's own view of a person, derived from the LTI roles claim (LTI Core 1.3 §5.3.7, A.2)."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Context:
    """LTI Core 1.3 §5.4.1: the LMS course (or group) the launch comes from."""

    id: str
    label: str | None = None
    title: str | None = None
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceLink:
    """LTI Core 1.3 §5.3.5: the placement in the LMS that was clicked."""

    id: str
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class LaunchMessage:
    """A launch that passed every check of LTI Core 1.3 §5 and the Security Framework §5.1.3.

    ``subject`` is None for an anonymous launch (allowed by LTI Core 1.3 §5.3.6); the tool must not
    map such a launch to any shared learner.
    """

    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    subject: str | None
    roles: tuple[str, ...]
    role: Role
    target_link_uri: str | None
    context: Context | None
    resource_link: ResourceLink | None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    locale: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    launch_presentation: dict[str, Any] = field(default_factory=dict)
    deep_linking_settings: dict[str, Any] | None = None
    ags_endpoint: dict[str, Any] | None = None
    nrps_endpoint: dict[str, Any] | None = None
    platform: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    first_seen_deployment: bool = False
    registration_id: int | None = None  # PlatformRegistration.id, so the tool need not look it up again

    @property
    def is_anonymous(self) -> bool:
        return self.subject is None
