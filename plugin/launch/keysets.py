"""Platform public keys for launch validation: process memory first, then the shared database cache."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session

from lti.keys import PlatformKeys
from plugin.launch.stores import DatabaseKeySetCache
from plugin.web.context import runtime


class KeySetMemory:
    """This process's copy of platform JWKS documents (one per app, held by the Runtime)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[dict[str, Any], float]] = {}
        self.lock = threading.Lock()


class LayeredKeySetCache:
    """Reads this process's copy before the database; writes both.

    A JWKS changes rarely and a launch needs it every time, so each web process keeps what it last
    saw. Rotation is still safe: :class:`lti.keys.PlatformKeys` re-fetches on an unknown ``kid``.
    """

    def __init__(self, session: Session, memory: KeySetMemory) -> None:
        self._db = DatabaseKeySetCache(session)
        self._memory = memory

    def get_key_set(self, url: str) -> tuple[dict[str, Any], float] | None:
        with self._memory.lock:
            hit = self._memory.entries.get(url)
        if hit is not None:
            return hit
        found = self._db.get_key_set(url)
        if found is not None:
            with self._memory.lock:
                self._memory.entries[url] = found
        return found

    def put_key_set(self, url: str, key_set: dict[str, Any], fetched_at: float) -> None:
        self._db.put_key_set(url, key_set, fetched_at)
        with self._memory.lock:
            self._memory.entries[url] = (key_set, fetched_at)


def platform_keys(session: Session) -> PlatformKeys:
    rt = runtime()
    return PlatformKeys(LayeredKeySetCache(session, rt.key_sets), rt.http,
                        min_refetch_seconds=rt.config.jwks_refetch_seconds)
