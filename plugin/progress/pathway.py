"""The pathway: which nuggets are done, which is next, which are locked by prerequisites. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugin.catalog.snapshot import NuggetView, VersionView

DONE, NEXT, OPEN, LOCKED = "done", "next", "open", "locked"


@dataclass(frozen=True)
class NuggetState:
    nugget: NuggetView
    status: str  # done | next | open | locked
    missing: tuple[str, ...]  # titles of unmet prerequisites
    passed: bool | None = None


def pathway(version: VersionView, completed: Mapping[str, Any], preview: bool = False) -> list[NuggetState]:
    """States in course order. ``completed`` maps completed nugget keys to their progress (or True).
    In a ``preview`` (anonymous launch) nothing is locked: there is no progress to unlock anything."""
    by_key = {n.key: n for n in version.nuggets}
    module_nuggets: dict[str, list[NuggetView]] = {}
    for nugget in version.nuggets:
        module_nuggets.setdefault(nugget.module.key, []).append(nugget)
    states: list[NuggetState] = []
    next_given = False
    for nugget in version.nuggets:
        required = list(nugget.prerequisites)
        for module_key in nugget.module.prerequisites:
            required.extend(n.key for n in module_nuggets.get(module_key, []))
        unmet = {k for k in required if k in by_key and k not in completed}
        missing = tuple(by_key[k].title for k in sorted(unmet, key=lambda k: by_key[k].position))  # course order
        progress = completed.get(nugget.key)
        passed = getattr(progress, "passed", None)
        if nugget.key in completed:
            status = DONE
        elif missing and not preview:
            status = LOCKED
        elif not next_given:
            status, next_given = NEXT, True
        else:
            status = OPEN
        states.append(NuggetState(nugget, status, missing, passed))
    return states


def next_nugget(states: list[NuggetState]) -> NuggetView | None:
    return next((s.nugget for s in states if s.status == NEXT), None)


def percent_done(states: list[NuggetState]) -> int:
    return round(100 * sum(1 for s in states if s.status == DONE) / len(states)) if states else 0


def rule_met(rule: Mapping[str, Any], states: list[NuggetState]) -> bool:
    """The course's completion rule (course.yaml `completion`)."""
    kind = rule.get("rule", "all_nuggets")
    if kind == "percent":
        return percent_done(states) >= int(rule.get("percent", 100))
    if kind == "all_passed":
        return all(s.status == DONE and (not s.nugget.items or s.passed) for s in states)
    return all(s.status == DONE for s in states)
