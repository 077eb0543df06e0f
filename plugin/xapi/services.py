"""xAPI domain: turning learning events into logged and queued statements, LRS destinations, the log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from plugin.events import KINDS, LearningEvent, subscribe
from plugin.instance import SecretBox
from plugin.launch.models import LaunchSession, User
from plugin.outbox.services import NewMessage, enqueue_many, release_held
from plugin.platforms.models import Platform
from plugin.platforms.services import column_length
from plugin.xapi.activities import current_catalog
from plugin.xapi.models import XAPI_VERSIONS, LrsDestination, XapiPlatformSettings, XapiStatement
from plugin.xapi.statements import BuiltStatement, LaunchContext, Learner, build_statement

KIND = "xapi"
ACTOR_IDENTIFIERS = ("account", "mbox", "mbox_sha1sum")


class XapiError(ValueError):
    """A request about xAPI settings that cannot be done, with what to change."""


# --- events -> statements -------------------------------------------------------------------------

_base_url: str | None = None


def install(base_url: str) -> None:
    """Subscribe the statement writer to every learning event (called by create_app)."""
    global _base_url
    _base_url = base_url
    for kind in sorted(KINDS):
        subscribe(kind, on_learning_event)


def on_learning_event(session: Session, event: LearningEvent) -> None:
    if _base_url is None:
        raise RuntimeError("plugin.xapi.services.install() was not called")
    record_statements(session, event, base_url=_base_url)


def destination_scope(platform_id: int, deployment_id: str | None) -> str:
    """The outbox destination of a statement: which tenant's LRS, resolved when it is delivered."""
    scope = f"xapi:platform/{platform_id}"
    return scope + (f"/deployment/{quote(deployment_id, safe='')}" if deployment_id else "")


def parse_scope(destination: str) -> tuple[int, str | None]:
    parts = destination.removeprefix("xapi:").split("/")
    platform_id = int(parts[1])
    deployment = unquote(parts[3]) if len(parts) >= 4 else None
    return platform_id, deployment


def build_for_event(session: Session, event: LearningEvent, *, base_url: str) -> BuiltStatement:
    user = session.get(User, event.user_id)
    platform = session.get(Platform, event.platform_id)
    if user is None or platform is None or user.platform_id != platform.id:
        raise ValueError(f"learning event for unknown user {event.user_id} on platform {event.platform_id}")
    settings = session.get(XapiPlatformSettings, platform.id)
    learner = Learner(issuer=platform.issuer, subject=user.subject, email=user.email,
                      identifier=settings.actor_identifier if settings else "account")
    launch = LaunchContext()
    if event.launch_session_id:
        launch_session = session.get(LaunchSession, event.launch_session_id)
        if launch_session is not None:
            context = launch_session.context
            launch = LaunchContext(deployment_id=launch_session.deployment_id,
                                   lms_context_id=context.context_id if context else None,
                                   lms_context_title=context.title if context else None,
                                   session_id=launch_session.id)
    activities = current_catalog().describe(session, event)
    return build_statement(event, base_url=base_url, learner=learner, launch=launch, activities=activities,
                           locale=user.locale)


def record_statements(session: Session, event: LearningEvent, *, base_url: str) -> list[BuiltStatement]:
    """Log the event's statement and queue it for the LRS, in the caller's transaction."""
    built = build_for_event(session, event, base_url=base_url)
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)
    session.execute(insert(XapiStatement).on_conflict_do_nothing(index_elements=["id"]), [dict(
        id=built.id, platform_id=event.platform_id, user_id=event.user_id, verb=built.verb,
        course_iri=built.course_iri, object_iri=built.object_iri, timestamp=built.timestamp,
        statement=built.json)])
    deployment = built.statement.get("context", {}).get("extensions", {}).get(
        "https://w3id.org/xapi/skillbite/extensions/lti-deployment-id")
    enqueue_many(session, [NewMessage(kind=KIND, destination=destination_scope(event.platform_id, deployment),
                                      key=f"xapi:{built.id}", payload=built.json, platform_id=event.platform_id)])
    return [built]


