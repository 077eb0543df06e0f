"""The outbox deliverer for ``nrps_sync``: fetch a context's learners (NRPS 2.0) and record them.

Every page is fetched (``Link: rel="next"``) before anything is written, so a roster is replaced whole
or not at all. Retryable failures (429, 5xx, timeouts) are retried with Retry-After; the rest parked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from lti.errors import ServiceError
from plugin.db import transaction
from plugin.grades.tokens import ServiceClients, service_clients
from plugin.outbox.registry import Delivered, Outcome, Park, Retry, register_deliverer
from plugin.outbox.services import ClaimedMessage
from plugin.platforms.models import Platform
from plugin.platforms.services import as_registration
from plugin.roster.services import KIND, LEARNER_ROLE, record_members
from plugin.runtime import Runtime

PAGE_SIZE = 100


class RosterDeliverer:
    def __init__(self, runtime: Runtime, clients: ServiceClients | None = None, page_size: int = PAGE_SIZE) -> None:
        self.runtime = runtime
        self.page_size = page_size
        self.clients = clients or service_clients(runtime.sessions, runtime.box, runtime.http)

    def deliver(self, messages: Sequence[ClaimedMessage]) -> Mapping[int, Outcome]:
        outcomes: dict[int, Outcome] = {}
        done: set[int] = set()
        for message in messages:
            payload = message.payload
            context_pk = int(payload["context_pk"])
            if context_pk in done:  # two requests for one course in a batch: one fetch answers both
                outcomes[message.id] = Delivered()
                continue
            with transaction(self.runtime.sessions) as session:
                platform = session.scalar(sa.select(Platform).where(Platform.id == message.platform_id,
                                                                    Platform.enabled.is_(True)))
                registration = as_registration(platform) if platform else None
            if registration is None:
                outcomes[message.id] = Park("The platform of this roster is no longer registered or is disabled.")
                continue
            try:
                members = list(self.clients.nrps.memberships(registration, payload["claim"], role=LEARNER_ROLE,
                                                             limit=self.page_size))
            except ServiceError as error:
                outcomes[message.id] = (Retry(str(error), error.retry_after) if error.retryable
                                        else Park(str(error)))
                continue
            with transaction(self.runtime.sessions) as session:
                try:
                    record_members(session, registration.id, context_pk, members)
                except LookupError as exc:
                    outcomes[message.id] = Park(str(exc))
                    continue
            done.add(context_pk)
            outcomes[message.id] = Delivered()
        return outcomes


register_deliverer(KIND, RosterDeliverer)
