"""The check /lti/register runs before anything else: a registration link the operator made, or a 403 page.

Nothing reaches the platform's URLs (no openid_configuration fetch, no registration request) before this
check passes, so an unknown party can neither add a tenant nor make Skillbite call addresses it chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from flask import abort
from sqlalchemy.orm import Session

from plugin.platforms.models import Platform
from plugin.registration import invites
from plugin.web.context import runtime
from plugin.web.errors import error_response

TITLE = "This registration link cannot be used"
ASK = ("Ask the Skillbite operator for a registration link, paste it into your LMS as the tool's registration "
       "URL (Moodle: Tool URL), and start again. Operators make links with `skillbite platform invite` or on "
       "the admin console's Registration links page.")


@dataclass(frozen=True)
class AcceptedLink:
    """A link that allowed this registration: its token (carried through the confirm form), id and name."""

    token: str
    id: int
    name: str | None

    @property
    def label(self) -> str:
        return f"#{self.id} ({self.name})" if self.name else f"#{self.id}"


def _refuse(reason: str, message: str) -> NoReturn:
    abort(error_response(403, TITLE, "Skillbite registers a new LMS only through a one-time registration "
                                     f"link from its operator. {message}", ASK, f"registration_link_{reason}"))


def require_link(token: str | None) -> AcceptedLink:
    """The open link ``token`` names, or a 403 page. Reads in a session of its own, closed before returning,
    so no transaction stays open while the registration then talks to the platform."""
    with runtime().sessions() as session:
        try:
            invite = invites.open_invite(session, token)
        except invites.InviteRefused as refused:
            _refuse(refused.reason, refused.message)
        return AcceptedLink(token or "", invite.id, invite.name)


def use_link(session: Session, link: AcceptedLink) -> None:
    """Use the link up in ``session``'s transaction, before the platform is stored; or undo everything and
    answer 403 (another registration used the link, or the operator revoked it, meanwhile)."""
    if not invites.consume_invite(session, link.token):
        session.rollback()
        _refuse("used", "This registration link was used (or revoked) while this registration was running, "
                        "so Skillbite did not store it. Your LMS may list a tool registration that does not "
                        "work; delete it there.")


def link_registered(session: Session, link: AcceptedLink, platform: Platform) -> None:
    """Note on the used link which platform it registered."""
    invites.record_platform(session, link.token, platform)