# --- LRS destinations -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Destination:
    """An LRS ready to use: its password opened (only ever held in memory)."""

    id: int
    name: str
    endpoint: str
    username: str
    password: str
    xapi_version: str
    batch_size: int

    @property
    def statements_url(self) -> str:
        return self.endpoint + "statements"


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    # A key and secret written into the URL would travel with it, into the delivery errors the console,
    # the CLI and the database show; they are sealed only when given as the key and secret.
    if "@" in parts.netloc:
        raise XapiError("The LRS endpoint must not carry the key or secret (key:secret@host): remove them from "
                        "the URL and give them in the Key and Secret fields (--username and --password).")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = "" if "@" in url else f", got {url!r}"  # it may hold a secret, e.g. key:secret@host/xapi/
        raise XapiError(f"The LRS endpoint must be an http(s) URL{shown}. Example: https://lrs.example.com/xapi/")
    if parts.query or parts.fragment:
        raise XapiError("The LRS endpoint must not carry a query or fragment.")
    return url if url.endswith("/") else url + "/"


BATCH_SIZE_MAX = 2000  # statements per request to one LRS


def add_destination(session: Session, box: SecretBox, *, name: str, endpoint: str, username: str, password: str,
                    xapi_version: str = "1.0.3", batch_size: int = 200, platform_id: int | None = None,
                    deployment_id: str | None = None) -> LrsDestination:
    """Add an LRS for a scope (deployment, platform or the global default) and release held statements."""
    if xapi_version not in XAPI_VERSIONS:
        raise XapiError(f"xAPI version must be one of {', '.join(XAPI_VERSIONS)}, got {xapi_version!r}.")
    if not 1 <= batch_size <= BATCH_SIZE_MAX:
        raise XapiError(f"Batch size must be between 1 and {BATCH_SIZE_MAX} statements.")
    if deployment_id is not None and platform_id is None:
        raise XapiError("A deployment-scoped LRS needs its platform too (--platform-id).")
    if platform_id is not None and session.get(Platform, platform_id) is None:
        raise XapiError(f"There is no platform {platform_id}. See `skillbite platform list`.")
    endpoint = _endpoint(endpoint)
    # Longer values than the columns hold would fail the INSERT (DataError on PostgreSQL): every one at once.
    too_long = [f"{label} must be at most {limit} characters, got {len(value)}"
                for label, value, column in (("The LRS name", name, "name"),
                                             ('The LRS endpoint (with its ending "/")', endpoint, "endpoint"),
                                             ("The key (username)", username, "username"),
                                             ("The deployment id", deployment_id, "deployment_id"))
                if value is not None and len(value) > (limit := column_length(LrsDestination, column))]
    if too_long:
        raise XapiError("; ".join(too_long) + ".")
    existing = session.scalar(sa.select(LrsDestination).where(
        LrsDestination.platform_id.is_(None) if platform_id is None else LrsDestination.platform_id == platform_id,
        LrsDestination.deployment_id.is_(None) if deployment_id is None
        else LrsDestination.deployment_id == deployment_id))
    if existing is not None:
        raise XapiError(f"LRS {existing.id} ({existing.name}) already serves this scope; remove it first.")
    destination = LrsDestination(name=name, endpoint=endpoint, username=username,
                                 password_sealed=box.seal(password.encode()), xapi_version=xapi_version,
                                 batch_size=batch_size, platform_id=platform_id, deployment_id=deployment_id)
    session.add(destination)
    session.flush()
    release_held(session, kind=KIND)
    return destination


def remove_destination(session: Session, destination_id: int) -> None:
    destination = session.get(LrsDestination, destination_id)
    if destination is None:
        raise XapiError(f"There is no LRS {destination_id}. See `skillbite lrs list`.")
    session.delete(destination)


