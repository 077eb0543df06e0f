"""LTI Names and Role Provisioning Services 2.0, the tool's side: the members of the launch's context.

The claim's ``context_memberships_url`` answers a membership container
(``application/vnd.ims.lti-nrps.v2.membershipcontainer+json``) to a bearer token with the
``contextmembership.readonly`` scope; ``role`` filters by role and ``limit`` asks for pages, which the
platform links with ``Link: rel="next"``. A member without ``status`` is Active (NRPS 2.0, member status).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lti import claims
from lti.clock import Clock, system_clock
from lti.errors import ServiceError
from lti.http import HttpClient
from lti.service_http import ServiceClient, required_scope, with_query
from lti.service_token import ServiceTokens
from lti.storage import PlatformRegistration

MEMBERSHIP_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ACTIVE = "Active"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Member:
    """One membership of the context; ``user_id`` is the ``sub`` of that person's launches."""

    user_id: str
    roles: tuple[str, ...]
    status: str = ACTIVE
    name: str | None = None
    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @classmethod
    def from_json(cls, value: object) -> Member | None:
        """The member in a container entry, or None when it has no ``user_id``."""
        if not isinstance(value, dict) or not _str_or_none(value.get("user_id")):
            return None
        roles = value.get("roles")
        return cls(
            user_id=value["user_id"],
            roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            status=_str_or_none(value.get("status")) or ACTIVE,
            name=_str_or_none(value.get("name")),
            email=_str_or_none(value.get("email")),
            given_name=_str_or_none(value.get("given_name")),
            family_name=_str_or_none(value.get("family_name")),
            picture=_str_or_none(value.get("picture")),
        )


class NamesAndRoles:
    """Reads the roster of a context, one page at a time."""

    def __init__(self, http: HttpClient, tokens: ServiceTokens, *, clock: Clock = system_clock) -> None:
        self.service = ServiceClient(http, tokens, clock=clock)

    def memberships(
        self,
        registration: PlatformRegistration,
        nrps_claim: dict[str, Any],
        *,
        role: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Member]:
        """Every member, lazily: the next page is fetched when the previous one has been consumed.

        ``role`` is a role URI or a short context role name (``Learner``), as the platform filters them.
        """
        url = nrps_claim.get("context_memberships_url")
        if not isinstance(url, str) or not url:
            raise ServiceError("the platform's NRPS claim has no context_memberships_url", retryable=False)
        scope = required_scope(nrps_claim, (claims.SCOPE_NRPS,), "NRPS")
        params = [("role", role)] if role is not None else []
        if limit is not None:
            params.append(("limit", str(limit)))
        # Checked above, before the first page is asked for: a bad claim fails at the call, not mid-loop.
        return self._members(registration, scope, with_query(url, params))

    def _members(self, registration: PlatformRegistration, scope: str, url: str) -> Iterator[Member]:
        for page in self.service.pages(registration, [scope], url, accept=MEMBERSHIP_CONTAINER_MEDIA_TYPE):
            members = page.get("members") if isinstance(page, dict) else None
            if not isinstance(members, list):
                raise ServiceError("the membership container has no members array", retryable=False)
            for value in members:
                member = Member.from_json(value)
                if member is not None:
                    yield member
