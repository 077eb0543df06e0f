"""Turning a validated :class:`lti.LaunchMessage` into the tool's records and a learner session."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti import LaunchMessage
from plugin.db import utcnow
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.platforms.models import Platform


def _get_or_create(session: Session, model: type, lookup: dict[str, object], **values: object):  # type: ignore[no-untyped-def]
    row = session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        try:
            with session.begin_nested():
                row = model(**lookup, **values)
                session.add(row)
        except IntegrityError:  # a concurrent first launch made it
            row = session.scalar(sa.select(model).filter_by(**lookup))
    else:
        for key, value in values.items():
            if value is not None and getattr(row, key) != value:
                setattr(row, key, value)
    return row


def find_platform(session: Session, issuer: str, client_id: str) -> Platform:
    platform = session.scalar(sa.select(Platform).where(Platform.issuer == issuer,
                                                        Platform.client_id == client_id))
    assert platform is not None, "validated launches always have a registration"
    return platform


def open_launch_session(session: Session, message: LaunchMessage, lifetime: dt.timedelta) -> LaunchSession:
    """Record who launched from where, and open a session for them.

    An anonymous launch (no ``sub``) gets a session with no user: the views show it a read-only preview
    and never attach progress to it (LTI Core 1.3 §5.3.6).
    """
    platform = find_platform(session, message.issuer, message.client_id)
    now = utcnow()
    user = None
    if message.subject is not None:
        user = _get_or_create(session, User, {"platform_id": platform.id, "subject": message.subject},
                              name=message.name, email=message.email, locale=message.locale,
                              last_launch_at=now)
    context = None
    if message.context is not None:
        context = _get_or_create(session, LmsContext,
                                 {"platform_id": platform.id, "context_id": message.context.id},
                                 deployment_id=message.deployment_id, label=message.context.label,
                                 title=message.context.title)
    link = None
    if message.resource_link is not None:
        link = _get_or_create(session, ResourceLink,
                              {"platform_id": platform.id, "resource_link_id": message.resource_link.id},
                              context_pk=context.id if context else None,
                              title=message.resource_link.title, custom=dict(message.custom))
    services: dict[str, object] = {}
    if message.ags_endpoint:
        services["ags"] = message.ags_endpoint
    if message.nrps_endpoint:
        services["nrps"] = message.nrps_endpoint
    if message.deep_linking_settings:
        services["deep_linking"] = message.deep_linking_settings
    if message.launch_presentation.get("return_url"):
        services["return_url"] = message.launch_presentation["return_url"]
    launch = LaunchSession(
        id=secrets.token_urlsafe(24),
        platform_id=platform.id,
        deployment_id=message.deployment_id,
        user_pk=user.id if user else None,
        context_pk=context.id if context else None,
        resource_link_pk=link.id if link else None,
        role=message.role.value,
        message_type=message.message_type,
        services=services,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(launch)
    session.flush()
    return launch


def load_launch_session(session: Session, session_id: str) -> LaunchSession | None:
    launch = session.get(LaunchSession, session_id)
    if launch is None or launch.expires_at <= utcnow():
        return None
    return launch
