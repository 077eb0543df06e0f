"""Which nuggets a learner may open in this launch: the course's prerequisites ("requires"), except for the
content the launch's LMS link names.

A learner browsing a course in Skillbite meets its locks (:func:`plugin.progress.pathway.pathway`). A link
that deep linking made to one module or nugget (:mod:`plugin.deep_linking.targets`) is an activity the
instructor chose, sequenced by the LMS: in a launch of that link its content opens even when what it builds
on is not done, and the page says what it builds on. Inside a linked module the course's own order still
holds, and every other nugget keeps its locks, in that launch too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from plugin.catalog.snapshot import NuggetView, VersionView
from plugin.deep_linking.targets import linked_nuggets
from plugin.launch.models import LaunchSession
from plugin.progress.pathway import DONE, LOCKED, NEXT, OPEN, NuggetState, pathway


def prerequisites(version: VersionView, nugget: NuggetView) -> list[NuggetView]:
    """What ``nugget`` builds on, in course order: its own ``requires`` and every nugget of the modules its
    module requires (as :func:`~plugin.progress.pathway.pathway` reads them)."""
    modules = set(nugget.module.prerequisites)
    keys = set(nugget.prerequisites)
    return [n for n in version.nuggets if n.key in keys or n.module.key in modules]


def states(launch: LaunchSession, slug: str, version: VersionView, completed: Mapping[str, Any],
           preview: bool = False) -> list[NuggetState]:
    """The pathway as this launch sees it: a nugget its link names is locked only by unmet prerequisites
    inside the linked content, and the linked content's first open nugget is the one to do next."""
    course_states = pathway(version, completed, preview)
    linked = linked_nuggets(launch, slug, version)
    return with_link_open(version, course_states, completed, linked) if linked else course_states


def with_link_open(version: VersionView, course_states: list[NuggetState], completed: Collection[str],
                   linked: Collection[str]) -> list[NuggetState]:
    """``course_states`` with the ``linked`` nuggets opened (a pure function, like the pathway)."""
    opened: list[NuggetState] = []
    for state in course_states:
        if state.status == LOCKED and state.nugget.key in linked:
            inside = tuple(n.title for n in prerequisites(version, state.nugget)
                           if n.key in linked and n.key not in completed)
            # Open, ``missing`` kept for the page to say what it builds on; or locked by the content itself.
            state = dataclasses.replace(state, missing=inside) if inside else dataclasses.replace(state, status=OPEN)
        opened.append(state)
    first = next((i for i, s in enumerate(opened) if s.nugget.key in linked and s.status not in (DONE, LOCKED)),
                 None)
    if first is not None and opened[first].status != NEXT:
        opened = [dataclasses.replace(s, status=OPEN) if s.status == NEXT else s for s in opened]
        opened[first] = dataclasses.replace(opened[first], status=NEXT)
    return opened


def builds_on(version: VersionView, state: NuggetState, completed: Collection[str]) -> list[NuggetView]:
    """The unmet prerequisites of a nugget a link opened, to name (and link) on its page; none otherwise."""
    if state.status == LOCKED or not state.missing:
        return []
    return [n for n in prerequisites(version, state.nugget) if n.key not in completed]