def list_destinations(session: Session) -> Sequence[LrsDestination]:
    return session.scalars(sa.select(LrsDestination).order_by(LrsDestination.id)).all()


def open_destination(box: SecretBox, row: LrsDestination) -> Destination:
    return Destination(id=row.id, name=row.name, endpoint=row.endpoint, username=row.username,
                       password=box.open(row.password_sealed).decode(), xapi_version=row.xapi_version,
                       batch_size=row.batch_size)


def resolve_destination(session: Session, platform_id: int, deployment_id: str | None) -> LrsDestination | None:
    """The most specific enabled LRS: (platform, deployment), then (platform), then the default."""
    rows = session.scalars(sa.select(LrsDestination).where(
        LrsDestination.enabled.is_(True),
        sa.or_(LrsDestination.platform_id.is_(None), LrsDestination.platform_id == platform_id))).all()

    def rank(row: LrsDestination) -> int:
        if row.platform_id == platform_id and row.deployment_id is not None:
            return 0 if row.deployment_id == deployment_id else 99
        return 1 if row.platform_id == platform_id else 2

    ranked = sorted((rank(r), r.id, r) for r in rows)
    return next((r for score, _, r in ranked if score < 99), None)


def set_actor_identifier(session: Session, platform_id: int, identifier: str) -> None:
    if identifier not in ACTOR_IDENTIFIERS:
        raise XapiError(f"Actor identifier must be one of {', '.join(ACTOR_IDENTIFIERS)}.")
    settings = session.get(XapiPlatformSettings, platform_id) or XapiPlatformSettings(platform_id=platform_id)
    settings.actor_identifier = identifier
    session.add(settings)


# --- the local statement log ----------------------------------------------------------------------

@dataclass(frozen=True)
class StatementFilter:
    platform_id: int | None = None
    learner: str | None = None  # the LTI sub
    verb: str | None = None
    course_iri: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(query: Any, f: StatementFilter) -> Any:
    if f.platform_id is not None:
        query = query.where(XapiStatement.platform_id == f.platform_id)
    if f.learner:
        query = query.join(User, User.id == XapiStatement.user_id).where(User.subject == f.learner)
    if f.verb:
        query = query.where(XapiStatement.verb == f.verb)
    if f.course_iri:
        query = query.where(XapiStatement.course_iri == f.course_iri)
    if f.since:
        query = query.where(XapiStatement.timestamp >= f.since)
    if f.until:
        query = query.where(XapiStatement.timestamp < f.until)
    return query


def list_statements(session: Session, f: StatementFilter, *, limit: int = 100,
                    offset: int = 0) -> list[dict[str, object]]:
    query = _filtered(sa.select(XapiStatement), f).order_by(XapiStatement.timestamp.desc(), XapiStatement.id)
    return [json.loads(row.statement) for row in session.scalars(query.limit(limit).offset(offset))]


def export_statements(sessions: sessionmaker[Session], f: StatementFilter, *, chunk: int = 1000) -> Iterator[str]:
    """JSON lines, oldest first, in chunks so that an export of millions stays small in memory.

    Each chunk is its own short read (keyset pagination on timestamp and id), so a slow or abandoned
    download never holds a transaction open: nothing blocks vacuum, migrations or other writers.
    """
    after: tuple[dt.datetime, str] | None = None
    while True:
        query = _filtered(sa.select(XapiStatement.timestamp, XapiStatement.id, XapiStatement.statement), f)
        if after is not None:
            query = query.where(sa.tuple_(XapiStatement.timestamp, XapiStatement.id) > sa.tuple_(*after))
        with sessions() as session:
            rows = session.execute(query.order_by(XapiStatement.timestamp, XapiStatement.id).limit(chunk)).all()
        for row in rows:
            yield row.statement + "\n"
        if len(rows) < chunk:
            return
        after = (rows[-1].timestamp, rows[-1].id)
