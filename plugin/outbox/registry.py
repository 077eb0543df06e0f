"""Deliverers: one per message kind, so a new kind is one class and one line here, not edits in the worker.

A deliverer takes a batch of claimed messages of its kind and returns an :data:`Outcome` per message id.
It does its network I/O with timeouts and never touches the claim: the worker settles the outcomes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from plugin.outbox.services import ClaimedMessage

if TYPE_CHECKING:
    from plugin.runtime import Runtime

# Modules that register deliverers when imported. The AGS feature adds its module here.
DELIVERER_MODULES: tuple[str, ...] = ("plugin.xapi.delivery", "plugin.grades.delivery")


@dataclass(frozen=True)
class Delivered:
    """The destination holds the message (including: it already held it)."""


@dataclass(frozen=True)
class Retry:
    """Try again later: ``error`` for people; ``after`` seconds at least (a Retry-After header)."""

    error: str
    after: float | None = None


@dataclass(frozen=True)
class Park:
    """Retrying will not help (the destination refused this message); a person must look."""

    reason: str


@dataclass(frozen=True)
class Hold:
    """No destination is configured for it yet; it waits, unattempted, until one is added."""

    reason: str


Outcome = Delivered | Retry | Park | Hold


class Deliverer(Protocol):
    def deliver(self, messages: Sequence[ClaimedMessage]) -> Mapping[int, Outcome]: ...


DelivererFactory = Callable[["Runtime"], Deliverer]
_factories: dict[str, DelivererFactory] = {}


def register_deliverer(kind: str, factory: DelivererFactory) -> None:
    _factories[kind] = factory


def load_deliverers(runtime: Runtime, kinds: Sequence[str] | None = None) -> dict[str, Deliverer]:
    """Import the deliverer modules and build one deliverer per kind (all kinds, or those asked for)."""
    for module in DELIVERER_MODULES:
        importlib.import_module(module)
    unknown = set(kinds or ()) - set(_factories)
    if unknown:
        raise LookupError(f"no deliverer for message kind(s): {', '.join(sorted(unknown))}; "
                          f"known kinds: {', '.join(sorted(_factories))}")
    return {kind: factory(runtime) for kind, factory in _factories.items() if not kinds or kind in kinds}
