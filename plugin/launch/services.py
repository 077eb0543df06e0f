"""Turning a validated :class:`lti.LaunchMessage` into the tool's records and a learner session.

A launch is the hottest write path of the tool, so each record is one upsert statement and the
session one insert: no read-then-write races between concurrent first launches, and few round trips.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from lti import LaunchMessage
from plugin.db import table_of, upsert_returning, utcnow
from plugin.db_driver import DriverStatement
from plugin.grades.launches import queue_earned_score
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.platforms.models import Platform
from plugin.platforms.services import column_length


def _platform_id(session: Session, message: LaunchMessage) -> int:
    if message.registration_id is not None:
        return message.registration_id
    found = session.scalar(sa.select(Platform.id).where(Platform.issuer == message.issuer,
                                                        Platform.client_id == message.client_id))
    assert found is not None, "validated launches always have a registration"
    return found


def _services(message: LaunchMessage) -> dict[str, Any]:
    services: dict[str, Any] = {}
    if message.ags_endpoint:
        services["ags"] = message.ags_endpoint
    if message.nrps_endpoint:
        services["nrps"] = message.nrps_endpoint
    if message.deep_linking_settings:
        services["deep_linking"] = message.deep_linking_settings
    if message.launch_presentation.get("return_url"):
        services["return_url"] = message.launch_presentation["return_url"]
    return services


# What an LMS sends about people and places is shown, never matched: a value longer than its column is cut,
# and an e-mail or locale too long to be one is left out, so that one odd claim cannot fail a launch
# (PostgreSQL refuses the insert). Identifiers (sub, context and link ids) are refused by lti.launch_claims.
_NAME, _EMAIL, _LOCALE = (column_length(User, column) for column in ("name", "email", "locale"))
_LABEL, _CONTEXT_TITLE = column_length(LmsContext, "label"), column_length(LmsContext, "title")
_LINK_TITLE = column_length(ResourceLink, "title")


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def _within(value: str | None, limit: int) -> str | None:
    return value if value is not None and len(value) <= limit else None


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    """What the LMS sent this time; a claim it left out does not erase what we knew."""
    return {key: value for key, value in values.items() if value is not None}


# Run on the driver (plugin.db_driver explains why): every launch opens one.
_OPEN_SESSION = DriverStatement(lambda _: sa.insert(table_of(LaunchSession)).values(
    {column.name: sa.bindparam(column.name, type_=column.type) for column in table_of(LaunchSession).c}))


def open_launch_session(session: Session, message: LaunchMessage, lifetime: dt.timedelta) -> LaunchSession:
    """Record who launched from where, and open a session for them.

    An anonymous launch (no ``sub``) gets a session with no user: the views show it a read-only preview
    and never attach progress to it (LTI Core 1.3 §5.3.6).
    """
    platform_id = _platform_id(session, message)
    now = utcnow()
    user = context = link = None
    if message.subject is not None:
        user = User(**upsert_returning(
            session, User, {"platform_id": platform_id, "subject": message.subject},
            _without_none({"name": _cut(message.name, _NAME), "email": _within(message.email, _EMAIL),
                           "locale": _within(message.locale, _LOCALE), "last_launch_at": now}),
            on_insert={"created_at": now}))
    if message.context is not None:
        context = LmsContext(**upsert_returning(
            session, LmsContext, {"platform_id": platform_id, "context_id": message.context.id},
            _without_none({"deployment_id": message.deployment_id, "label": _cut(message.context.label, _LABEL),
                           "title": _cut(message.context.title, _CONTEXT_TITLE)})))
    if message.resource_link is not None:
        link = ResourceLink(**upsert_returning(
            session, ResourceLink, {"platform_id": platform_id, "resource_link_id": message.resource_link.id},
            _without_none({"context_pk": context.id if context else None,
                           "title": _cut(message.resource_link.title, _LINK_TITLE), "custom": dict(message.custom)})))
    values = dict(id=secrets.token_urlsafe(24), platform_id=platform_id, deployment_id=message.deployment_id,
                  user_pk=user.id if user else None, context_pk=context.id if context else None,
                  resource_link_pk=link.id if link else None, role=message.role.value,
                  message_type=message.message_type, services=_services(message), created_at=now,
                  expires_at=now + lifetime)
    _OPEN_SESSION.rows(session, values)
    # A picture of what was written (the rows as the database returned them), enough to show the first
    # page without reading it all back. It is never added to a session; ``platform`` is not loaded.
    opened = LaunchSession(**values)
    opened.user, opened.context, opened.resource_link = user, context, link
    queue_earned_score(session, opened)  # a graded link to content already finished: its grade, once
    return opened


# Built once: every page inside a launch runs it, and building a statement costs more than running it.
_LOAD_SESSION = (sa.select(LaunchSession).where(LaunchSession.id == sa.bindparam("session_id"))
                 .options(joinedload(LaunchSession.platform), joinedload(LaunchSession.user),
                          joinedload(LaunchSession.context), joinedload(LaunchSession.resource_link)))


def load_launch_session(session: Session, session_id: str) -> LaunchSession | None:
    """The live session with its platform, person, course and link, in one query. A session ends early
    when the operator disables its platform: turning an LMS off takes effect at once, not hours later."""
    launch = session.scalar(_LOAD_SESSION, {"session_id": session_id})
    if launch is None or launch.expires_at <= utcnow() or not launch.platform.enabled:
        return None
    return launch
