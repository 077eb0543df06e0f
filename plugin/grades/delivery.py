"""The outbox deliverer for ``ags_score``: scores POSTed to the LMS gradebook by the worker (AGS 2.0).

- One service token per platform and scope serves every score of a batch and of the batches after it
  (:mod:`plugin.grades.tokens`); a 401 drops it and the call is made once more with a fresh one.
- The line item is the launch claim's ``lineitem``; otherwise the one found or created for the resource
  link, once: the ``ags_line_item`` row is locked while one worker looks, so two never create two.
- Outcomes: 2xx delivered; 409 delivered (the platform already holds this score or a newer one: a re-send,
  or parallel workers that delivered one learner's scores out of order); 429, 5xx and timeouts retried no
  earlier than Retry-After, and the rest of the platform's scores in the batch wait with them; every other
  4xx (Moodle's 400 for a teacher, 403, 404...) parked with the method, URL and status, for an admin to read
  in ``skillbite grades status`` and the console. The platform's own words are never repeated there: the
  URLs come from launches and platforms, so the reply could be any host's (see :class:`lti.http.StatusError`).
- A line item, scores or token URL the outbound policy refuses (:mod:`lti.outbound`: loopback, metadata or
  private addresses) is parked at once, naming the host and the setting that would allow it; nothing is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lti.ags import ActivityProgress, GradingProgress, LineItem, Score
from lti.errors import ServiceError
from lti.http import StatusError
from lti.storage import PlatformRegistration
from plugin.db import transaction, utcnow
from plugin.grades.models import AgsLineItem
from plugin.grades.services import KIND
from plugin.grades.tokens import ServiceClients, service_clients
from plugin.metrics.counters import record_ags_failure
from plugin.outbox.registry import Delivered, Outcome, Park, Retry, register_deliverer
from plugin.outbox.services import ClaimedMessage
from plugin.platforms.models import Platform
from plugin.platforms.services import as_registration
from plugin.runtime import Runtime

LINE_ITEM_CLAIM = dt.timedelta(seconds=30)
TEACHER_HINT = (" (Moodle refuses scores for people who are not learners in the course: check the "
                "person's role there)")


def score_from_json(body: Mapping[str, Any]) -> Score:
    return Score(user_id=body["userId"], timestamp=dt.datetime.fromisoformat(body["timestamp"]),
                 activity_progress=ActivityProgress(body["activityProgress"]),
                 grading_progress=GradingProgress(body["gradingProgress"]),
                 score_given=body.get("scoreGiven"), score_maximum=body.get("scoreMaximum"),
                 comment=body.get("comment"))


def failure_reason(error: ServiceError) -> str:
    """The short code of :func:`plugin.metrics.counters.record_ags_failure`."""
    if error.status is None:
        return "unreachable"
    if error.status == 429:
        return "throttled"
    if error.status >= 500:
        return "http_5xx"
    return {401: "unauthorized", 409: "conflict"}.get(error.status, "http_4xx")


def outcome_of(error: ServiceError, attempts: int) -> Outcome:
    """What the worker does with a score the platform did not take."""
    record_ags_failure(failure_reason(error))
    if error.status == 409:
        # AGS 2.0 (score timestamp): the platform keeps a score only if it is newer than the stored one, and
        # our scores of one (link, learner) have strictly increasing timestamps (next_score_timestamp), so a
        # 409 means it holds this score or a newer one: a re-send, or workers delivering in parallel sent
        # a later score first. Either way the gradebook is right; parking it would ask an admin to replay a
        # score that can only be refused again.
        return Delivered()
    if error.retryable:
        return Retry(str(error), error.retry_after)
    if error.status == 400 and isinstance(error, StatusError) and "learner" in error.said.lower():
        return Park(str(error) + TEACHER_HINT)
    return Park(str(error))


class ScoreDeliverer:
    def __init__(self, runtime: Runtime, clients: ServiceClients | None = None) -> None:
        self.runtime = runtime
        self.clients = clients or service_clients(runtime.sessions, runtime.box, runtime.http)

    def _registrations(self, ids: set[int]) -> dict[int, PlatformRegistration]:
        with transaction(self.runtime.sessions) as session:
            rows = session.scalars(sa.select(Platform).where(Platform.id.in_(ids), Platform.enabled.is_(True)))
            return {row.id: as_registration(row) for row in rows}

    def deliver(self, messages: Sequence[ClaimedMessage]) -> Mapping[int, Outcome]:
        registrations = self._registrations({m.platform_id for m in messages if m.platform_id is not None})
        outcomes: dict[int, Outcome] = {}
        waiting: dict[int, Retry] = {}  # platform id -> the retry its first failure asked for
        for message in messages:
            registration = registrations.get(message.platform_id or 0)
            if registration is None:
                outcomes[message.id] = Park("The platform of this score is no longer registered or is disabled.")
                continue
            if registration.id in waiting:
                outcomes[message.id] = waiting[registration.id]
                continue
            try:
                payload = message.payload
                line_item = self.line_item_url(registration, payload)
                self.clients.ags.post_score(registration, line_item, score_from_json(payload["score"]))
                outcomes[message.id] = Delivered()
            except ServiceError as error:
                outcome = outcome_of(error, message.attempts)
                outcomes[message.id] = outcome
                if isinstance(outcome, Retry):
                    waiting[registration.id] = outcome  # the LMS is down or throttling: do not hammer it
            except (KeyError, TypeError, ValueError) as exc:
                outcomes[message.id] = Park(f"This score message cannot be read: {type(exc).__name__}: {exc}")
        return outcomes

    def line_item_url(self, registration: PlatformRegistration, payload: Mapping[str, Any]) -> str:
        """The line item of the score's resource link: from the claim, the database, or the platform."""
        claim: dict[str, Any] = payload["claim"]
        if isinstance(claim.get("lineitem"), str) and claim["lineitem"]:
            return str(claim["lineitem"])
        link_pk = int(payload["resource_link_pk"])
        with transaction(self.runtime.sessions) as session:
            row = session.scalar(sa.select(AgsLineItem).where(AgsLineItem.platform_id == registration.id,
                                                              AgsLineItem.resource_link_pk == link_pk))
            if row is not None and row.url:
                return row.url
        # AGS 2.0: find-or-create is not atomic on the platform, so one worker at a time does it per resource
        # link: it claims the row for a while (no database lock is held across the network call).
        now = utcnow()
        mine = sa.and_(AgsLineItem.platform_id == registration.id, AgsLineItem.resource_link_pk == link_pk)
        with transaction(self.runtime.sessions) as session:
            dialect = session.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(AgsLineItem)
            session.execute(insert.values(platform_id=registration.id, resource_link_pk=link_pk)
                            .on_conflict_do_nothing(index_elements=["platform_id", "resource_link_pk"]))
            claimed = session.execute(
                sa.update(AgsLineItem).where(mine, AgsLineItem.url.is_(None), sa.or_(
                    AgsLineItem.claimed_until.is_(None), AgsLineItem.claimed_until < now))
                .values(claimed_until=now + LINE_ITEM_CLAIM).execution_options(synchronize_session=False))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                url = session.scalar(sa.select(AgsLineItem.url).where(mine))
                if url:
                    return url
                raise ServiceError("another worker is finding or creating this link's line item", retryable=True,
                                   retry_after=LINE_ITEM_CLAIM.total_seconds() / 10)
        found: str | None = None
        try:
            wanted = payload["line_item"]
            item = self.clients.ags.find_or_create_line_item(registration, claim, LineItem(
                label=wanted["label"], score_maximum=float(wanted["scoreMaximum"]),
                resource_link_id=wanted.get("resourceLinkId"), resource_id=wanted.get("resourceId"),
                tag=wanted.get("tag")))
            found = item.id
            assert found is not None
            return found
        finally:
            with transaction(self.runtime.sessions) as session:
                session.execute(sa.update(AgsLineItem).where(mine).values(
                    url=found, claimed_until=None, resolved_at=utcnow() if found else None)
                    .execution_options(synchronize_session=False))


register_deliverer(KIND, ScoreDeliverer)

# The roster's deliverer shares this module's place in plugin.outbox.registry.DELIVERER_MODULES.
from plugin.roster import delivery as _roster_delivery  # noqa: E402,F401
