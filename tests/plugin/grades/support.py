"""The pieces of the AGS and NRPS plugin tests: a small graded course, the strict AGS LMS registered with
the tool, learner launches carrying its claims, learning through the progress services, and the worker."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lti import claims
from lti.message import Context, LaunchMessage, ResourceLink, Role
from plugin.catalog.services import course_by_slug, import_package
from plugin.db import transaction
from plugin.grades.delivery import ScoreDeliverer
from plugin.keys.services import public_jwks
from plugin.launch.services import open_launch_session
from plugin.outbox.models import OutboxMessage
from plugin.outbox.worker import Worker, WorkerSettings
from plugin.platforms.services import add_platform
from plugin.progress import services as progress
from plugin.roster.delivery import RosterDeliverer
from tests.lti.ags_server import StrictPlatform
from tests.lti.platform_fixture import CLIENT_ID
from tests.plugin.catalog.packages import package

SLUG = "site-safety"
QUIZ = """\
---
id: {key}
title: Quiz {key}
mastery: 1
attempts: 2
items:
  - id: q
    type: true_false
    prompt: Hard hats are optional on site.
    answer: false
---
Wear a hard hat.
"""
MANIFEST = f"""\
format: skillbite/1
slug: {SLUG}
title: Site safety
summary: Staying safe on a building site.
language: en
skills:
  - id: safety
    name: Site safety
modules:
  - id: basics
    title: Basics
    nuggets:
      - nuggets/quiz.md
      - nuggets/read.md
  - id: more
    title: More
    nuggets:
      - nuggets/extra.md
"""
_links = itertools.count(1)


def load_course(runtime: Any) -> None:
    files = package({"quiz": "", "read": "Read this.", "extra": "And this."}, manifest=MANIFEST)
    files.files["nuggets/quiz.md"] = QUIZ.format(key="quiz").encode()
    with transaction(runtime.sessions) as session:
        import_package(session, files)


def start_lms(runtime: Any) -> StrictPlatform:
    with transaction(runtime.sessions) as session:
        jwks = public_jwks(session)
    return StrictPlatform(jwks, CLIENT_ID, time.time).__enter__()


def register_lms(runtime: Any, lms: Any, *, issuer: str | None = None, token_url: str | None = None) -> int:
    issuer = issuer or lms.base_url
    with transaction(runtime.sessions) as session:
        row = add_platform(session, issuer=issuer, client_id=getattr(lms, "client_id", CLIENT_ID),
                           auth_login_url=issuer + "/auth", auth_token_url=token_url or lms.token_url,
                           key_set_url=issuer + "/jwks", deployment_ids=["d1"])
        session.flush()
        return int(row.id)


@dataclass
class LearnerLaunch:
    session_id: str
    platform_id: int
    user_id: int
    subject: str


def launch(runtime: Any, platform_id: int, *, subject: str = "u-1", role: Role = Role.LEARNER,
           custom: dict[str, str] | None = None, ags: dict[str, Any] | None = None,
           nrps: dict[str, Any] | None = None, link_id: str = "rl-1", context_id: str = "course-1",
           ) -> LearnerLaunch:
    from plugin.platforms.models import Platform

    with transaction(runtime.sessions) as session:
        platform = session.get(Platform, platform_id)
        assert platform is not None
        message = LaunchMessage(
            issuer=platform.issuer, client_id=platform.client_id, deployment_id="d1",
            message_type=claims.RESOURCE_LINK_REQUEST, subject=subject, roles=(), role=role,
            target_link_uri="http://localhost/lti/launch", context=Context(context_id, "SAFE1", "Safety"),
            resource_link=ResourceLink(link_id, "Site safety"), name=f"Person {subject}",
            custom=dict(custom if custom is not None else {"skillbite_course": SLUG}),
            ags_endpoint=ags, nrps_endpoint=nrps)
        opened = open_launch_session(session, message, dt.timedelta(hours=1))
        assert opened.user_pk is not None
        return LearnerLaunch(opened.id, platform_id, opened.user_pk, subject)


def ags_claim(lms: StrictPlatform, *, lineitem: str | None = None) -> dict[str, Any]:
    claim: dict[str, Any] = {"scope": [claims.SCOPE_AGS_LINEITEM, claims.SCOPE_AGS_LINEITEM_READONLY,
                                       claims.SCOPE_AGS_SCORE], "lineitems": lms.lineitems_url}
    if lineitem is not None:
        claim["lineitem"] = lineitem
    return claim


def learn(runtime: Any, who: LearnerLaunch, key: str, *, correct: bool = True) -> None:
    """Open nugget ``key`` and finish it: a quiz answered (right or wrong), a text marked done."""
    with transaction(runtime.sessions) as session:
        learner = progress.Learner(who.platform_id, who.user_id, who.session_id)
        enrolment = progress.enrol(session, learner, course_by_slug(session, SLUG))
        version = progress.load_version(session, enrolment.version_id)
        nugget = next(n for n in version.nuggets if n.key == key)
        if nugget.items:
            progress.submit_answers(session, learner, enrolment, nugget,
                                    {"q": {"": ["false" if correct else "true"]}})
        else:
            progress.mark_done(session, learner, enrolment, nugget)


def complete_course(runtime: Any, who: LearnerLaunch) -> None:
    for key in ("quiz", "read", "extra"):
        learn(runtime, who, key)


def score_worker(runtime: Any, **deliverers: Any) -> Worker:
    found = {"ags_score": ScoreDeliverer(runtime), "nrps_sync": RosterDeliverer(runtime), **deliverers}
    return Worker(runtime.sessions, found, WorkerSettings(batch_size=100, backoff_seconds=0.01,
                                                          backoff_max_seconds=0.05))


def drain(worker: Worker, *, until: Callable[[], bool] = lambda: False, rounds: int = 40) -> None:
    """Run the worker in bounded ``--once`` passes until nothing is queued (or ``until()``)."""
    for _ in range(rounds):
        worker.run(once=True)
        if until() or not queued(worker):
            return
        time.sleep(0.03)


def queued(worker: Worker) -> int:
    with transaction(worker.sessions) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "queued", OutboxMessage.kind.in_(sorted(worker.deliverers)))) or 0)


def messages(runtime: Any, kind: str = "ags_score") -> list[OutboxMessage]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                                    .order_by(OutboxMessage.id)))
