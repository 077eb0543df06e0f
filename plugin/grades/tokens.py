"""Service access tokens for the worker: cached in the database, sealed, shared by every worker process.

Security Framework 1.0 §4.1: a token serves every call of its scope until it expires. The cache is read
through a small in-process layer first, so a worker delivering a batch of scores reads the database
once per token, not once per score; a token refused with 401 is dropped from both layers
(:meth:`lti.service_token.ServiceTokens.invalidate` writes an expired entry).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from lti.ags import AssignmentsAndGrades
from lti.http import HttpClient
from lti.nrps import NamesAndRoles
from lti.service_token import ServiceTokens
from lti.storage import SigningKey
from plugin.db import transaction
from plugin.grades.models import ServiceAccessToken
from plugin.instance import SecretBox
from plugin.keys.services import DatabaseToolKeys

SIGNING_KEY_SECONDS = 60.0  # a rotated key is used by workers within a minute


class DatabaseAccessTokenCache:
    """:class:`lti.storage.AccessTokenCache` over ``service_access_token``, tokens sealed at rest."""

    def __init__(self, sessions: sessionmaker[Session], box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box
        self._memory: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            held = self._memory.get(key)
        if held is not None and held[0] and held[1] > time.time():
            return held
        with transaction(self._sessions) as session:
            row = session.get(ServiceAccessToken, key)
            if row is None:
                return None
            entry = (self._box.open(row.token_sealed).decode(), row.expires_at)
        with self._lock:
            self._memory[key] = entry
        return entry

    def put(self, key: str, token: str, expires_at: float) -> None:
        with self._lock:
            self._memory[key] = (token, expires_at)
        values = {"key": key, "token_sealed": self._box.seal(token.encode()), "expires_at": expires_at}
        with transaction(self._sessions) as session:
            dialect = session.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ServiceAccessToken)
            session.execute(insert.values(**values).on_conflict_do_update(
                index_elements=["key"], set_={"token_sealed": values["token_sealed"], "expires_at": expires_at}))


class WorkerToolKeys:
    """:class:`lti.storage.ToolKeyStore` for processes without a request: the newest active key, kept a minute."""

    def __init__(self, sessions: sessionmaker[Session], box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box
        self._key: tuple[SigningKey, float] | None = None

    def signing_key(self) -> SigningKey:
        if self._key is None or time.monotonic() - self._key[1] > SIGNING_KEY_SECONDS:
            with transaction(self._sessions) as session:
                self._key = (DatabaseToolKeys(session, self._box).signing_key(), time.monotonic())
        return self._key[0]

    def public_jwks(self) -> dict[str, Any]:
        with transaction(self._sessions) as session:
            return DatabaseToolKeys(session, self._box).public_jwks()


@dataclass(frozen=True)
class ServiceClients:
    """The AGS and NRPS clients of one worker process, sharing one token cache."""

    tokens: ServiceTokens
    ags: AssignmentsAndGrades
    nrps: NamesAndRoles


def service_clients(sessions: sessionmaker[Session], box: SecretBox, http: HttpClient) -> ServiceClients:
    tokens = ServiceTokens(WorkerToolKeys(sessions, box), http, DatabaseAccessTokenCache(sessions, box))
    return ServiceClients(tokens, AssignmentsAndGrades(http, tokens), NamesAndRoles(http, tokens))
