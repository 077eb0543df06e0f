"""Learning events: what happened to a learner, published inside the transaction that caused it.

Features that must react (xAPI statements, AGS scores, credential awards) subscribe; each handler
writes its outbox rows in the same database transaction as the progress change, so an event is either
recorded with everything it causes, or not at all. Handlers never do network I/O (the worker does).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

# cmi5-style verbs the player and the review practice produce (docs/xapi-profile.md defines each).
KINDS = frozenset({"initialized", "progressed", "answered", "completed", "passed", "failed",
                   "terminated", "earned", "reviewed"})


@dataclass(frozen=True)
class LearningEvent:
    kind: str
    occurred_at: dt.datetime
    platform_id: int
    user_id: int
    launch_session_id: str | None = None
    course_version_id: int | None = None
    module_id: int | None = None
    nugget_id: int | None = None
    item_id: int | None = None
    enrolment_id: int | None = None
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration_seconds: float | None = None
    response: str | None = None
    progress: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown learning event kind {self.kind!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware (UTC)")

    @property
    def score_scaled(self) -> float | None:
        if self.score_raw is None or self.score_max in (None, 0):
            return None
        low = self.score_min or 0.0
        return max(-1.0, min(1.0, (self.score_raw - low) / (self.score_max - low)))


Handler = Callable[[Session, LearningEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(kind: str, handler: Handler) -> None:
    """Register ``handler`` for ``kind`` ("*" for every kind). Idempotent."""
    if handler not in _handlers[kind]:
        _handlers[kind].append(handler)


def publish(session: Session, event: LearningEvent) -> None:
    for handler in (*_handlers.get(event.kind, ()), *_handlers.get("*", ())):
        handler(session, event)
