"""Fixtures of the xAPI tests: the real LRS, a learner with a launch, an in-process worker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from plugin.db import transaction
from plugin.outbox.registry import load_deliverers
from plugin.outbox.worker import Worker, WorkerSettings, WorkerStats
from plugin.runtime import Runtime
from plugin.xapi import activities, services
from tests.support.lrs import LearningLocker, lrs, lrs_server  # noqa: F401  (fixtures)

from .source import Learner, TestCatalog, make_learner

FAST = WorkerSettings(batch_size=50, lease=dt.timedelta(seconds=30), poll_seconds=0.02, backoff_seconds=0.05,
                      backoff_max_seconds=0.2)


@pytest.fixture(autouse=True)
def catalog(app: Any) -> Iterator[TestCatalog]:
    """Installed after the app (create_app installs the real catalog), removed after the test."""
    test_catalog = TestCatalog()
    activities.use_catalog(test_catalog)
    yield test_catalog
    activities.use_catalog(activities.IdOnlyCatalog())


@pytest.fixture
def learner(runtime: Runtime) -> Learner:
    return make_learner(runtime.sessions)


@pytest.fixture
def add_lrs(runtime: Runtime) -> Callable[..., int]:
    def add(url: str, auth: tuple[str, str], **options: Any) -> int:
        with transaction(runtime.sessions) as session:
            row = services.add_destination(session, runtime.box, name="test LRS", endpoint=url, username=auth[0],
                                           password=auth[1], **options)
            return row.id
    return add


@pytest.fixture
def deliver(runtime: Runtime) -> Callable[..., WorkerStats]:
    """Run an in-process worker: until nothing is due (default), or for ``seconds``."""

    def run(seconds: float | None = None, lrs_timeout: float = 2.0, **settings: Any) -> WorkerStats:
        rt = dataclasses.replace(runtime, config=dataclasses.replace(runtime.config, lrs_timeout=lrs_timeout))
        worker = Worker(rt.sessions, load_deliverers(rt, ["xapi"]), dataclasses.replace(FAST, **settings))
        return worker.run(once=seconds is None, max_seconds=seconds if seconds is not None else 30)
    return run
